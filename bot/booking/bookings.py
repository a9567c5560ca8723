"""Book, move, cancel and close consultations; each slot is given at most once.

The database guarantees the last point: a unique index on (caseworker, start) of every booking
that is not cancelled. A booking that loses a race raises :class:`SlotTaken` when it is
flushed; the caller's unit of work rolls back and the client is offered the fresh list.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.absences import on_duty
from bot.booking.availability import SlotState, check_slot
from bot.booking.booking_info import BookingInfo, booking_info, find_bookings, no_show_counts
from bot.booking.booking_notices import (
    cancel_reminders,
    keep_missed_quiet,
    plan_reminders,
    tell_client,
    tell_missed,
    tell_staff,
)
from bot.booking_policy import BookingPolicy
from bot.roles import Actor
from models import Booking, BookingStatus, CancelReason, Client, ClientStatus, Topic


class Outcome(enum.StrEnum):
    OK = "ok"
    TAKEN = "taken"  # someone else has the slot
    GONE = "gone"  # the slot is no longer offered
    PAST = "past"  # too late to book, or the appointment is over
    LIMIT = "limit"  # the client holds the maximum of upcoming bookings
    CLASH = "clash"  # the client has another appointment at that time
    TOO_LATE = "too_late"  # closer than the cancel cutoff: call instead
    TOO_EARLY = "too_early"  # done / no-show before the appointment began
    NOT_FOUND = "not_found"  # no such booking for this person
    NOT_ACTIVE = "not_active"  # cancelled (or closed) already
    CLIENT_INACTIVE = "client_inactive"


STATE_OUTCOME = {SlotState.TAKEN: Outcome.TAKEN, SlotState.GONE: Outcome.GONE,
                  SlotState.PAST: Outcome.PAST}


@dataclass(frozen=True)
class BookingResult:
    outcome: Outcome
    booking: BookingInfo | None = None
    previous: BookingInfo | None = None  # the booking that was moved


class SlotTaken(Exception):
    """The database refused a second booking of the same slot: another client was faster."""


async def upcoming_bookings(session: AsyncSession, *, client_id: int, now: datetime
                            ) -> list[BookingInfo]:
    """The client's booked appointments that are not over yet, soonest first."""
    return await find_bookings(session, Booking.client_id == client_id,
                               Booking.status == BookingStatus.BOOKED, Booking.end_at > now)


async def no_show_count(session: AsyncSession, *, client_id: int) -> int:
    """How many appointments the client missed without cancelling (for the case card)."""
    return (await no_show_counts(session, [client_id])).get(client_id, 0)


async def future_count(session: AsyncSession, *, client_id: int, now: datetime,
                       excluding: int | None = None) -> int:
    query = select(func.count()).select_from(Booking).where(
        Booking.client_id == client_id, Booking.status == BookingStatus.BOOKED,
        Booking.start_at > now)
    if excluding is not None:
        query = query.where(Booking.id != excluding)
    return int(await session.scalar(query) or 0)


async def book(
    session: AsyncSession, *, client_id: int, caseworker_id: int, start: datetime,
    topic: Topic | None, now: datetime, policy: BookingPolicy, tz: ZoneInfo,
    replaces: int | None = None,
) -> BookingResult:
    """Book a free slot for the client, or move their booking ``replaces`` to it."""
    # Serialise one client's bookings before anything is counted: this no-op update takes
    # the client's row lock on PostgreSQL and the database write lock on SQLite.
    await session.execute(update(Client).where(Client.id == client_id)
                          .values(display_name=Client.display_name))
    client = await session.get(Client, client_id)
    if client is None or client.status is not ClientStatus.ACTIVE:
        return BookingResult(Outcome.CLIENT_INACTIVE)
    previous = await booking_info(session, replaces) if replaces is not None else None
    if replaces is not None and (previous is None or previous.client_id != client_id):
        return BookingResult(Outcome.NOT_FOUND)
    if previous is not None and (not previous.active or previous.start <= now):
        previous = None  # rebooking after a cancellation: a new booking, nothing to move
    if previous is not None and previous.start - now < policy.cancel_cutoff:
        return BookingResult(Outcome.TOO_LATE, previous=previous)
    moving = previous.id if previous else None
    if await future_count(session, client_id=client_id, now=now,
                          excluding=moving) >= policy.max_future_bookings:
        return BookingResult(Outcome.LIMIT, previous=previous)
    state, slot = await check_slot(session, municipality_id=client.municipality_id,
                                   caseworker_id=caseworker_id, start=start, now=now,
                                   policy=policy, tz=tz)
    if slot is None:
        return BookingResult(STATE_OUTCOME.get(state, Outcome.GONE), previous=previous)
    clash = await session.scalar(select(Booking.id).where(
        Booking.client_id == client_id, Booking.status == BookingStatus.BOOKED,
        Booking.start_at < slot.end, Booking.end_at > slot.start,
        Booking.id != (moving or 0)).limit(1))
    if clash is not None:
        return BookingResult(Outcome.CLASH, previous=previous)
    if previous is not None:
        if not await _close(session, previous.id, BookingStatus.CANCELLED,
                            reason=CancelReason.MOVED, now=now):
            return BookingResult(Outcome.NOT_ACTIVE)
        await cancel_reminders(session, previous.id)
    booking = Booking(
        client_id=client_id, caseworker_id=caseworker_id,
        municipality_id=client.municipality_id, location_id=slot.location_id,
        office_hours_id=slot.hours_id, start_at=slot.start, end_at=slot.end, topic=topic,
        status=BookingStatus.BOOKED, rescheduled_from_id=moving, created_at=now,
    )
    session.add(booking)
    try:
        await session.flush()
    except IntegrityError as exc:
        raise SlotTaken from exc
    info = await booking_info(session, booking.id)
    assert info is not None
    await plan_reminders(session, info, now=now, tz=tz)
    kind = "booking.staff_moved" if previous else "booking.staff_new"
    await tell_staff(session, kind, info, recipient=await on_duty(session, caseworker_id, now),
                     now=now, previous=previous)
    return BookingResult(Outcome.OK, info, previous)


