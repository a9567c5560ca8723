"""Free-slot calculation: unit tests, daylight-saving days, and properties for any input."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking.availability import SlotState, check_slot, find_free_slots
from bot.booking.booking_notices import reminder_times
from bot.booking.slots import Busy, BusyIndex, WeeklyHours, day_slots, free_slots, offered_slots
from bot.booking_policy import DEFAULT_POLICY
from tests.conftest import FakeClock
from tests.support.booking_support import add_hours, berlin
from tests.support.builders import add_caseworker

BERLIN = ZoneInfo("Europe/Berlin")


def hours(weekday: int = 0, start: time = time(9), end: time = time(12), slot: int = 30,
          caseworker: int = 1, valid_from: date = date(2026, 1, 1),
          valid_until: date | None = None, hours_id: int = 1) -> WeeklyHours:
    return WeeklyHours(hours_id, caseworker, 1, weekday, start, end, slot, valid_from,
                       valid_until)


def local_starts(slots: list) -> list[str]:  # type: ignore[type-arg]
    return [s.start.astimezone(BERLIN).strftime("%H:%M") for s in slots]


def test_monday_morning_gives_six_half_hour_slots() -> None:
    slots = day_slots(hours(), date(2026, 3, 2), BERLIN)
    assert local_starts(slots) == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert day_slots(hours(), date(2026, 3, 3), BERLIN) == []  # a Tuesday


def test_slots_that_would_run_past_the_end_are_not_offered() -> None:
    slots = day_slots(hours(slot=45), date(2026, 3, 2), BERLIN)
    assert local_starts(slots) == ["09:00", "09:45", "10:30", "11:15"]
    assert local_starts(day_slots(hours(slot=50), date(2026, 3, 2), BERLIN)) == [
        "09:00", "09:50", "10:40"]


def test_validity_period_is_respected() -> None:
    limited = hours(valid_from=date(2026, 3, 9), valid_until=date(2026, 3, 16))
    days = [date(2026, 3, 2), date(2026, 3, 9), date(2026, 3, 16), date(2026, 3, 23)]
    assert [bool(day_slots(limited, d, BERLIN)) for d in days] == [False, True, True, False]


def test_office_hours_keep_their_local_time_across_the_spring_change() -> None:
    before, after = date(2026, 3, 23), date(2026, 3, 30)
    assert day_slots(hours(), before, BERLIN)[0].start == datetime(2026, 3, 23, 8, tzinfo=UTC)
    assert day_slots(hours(), after, BERLIN)[0].start == datetime(2026, 3, 30, 7, tzinfo=UTC)
    window = free_slots(hours=[hours(weekday=d) for d in range(7)], busy=[],
                        first_day=date(2026, 3, 22), last_day=date(2026, 4, 4),
                        not_before=datetime(2026, 3, 1, tzinfo=UTC), tz=BERLIN)
    assert len(window) == 14 * 6
    assert set(local_starts(window)) == {"09:00", "09:30", "10:00", "10:30", "11:00", "11:30"}


def test_29_march_2026_skips_the_hour_that_does_not_exist() -> None:
    night = hours(weekday=6, start=time(1), end=time(4))  # Sunday 01:00-04:00
    slots = day_slots(night, date(2026, 3, 29), BERLIN)
    assert local_starts(slots) == ["01:00", "01:30", "03:00", "03:30"]
    assert [s.start.strftime("%H:%M") for s in slots] == ["00:00", "00:30", "01:00", "01:30"]
    assert all(a.end <= b.start for a, b in pairwise(slots))


def test_25_october_2026_offers_the_repeated_hour_once() -> None:
    night = hours(weekday=6, start=time(1), end=time(4))
    slots = day_slots(night, date(2026, 10, 25), BERLIN)
    assert local_starts(slots) == ["01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]
    assert len({s.start for s in slots}) == 6
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    assert all(a.end <= b.start for a, b in pairwise(slots))
    # Daytime hours on the same Sunday are simply one hour later in UTC than the day before.
    day = hours(weekday=6)
    assert day_slots(day, date(2026, 10, 25), BERLIN)[0].start == datetime(
        2026, 10, 25, 8, tzinfo=UTC)
    assert day_slots(day, date(2026, 10, 18), BERLIN)[0].start == datetime(
        2026, 10, 18, 7, tzinfo=UTC)


def test_bookings_blocks_and_the_clock_remove_slots(clock: FakeClock) -> None:
    clock.now = berlin(2026, 3, 2, 9, 10).astimezone(UTC)
    busy = [
        Busy(1, berlin(2026, 3, 2, 10), berlin(2026, 3, 2, 10, 30)),  # a booking
        Busy(1, berlin(2026, 3, 2, 11, 15), berlin(2026, 3, 2, 11, 20)),  # a short block
        Busy(2, berlin(2026, 3, 2, 9, 30), berlin(2026, 3, 2, 12)),  # someone else
    ]
    slots = free_slots(hours=[hours()], busy=busy, first_day=date(2026, 3, 2),
                       last_day=date(2026, 3, 2), not_before=clock(), tz=BERLIN)
    assert local_starts(slots) == ["09:30", "10:30", "11:30"]


async def test_database_slots_and_slot_states(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    caseworker = await add_caseworker(sessions, telegram_id=801)
    await add_hours(sessions, caseworker_id=caseworker, weekday=2)
    async with sessions() as session:
        free = await find_free_slots(session, now=clock(), policy=DEFAULT_POLICY, tz=BERLIN,
                                     caseworker_id=caseworker)
        assert len(free) == 12  # Wednesdays 4 and 11 March
        state, slot = await check_slot(session, municipality_id=2, caseworker_id=caseworker,
                                       start=free[0].start, now=clock(),
                                       policy=DEFAULT_POLICY, tz=BERLIN)
        assert state is SlotState.FREE and slot == free[0]
        state, _ = await check_slot(session, municipality_id=2, caseworker_id=caseworker,
                                    start=free[0].start + timedelta(minutes=5), now=clock(),
                                    policy=DEFAULT_POLICY, tz=BERLIN)
        assert state is SlotState.GONE
        state, _ = await check_slot(session, municipality_id=2, caseworker_id=caseworker,
                                    start=free[0].start, now=free[0].start,
                                    policy=DEFAULT_POLICY, tz=BERLIN)
        assert state is SlotState.PAST


# -- properties ---------------------------------------------------------------------------

days = st.dates(min_value=date(2026, 1, 1), max_value=date(2027, 12, 31))
hours_strategy = st.builds(
    lambda weekday, start, length, slot, cw, valid_from: WeeklyHours(
        0, cw, 1, weekday, time(start // 60, start % 60),
        time(min(start + length, 23 * 60 + 59) // 60, min(start + length, 23 * 60 + 59) % 60),
        slot, valid_from, None),
    st.integers(0, 6), st.integers(0, 22 * 60), st.integers(15, 8 * 60),
    st.sampled_from([10, 15, 20, 30, 45, 60]), st.integers(1, 3),
    st.dates(min_value=date(2025, 12, 1), max_value=date(2026, 12, 1)),
)
# Each entry its own id, as in the database.
hours_lists = st.lists(hours_strategy, max_size=4).map(
    lambda entries: [dataclasses.replace(h, id=i + 1) for i, h in enumerate(entries)])
moments = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2028, 1, 1),
                       timezones=st.just(UTC))
busy_strategy = st.builds(lambda cw, start, minutes: Busy(cw, start,
                                                          start + timedelta(minutes=minutes)),
                          st.integers(1, 3), moments, st.integers(1, 600))


@settings(max_examples=80, deadline=None)
@given(hours_lists, st.lists(busy_strategy, max_size=30), days, st.integers(0, 15), moments)
def test_free_slots_never_overlap_busy_time_and_miss_nothing(
    weekly: list[WeeklyHours], busy: list[Busy], first: date, length: int,
    not_before: datetime,
) -> None:
    last = first + timedelta(days=length)
    slots = free_slots(hours=weekly, busy=busy, first_day=first, last_day=last,
                       not_before=not_before, tz=BERLIN)
    by_id = {h.id: h for h in weekly}
    for slot in slots:
        entry = by_id[slot.hours_id]
        local = slot.start.astimezone(BERLIN)
        assert slot.start >= not_before
        assert slot.end - slot.start == timedelta(minutes=entry.slot_minutes)
        assert entry.applies_on(local.date()) and first <= local.date() <= last
        assert entry.start <= local.time().replace(tzinfo=None) < entry.end
        assert not any(b.caseworker_id == slot.caseworker_id and b.start < slot.end
                       and slot.start < b.end for b in busy)
    keys = [(s.caseworker_id, s.start) for s in slots]
    assert len(keys) == len(set(keys)) and slots == sorted(slots, key=lambda s: (
        s.start, s.caseworker_id))
    # Complete: every offered slot that is neither busy nor too early is free.
    expected = [s for s in offered_slots(weekly, first, last, BERLIN) if s.start >= not_before
                and not any(b.caseworker_id == s.caseworker_id and b.start < s.end
                            and s.start < b.end for b in busy)]
    assert slots == expected


@settings(max_examples=100, deadline=None)
@given(st.lists(busy_strategy, max_size=40), busy_strategy)
def test_busy_index_agrees_with_checking_every_interval(busy: list[Busy], probe: Busy) -> None:
    brute = any(b.caseworker_id == probe.caseworker_id and b.start < probe.end
                and probe.start < b.end for b in busy)
    assert BusyIndex(busy).overlaps(probe.caseworker_id, probe.start, probe.end) == brute


@settings(max_examples=50, deadline=None)
@given(hours_strategy, st.integers(2026, 2030))
def test_dst_days_neither_shift_nor_duplicate_slots(entry: WeeklyHours, year: int) -> None:
    last_sunday = {month: max(date(year, month, d) for d in range(25, 32)
                              if date(year, month, d).weekday() == 6) for month in (3, 10)}
    for day in last_sunday.values():
        sunday = WeeklyHours(entry.id, 1, 1, 6, entry.start, entry.end, entry.slot_minutes,
                             date(2025, 1, 1))
        slots = day_slots(sunday, day, BERLIN)
        starts = [s.start for s in slots]
        assert len(starts) == len(set(starts)) and starts == sorted(starts)
        assert all(a.end <= b.start for a, b in pairwise(slots))
        for slot in slots:  # each starts at its own wall-clock time, on that day
            local = slot.start.astimezone(BERLIN)
            assert local.date() == day
            assert entry.start <= local.time().replace(tzinfo=None) < entry.end


def test_a_slot_spanning_the_skipped_hour_is_dropped_not_overlapped() -> None:
    # Found by the property test above: 01:30 + 45 minutes would end at 03:15 summer time.
    night = hours(weekday=6, start=time(0), end=time(3, 45), slot=45)
    slots = day_slots(night, date(2026, 3, 29), BERLIN)
    assert local_starts(slots) == ["00:00", "00:45", "03:00"]
    assert all(a.end <= b.start for a, b in pairwise(slots))


def test_reminders_come_at_18_00_the_evening_before_and_not_before_07_00() -> None:
    eve, soon = reminder_times(berlin(2026, 3, 30, 9), BERLIN)  # the Monday after the change
    assert eve == berlin(2026, 3, 29, 18) and soon == berlin(2026, 3, 30, 7)
    assert reminder_times(berlin(2026, 3, 30, 8), BERLIN)[1] == berlin(2026, 3, 30, 7)
    assert reminder_times(berlin(2026, 3, 30, 7, 15), BERLIN)[1] is None
    assert reminder_times(berlin(2026, 10, 26, 14), BERLIN) == (berlin(2026, 10, 25, 18),
                                                                berlin(2026, 10, 26, 12))
