"""Calendar quarters and local dates for billing, taken in the deployment's time zone.

An entry logged at 23:30 local time on 31 March belongs to Q1, whatever UTC says.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

_QUARTER = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
CENT = Decimal("0.01")


def round_half_up(value: Decimal, step: Decimal = CENT) -> Decimal:
    """Commercial rounding (0.005 → 0.01), as on every German invoice."""
    return value.quantize(step, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def parse(cls, text: str) -> Quarter | None:
        """'2025Q1', '2025-q1' → Quarter; anything else → None."""
        match = _QUARTER.match(text.strip())
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            return None
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def first_day(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def last_day(self) -> date:
        month = 3 * self.number
        return date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def next(self) -> Quarter:
        if self.number == 4:
            return Quarter(self.year + 1, 1)
        return Quarter(self.year, self.number + 1)

    def contains(self, day: date) -> bool:
        return self.first_day <= day <= self.last_day

    def bounds(self, timezone: ZoneInfo) -> tuple[datetime, datetime]:
        """The quarter as [start, end) in UTC: local midnights, DST included."""
        return (local_midnight(self.first_day, timezone).astimezone(UTC),
                local_midnight(self.last_day + timedelta(days=1), timezone).astimezone(UTC))

    def __str__(self) -> str:
        return self.key


def local_midnight(day: date, timezone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone)


def local_date(moment: datetime, timezone: ZoneInfo) -> date:
    """The calendar date of an aware moment where the municipality is."""
    return moment.astimezone(timezone).date()


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (earlier if negative), clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the week containing ``day``."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    return first, day.replace(day=calendar.monthrange(day.year, day.month)[1])


def service_days(first: date, last: date, service_start: date | None) -> int:
    """Days from ``first`` to ``last`` (inclusive) on which the service was running."""
    start = max(first, service_start) if service_start else first
    return max(0, (last - start).days + 1)


def committed_hours(weekly: Decimal, days: int) -> Decimal:
    """Weekly hours × service weeks (days / 7), to the hundredth of an hour."""
    return round_half_up(weekly * Decimal(days) / Decimal(7))