async def _close(session: AsyncSession, booking_id: int, status: BookingStatus, *,
                 now: datetime, reason: CancelReason | None = None,
                 allowed: tuple[BookingStatus, ...] = (BookingStatus.BOOKED,)) -> bool:
    """Change the status only if nobody changed it meanwhile (two presses, two people)."""
    values: dict[str, object] = {"status": status}
    if status is BookingStatus.CANCELLED:
        values |= {"cancel_reason": reason, "cancelled_at": now}
    else:
        values["marked_at"] = now
    result = await session.execute(
        update(Booking).where(Booking.id == booking_id, Booking.status.in_(allowed))
        .values(**values).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def cancel_by_client(session: AsyncSession, *, client_id: int, booking_id: int,
                           now: datetime, policy: BookingPolicy,
                           check_only: bool = False) -> BookingResult:
    """Cancel the client's own booking, unless it is too close (then they should call)."""
    info = await booking_info(session, booking_id)
    if info is None or info.client_id != client_id:
        return BookingResult(Outcome.NOT_FOUND)
    if not info.active:
        return BookingResult(Outcome.NOT_ACTIVE, info)
    if info.start <= now:
        return BookingResult(Outcome.PAST, info)
    if info.start - now < policy.cancel_cutoff:
        return BookingResult(Outcome.TOO_LATE, info)
    if check_only:
        return BookingResult(Outcome.OK, info)
    if not await _close(session, booking_id, BookingStatus.CANCELLED,
                        reason=CancelReason.CLIENT, now=now):
        return BookingResult(Outcome.NOT_ACTIVE, info)
    await cancel_reminders(session, booking_id)
    await tell_staff(session, "booking.staff_cancelled", info,
                     recipient=await on_duty(session, info.caseworker_id, now), now=now)
    return BookingResult(Outcome.OK, info)


async def staff_booking(session: AsyncSession, *, actor: Actor, booking_id: int
                        ) -> BookingInfo | None:
    """The booking if this caseworker may touch its municipality."""
    info = await booking_info(session, booking_id)
    return info if info is not None and actor.may_touch(info.municipality_id) else None


async def cancel_by_staff(session: AsyncSession, *, actor: Actor, booking_id: int,
                          now: datetime) -> BookingResult:
    """Cancel a booking for the team; the client is told and asked to choose a new time."""
    info = await staff_booking(session, actor=actor, booking_id=booking_id)
    if info is None:
        return BookingResult(Outcome.NOT_FOUND)
    if not info.active:
        return BookingResult(Outcome.NOT_ACTIVE, info)
    if info.start <= now:
        return BookingResult(Outcome.PAST, info)
    if not await _close(session, booking_id, BookingStatus.CANCELLED,
                        reason=CancelReason.STAFF, now=now):
        return BookingResult(Outcome.NOT_ACTIVE, info)
    await cancel_reminders(session, booking_id)
    await tell_client(session, "booking.cancelled", info, now=now)
    return BookingResult(Outcome.OK, info)


async def mark_booking(session: AsyncSession, *, actor: Actor, booking_id: int,
                       status: BookingStatus, now: datetime) -> BookingResult:
    """Mark an appointment that has begun as done or missed (a mistap can be corrected)."""
    assert status in (BookingStatus.DONE, BookingStatus.NO_SHOW)
    info = await staff_booking(session, actor=actor, booking_id=booking_id)
    if info is None:
        return BookingResult(Outcome.NOT_FOUND)
    if info.status is BookingStatus.CANCELLED:
        return BookingResult(Outcome.NOT_ACTIVE, info)
    if now < info.start:
        return BookingResult(Outcome.TOO_EARLY, info)
    if not await _close(session, booking_id, status, now=now, allowed=(
            BookingStatus.BOOKED, BookingStatus.DONE, BookingStatus.NO_SHOW)):
        return BookingResult(Outcome.NOT_ACTIVE, info)
    if status is BookingStatus.NO_SHOW:
        await cancel_reminders(session, booking_id)
        await tell_missed(session, info, now=now)
    else:  # a mistap corrected: the client is not told of a missed appointment
        await keep_missed_quiet(session, booking_id)
    return BookingResult(Outcome.OK, await booking_info(session, booking_id))


async def untick_missed(session: AsyncSession, *, actor: Actor, booking_id: int) -> bool:
    """Do not tell the client of this missed appointment (e.g. they had phoned); False if
    it is no longer pending (sent already, or not the actor's booking)."""
    if await staff_booking(session, actor=actor, booking_id=booking_id) is None:
        return False
    return await keep_missed_quiet(session, booking_id)


async def staff_bookings(session: AsyncSession, *, caseworker_id: int, start: datetime,
                         end: datetime) -> list[BookingInfo]:
    """A caseworker's appointments in a time range (cancelled ones left out)."""
    return await find_bookings(session, Booking.caseworker_id == caseworker_id,
                               Booking.status != BookingStatus.CANCELLED,
                               Booking.start_at < end, Booking.end_at > start)
