"""Load office hours and busy time from the database: which slots are free, and if a slot
is not, why (taken by someone, no longer offered, or already past)."""

from __future__ import annotations

import enum
from collections.abc import Collection
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.slots import Busy, Slot, WeeklyHours, free_slots, local_day_bounds, offered_slots
from bot.booking_policy import BookingPolicy
from models import Absence, Booking, BookingStatus, Caseworker, OfficeHours, TimeBlock

# Longer than any booking can be (a slot lies within one day's office hours, DST included).
LONGEST_BOOKING = timedelta(days=2)


class SlotState(enum.StrEnum):
    FREE = "free"
    TAKEN = "taken"  # someone booked it
    GONE = "gone"  # office hours removed or changed, time blocked, caseworker away
    PAST = "past"  # too late to book it


def booking_window(now: datetime, policy: BookingPolicy, tz: ZoneInfo) -> tuple[date, date]:
    """The local days clients may book: today and the following ``days_ahead - 1`` days."""
    today = now.astimezone(tz).date()
    return today, today + timedelta(days=policy.days_ahead - 1)


async def load_hours(
    session: AsyncSession, *, first_day: date, last_day: date,
    municipality_id: int | None = None, caseworker_id: int | None = None,
) -> list[WeeklyHours]:
    """Office hours of active caseworkers that apply somewhere between the two days."""
    query = (
        select(OfficeHours)
        .join(Caseworker, Caseworker.id == OfficeHours.caseworker_id)
        .where(
            Caseworker.active.is_(True),
            OfficeHours.removed_at.is_(None),
            OfficeHours.valid_from <= last_day,
            or_(OfficeHours.valid_until.is_(None), OfficeHours.valid_until >= first_day),
        )
    )
    if municipality_id is not None:
        query = query.where(OfficeHours.municipality_id == municipality_id)
    if caseworker_id is not None:
        query = query.where(OfficeHours.caseworker_id == caseworker_id)
    return [
        WeeklyHours(
            id=row.id, caseworker_id=row.caseworker_id, location_id=row.location_id,
            weekday=row.weekday, start=row.start_time, end=row.end_time,
            slot_minutes=row.slot_minutes, valid_from=row.valid_from,
            valid_until=row.valid_until,
        )
        for row in await session.scalars(query)
    ]


def _overlapping(model: type[Booking] | type[TimeBlock] | type[Absence],
                 caseworker_ids: Collection[int], start: datetime, end: datetime
                 ) -> list[ColumnElement[bool]]:
    return [model.caseworker_id.in_(caseworker_ids), model.start_at < end, model.end_at > start]


async def _busy(session: AsyncSession, model: type[Booking] | type[TimeBlock] | type[Absence],
                where: list[ColumnElement[bool]]) -> list[Busy]:
    rows = await session.execute(select(model.caseworker_id, model.start_at, model.end_at)
                                 .where(*where))
    return [Busy(caseworker_id, start, end) for caseworker_id, start, end in rows.all()]


async def booked_time(session: AsyncSession, caseworker_ids: Collection[int],
                      start: datetime, end: datetime) -> list[Busy]:
    # A booking is one slot of one day's office hours, so it starts less than a day before
    # it ends: this lower bound lets the index skip a caseworker's years of past bookings.
    return await _busy(session, Booking, [*_overlapping(Booking, caseworker_ids, start, end),
                                          Booking.start_at > start - LONGEST_BOOKING,
                                          Booking.status != BookingStatus.CANCELLED])


async def blocked_time(session: AsyncSession, caseworker_ids: Collection[int],
                       start: datetime, end: datetime) -> list[Busy]:
    """One-off blocks and absences."""
    return [
        *await _busy(session, TimeBlock, _overlapping(TimeBlock, caseworker_ids, start, end)),
        *await _busy(session, Absence, _overlapping(Absence, caseworker_ids, start, end)),
    ]


async def find_free_slots(
    session: AsyncSession, *, now: datetime, policy: BookingPolicy, tz: ZoneInfo,
    municipality_id: int | None = None, caseworker_id: int | None = None,
    day: date | None = None,
) -> list[Slot]:
    """Free slots in the booking window (or on one day of it), ordered by start."""
    first_day, last_day = booking_window(now, policy, tz)
    if day is not None:
        if not first_day <= day <= last_day:
            return []
        first_day = last_day = day
    hours = await load_hours(session, first_day=first_day, last_day=last_day,
                             municipality_id=municipality_id, caseworker_id=caseworker_id)
    if not hours:
        return []
    ids = {h.caseworker_id for h in hours}
    start, _ = local_day_bounds(first_day, tz)
    _, end = local_day_bounds(last_day, tz)
    busy = [*await booked_time(session, ids, start, end),
            *await blocked_time(session, ids, start, end)]
    return free_slots(hours=hours, busy=busy, first_day=first_day, last_day=last_day,
                      not_before=now + policy.min_notice, tz=tz)


async def check_slot(
    session: AsyncSession, *, municipality_id: int, caseworker_id: int, start: datetime,
    now: datetime, policy: BookingPolicy, tz: ZoneInfo,
) -> tuple[SlotState, Slot | None]:
    """Whether one slot (from a button, maybe an old one) can be booked right now."""
    if start < now + policy.min_notice:
        return SlotState.PAST, None
    day = start.astimezone(tz).date()
    first_day, last_day = booking_window(now, policy, tz)
    if not first_day <= day <= last_day:
        return SlotState.GONE, None
    hours = await load_hours(session, first_day=day, last_day=day,
                             municipality_id=municipality_id, caseworker_id=caseworker_id)
    slot = next((s for s in offered_slots(hours, day, day, tz) if s.start == start), None)
    if slot is None:
        return SlotState.GONE, None
    booked = await session.scalar(
        select(Booking.id).where(*_overlapping(Booking, [caseworker_id], slot.start, slot.end),
                                 Booking.status != BookingStatus.CANCELLED).limit(1))
    if booked is not None:
        return SlotState.TAKEN, None
    if await blocked_time(session, [caseworker_id], slot.start, slot.end):
        return SlotState.GONE, None
    return SlotState.FREE, slot
