"""Booking rules a deployment may change in the ``[booking]`` table of its TOML file.

```toml
[booking]
max_future_bookings = 2     # upcoming appointments a client may hold at once
cancel_cutoff_minutes = 120 # closer than this, clients are asked to call instead
min_notice_minutes = 60     # slots starting sooner are not offered
days_ahead = 14             # how far ahead clients can book
```
Every key is optional; a wrong value raises :class:`bot.config.ConfigError` naming the file.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings

# key: (smallest, largest allowed value)
_LIMITS = {
    "max_future_bookings": (1, 20),
    "cancel_cutoff_minutes": (0, 7 * 24 * 60),
    "min_notice_minutes": (0, 7 * 24 * 60),
    "days_ahead": (1, 90),
}


@dataclass(frozen=True)
class BookingPolicy:
    max_future_bookings: int = 2
    cancel_cutoff: timedelta = timedelta(hours=2)
    min_notice: timedelta = timedelta(hours=1)
    days_ahead: int = 14


DEFAULT_POLICY = BookingPolicy()


def booking_policy(settings: Settings) -> BookingPolicy:
    """The policy from ``settings.extra["booking"]`` or the TOML file, else the defaults."""
    raw = settings.extra.get("booking") if settings.extra else None
    if raw is None:
        return _policy_from_file(str(settings.config_path))
    return parse_policy(raw, where="settings")


@functools.cache
def _policy_from_file(path: str) -> BookingPolicy:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the [booking] table: {exc}") from None
    return parse_policy(data.get("booking", {}), where=path)


def parse_policy(raw: Any, *, where: str) -> BookingPolicy:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: [booking] must be a table")
    unknown = sorted(set(raw) - set(_LIMITS))
    if unknown:
        raise ConfigError(f"{where}: [booking] has unknown keys: {', '.join(unknown)}")
    values = {}
    for key, (low, high) in _LIMITS.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ConfigError(f"{where}: [booking] {key} must be a whole number from {low} "
                              f"to {high}")
        values[key] = value
    default = DEFAULT_POLICY
    return BookingPolicy(
        max_future_bookings=values.get("max_future_bookings", default.max_future_bookings),
        cancel_cutoff=_minutes(values, "cancel_cutoff_minutes", default.cancel_cutoff),
        min_notice=_minutes(values, "min_notice_minutes", default.min_notice),
        days_ahead=values.get("days_ahead", default.days_ahead),
    )


def _minutes(values: dict[str, int], key: str, default: timedelta) -> timedelta:
    return timedelta(minutes=values[key]) if key in values else default
