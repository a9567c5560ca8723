"""Free consultation slots, computed purely from office hours, blocks, absences and bookings.

Office hours are local wall-clock times. Each day's slots are laid out in local time and then
converted to UTC, so a daylight-saving change neither shifts nor duplicates a slot: a local
start time that does not exist (spring forward) is skipped, one that exists twice (fall back)
is taken once, at its first occurrence, and every slot lasts exactly its length (a slot that
would span the skipped hour is dropped).
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class WeeklyHours:
    """One caseworker's weekly office hours at one location (times are local)."""

    id: int
    caseworker_id: int
    location_id: int
    weekday: int  # 0 = Monday
    start: time
    end: time
    slot_minutes: int
    valid_from: date
    valid_until: date | None = None  # inclusive

    def applies_on(self, day: date) -> bool:
        return (
            day.weekday() == self.weekday
            and self.valid_from <= day
            and (self.valid_until is None or day <= self.valid_until)
        )


@dataclass(frozen=True)
class Busy:
    """Time in which a caseworker has no free slot: a booking, a block or an absence."""

    caseworker_id: int
    start: datetime
    end: datetime


@dataclass(frozen=True, order=True)
class Slot:
    start: datetime  # UTC
    end: datetime
    caseworker_id: int
    location_id: int
    hours_id: int


def local_moment(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The UTC moment of a local wall-clock time, or None if the clock skips it that day."""
    local = datetime.combine(day, wall, tzinfo=tz)  # fold=0: the first of a repeated hour
    moment = local.astimezone(UTC)
    if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return moment


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """UTC start and end of a local calendar day (23 or 25 hours on DST days)."""
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
    return start, end


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


def day_slots(hours: WeeklyHours, day: date, tz: ZoneInfo) -> list[Slot]:
    """All slots these office hours offer on ``day`` (empty on other weekdays)."""
    if not hours.applies_on(day) or hours.slot_minutes <= 0:
        return []
    step = timedelta(minutes=hours.slot_minutes)
    wall = datetime.combine(day, hours.start)
    closing = datetime.combine(day, hours.end)
    candidates = []
    while wall + step <= closing:
        start = local_moment(day, wall.time(), tz)
        if start is not None:
            candidates.append(Slot(start, start + step, hours.caseworker_id,
                                   hours.location_id, hours.id))
        wall += step
    # A slot that spans the hour skipped in spring would run into the next one: drop it, so
    # that the slots after the change keep their wall-clock times.
    slots: list[Slot] = []
    for slot in reversed(candidates):
        if not slots or slot.end <= slots[-1].start:
            slots.append(slot)
    return slots[::-1]


def offered_slots(
    hours: Iterable[WeeklyHours], first_day: date, last_day: date, tz: ZoneInfo
) -> list[Slot]:
    """Every slot of the office hours between the two days, before anything is subtracted."""
    hours = list(hours)
    seen: set[tuple[int, datetime]] = set()
    slots = []
    for day in days_between(first_day, last_day):
        for entry in hours:
            for slot in day_slots(entry, day, tz):
                if (slot.caseworker_id, slot.start) not in seen:
                    seen.add((slot.caseworker_id, slot.start))
                    slots.append(slot)
    slots.sort(key=lambda s: (s.start, s.caseworker_id))
    return slots


class BusyIndex:
    """Per caseworker, busy time merged into sorted disjoint intervals for quick lookups."""

    def __init__(self, busy: Iterable[Busy]) -> None:
        raw: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for item in busy:
            if item.end > item.start:
                raw[item.caseworker_id].append((item.start, item.end))
        self._starts: dict[int, list[datetime]] = {}
        self._ends: dict[int, list[datetime]] = {}
        for caseworker_id, intervals in raw.items():
            intervals.sort()
            merged: list[list[datetime]] = []
            for start, end in intervals:
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
            self._starts[caseworker_id] = [m[0] for m in merged]
            self._ends[caseworker_id] = [m[1] for m in merged]

    def overlaps(self, caseworker_id: int, start: datetime, end: datetime) -> bool:
        starts = self._starts.get(caseworker_id)
        if not starts:
            return False
        # The intervals are disjoint: only the last one starting before ``end`` can overlap.
        index = bisect_left(starts, end) - 1
        return index >= 0 and self._ends[caseworker_id][index] > start


def free_slots(
    *,
    hours: Iterable[WeeklyHours],
    busy: Iterable[Busy],
    first_day: date,
    last_day: date,
    not_before: datetime,
    tz: ZoneInfo,
) -> list[Slot]:
    """Slots from the office hours that start at or after ``not_before`` and overlap nothing
    busy (bookings, blocks, absences), ordered by start time."""
    index = BusyIndex(busy)
    return [
        slot
        for slot in offered_slots(hours, first_day, last_day, tz)
        if slot.start >= not_before and not index.overlaps(slot.caseworker_id, slot.start,
                                                           slot.end)
    ]
