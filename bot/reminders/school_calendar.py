"""The Baden-Württemberg school calendar: school days, holidays, the start of the school year.

School holidays come from ``bot/reminders/data/bw-school-holidays-2024-2027.json`` (ODbL-1.0, see
``bot/reminders/data/README.md``), public holidays from the ``holidays`` package (subdivision BW).
A holiday period is widened by the weekends and public holidays around it, so that the
last school day before and the first school day after it are real school days.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources

import holidays

DATA_FILE = "bw-school-holidays-2024-2027.json"
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Period:
    name_de: str
    start: date
    end: date  # inclusive


@dataclass(frozen=True)
class Holidays:
    """School holidays with the school days around them."""

    name_de: str  # of the longest official period in them, e.g. "Herbstferien"
    first: date  # first and last official day off (not counting weekends around them)
    last: date
    last_school_day: date
    first_school_day: date

    @property
    def summer(self) -> bool:
        """After the summer holidays the new school year begins."""
        return self.name_de == "Sommerferien"


@functools.cache
def periods() -> tuple[Period, ...]:
    text = resources.files("bot.reminders").joinpath("data", DATA_FILE).read_text(encoding="utf-8")
    data = json.loads(text)
    return tuple(sorted(
        (Period(p["name_de"], date.fromisoformat(p["start"]), date.fromisoformat(p["end"]))
         for year in data["school_years"].values() for p in year),
        key=lambda p: p.start,
    ))


@functools.cache
def _public_holidays() -> holidays.HolidayBase:
    return holidays.country_holidays("DE", subdiv="BW")


def is_public_holiday(day: date) -> bool:
    return day in _public_holidays()


def is_workday(day: date) -> bool:
    """Monday to Friday and no public holiday in BW (Kitas are open)."""
    return day.weekday() < 5 and not is_public_holiday(day)


def in_school_holidays(day: date) -> bool:
    return any(p.start <= day <= p.end for p in periods())


def is_school_day(day: date) -> bool:
    return is_workday(day) and not in_school_holidays(day)


def next_school_day(day: date, *, kita: bool = False) -> date:
    """``day`` itself if it is a school (or Kita) day, else the next one."""
    test = is_workday if kita else is_school_day
    while not test(day):
        day += _DAY
    return day


def add_school_days(day: date, count: int, *, kita: bool = False) -> date:
    """The ``count``-th school day counting ``day`` (a school day) as the first."""
    for _ in range(count - 1):
        day = next_school_day(day + _DAY, kita=kita)
    return day


@functools.cache
def all_holidays() -> tuple[Holidays, ...]:
    """Every holiday run in the data, periods that touch (Herbstferien + Reformationsfest)
    merged through the weekends and public holidays between them."""
    runs: list[list[Period]] = []
    bounds: list[tuple[date, date]] = []
    for period in periods():
        start, end = period.start, period.end
        while not is_workday(start - _DAY):
            start -= _DAY
        while not is_school_day(end + _DAY):
            end += _DAY
        if bounds and start <= bounds[-1][1] + _DAY:
            runs[-1].append(period)
            bounds[-1] = (bounds[-1][0], max(end, bounds[-1][1]))
        else:
            runs.append([period])
            bounds.append((start, end))
    result = []
    for run, (start, end) in zip(runs, bounds, strict=True):
        main = max(run, key=lambda p: (p.end - p.start, p.start))
        result.append(Holidays(
            name_de=main.name_de, first=min(p.start for p in run), last=max(p.end for p in run),
            last_school_day=start - _DAY, first_school_day=end + _DAY,
        ))
    return tuple(result)


def holidays_between(start: date, end: date) -> list[Holidays]:
    """Holidays whose last school day before or first school day after lies in [start, end]."""
    return [h for h in all_holidays()
            if start <= h.last_school_day <= end or start <= h.first_school_day <= end]


def next_holidays(today: date) -> Holidays | None:
    return next((h for h in all_holidays() if h.last >= today), None)


def next_school_year_start(today: date) -> date | None:
    return next((h.first_school_day for h in all_holidays()
                 if h.summer and h.first_school_day >= today), None)


def covered_until() -> date:
    """The last day the holiday data knows about."""
    return periods()[-1].end
