"""Booking rules a deployment may change in the ``[booking]`` table of its TOML file.

```toml
[booking]
max_future_bookings = 2     # upcoming appointments a client may hold at once
cancel_cutoff_minutes = 120 # closer than this, clients are asked to call instead
min_notice_minutes = 60     # slots starting sooner are not offered
days_ahead = 14             # how far ahead clients can book
```
Every key is optional. :mod:`bot.config` reads the table with the rest of the file at start
(and in ``lotse check``) and reports a wrong value with file and line; the policy is then
``settings.booking``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

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


class PolicyError(ValueError):
    """A wrong ``[booking]`` value; ``key`` names it so the caller can find its line."""

    def __init__(self, message: str, key: str) -> None:
        super().__init__(message)
        self.key = key


def parse_policy(raw: Mapping[str, Any]) -> BookingPolicy:
    """The policy from the ``[booking]`` table; :class:`PolicyError` for a wrong key or value."""
    unknown = sorted(set(raw) - set(_LIMITS))
    if unknown:
        raise PolicyError(f"has unknown keys: {', '.join(unknown)}", unknown[0])
    values = {}
    for key, (low, high) in _LIMITS.items():
        if key not in raw:
            continue
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise PolicyError(f"{key} must be a whole number from {low} to {high}", key)
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
