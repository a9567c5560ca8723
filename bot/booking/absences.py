"""Absences: who stands in for a caseworker who is away, and what happens to their bookings.

While a caseworker is away their slots are not offered and their booking notifications go to
the substitute. Bookings inside the absence are cancelled and the clients asked to choose a new
time; because that cannot be undone, the caseworker confirms it first.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.booking.booking_info import BookingInfo, find_bookings
from bot.booking.booking_notices import cancel_reminders, tell_client, tell_substitute
from bot.booking.slots import local_day_bounds
from models import Absence, Booking, BookingStatus, CancelReason, Caseworker, CaseworkerRole

MAX_ABSENCE_DAYS = 366


class AbsenceProblem(enum.StrEnum):
    PAST = "past"  # starts before today
    ORDER = "order"  # ends before it starts
    TOO_LONG = "too_long"
    SELF = "self"  # named themselves as substitute
    SUBSTITUTE_UNKNOWN = "substitute_unknown"  # not an active colleague
    SUBSTITUTE_AWAY = "substitute_away"  # the substitute is away then, too
    OVERLAP = "overlap"  # another absence covers part of that time
    CONFIRM = "confirm"  # bookings would be cancelled: ask first


@dataclass(frozen=True)
class AbsenceResult:
    problem: AbsenceProblem | None
    first_day: date
    last_day: date
    absence_id: int | None = None
    substitute_name: str = ""
    affected: list[BookingInfo] = field(default_factory=list)
    clash: tuple[datetime, datetime] | None = None


async def on_duty(session: AsyncSession, caseworker_id: int, now: datetime) -> Caseworker:
    """Who handles this caseworker's bookings now: a substitute while they are away."""
    caseworker = await session.get(Caseworker, caseworker_id)
    assert caseworker is not None
    seen = {caseworker.id}
    for _ in range(3):  # a substitute who is away too hands on to their own substitute
        absence = await session.scalar(
            select(Absence).where(Absence.caseworker_id == caseworker.id,
                                  Absence.start_at <= now, Absence.end_at > now)
        )
        if absence is None or absence.substitute_id in seen:
            break
        substitute = await session.get(Caseworker, absence.substitute_id)
        if substitute is None or not substitute.active:
            break
        caseworker = substitute
        seen.add(caseworker.id)
    return caseworker


async def colleagues(session: AsyncSession, caseworker_id: int) -> list[Caseworker]:
    """Active staff who share a municipality with this caseworker, and admins."""
    me = await session.scalar(select(Caseworker).where(Caseworker.id == caseworker_id)
                              .options(selectinload(Caseworker.municipalities)))
    assert me is not None
    towns = {m.id for m in me.municipalities}
    rows = await session.scalars(
        select(Caseworker).where(Caseworker.active.is_(True), Caseworker.id != caseworker_id)
        .options(selectinload(Caseworker.municipalities)).order_by(Caseworker.name)
    )
    return [c for c in rows if c.role is CaseworkerRole.ADMIN or me.is_admin
            or towns & {m.id for m in c.municipalities}]


def match_caseworkers(candidates: list[Caseworker], query: str) -> list[Caseworker]:
    """Staff whose name contains the query (any case), or the one with id ``#12``."""
    query = " ".join(query.split()).casefold()
    if query.startswith("#") and query[1:].isdigit():
        return [c for c in candidates if c.id == int(query[1:])]
    exact = [c for c in candidates if c.name.casefold() == query]
    return exact or [c for c in candidates if query and query in c.name.casefold()]


async def create_absence(
    session: AsyncSession, *, caseworker_id: int, substitute_id: int, first_day: date,
    last_day: date, now: datetime, tz: ZoneInfo, confirmed: bool = False,
) -> AbsenceResult:
    """Record an absence (whole local days, inclusive), cancel the bookings inside it and
    tell those clients and the substitute. Unconfirmed, it only reports what it would do."""
    if first_day < now.astimezone(tz).date():
        return AbsenceResult(AbsenceProblem.PAST, first_day, last_day)
    if last_day < first_day:
        return AbsenceResult(AbsenceProblem.ORDER, first_day, last_day)
    if (last_day - first_day).days >= MAX_ABSENCE_DAYS:
        return AbsenceResult(AbsenceProblem.TOO_LONG, first_day, last_day)
    if substitute_id == caseworker_id:
        return AbsenceResult(AbsenceProblem.SELF, first_day, last_day)
    substitute = next((c for c in await colleagues(session, caseworker_id)
                       if c.id == substitute_id), None)
    if substitute is None:
        return AbsenceResult(AbsenceProblem.SUBSTITUTE_UNKNOWN, first_day, last_day)
    start, _ = local_day_bounds(first_day, tz)
    _, end = local_day_bounds(last_day, tz)
    for who, problem in ((caseworker_id, AbsenceProblem.OVERLAP),
                         (substitute_id, AbsenceProblem.SUBSTITUTE_AWAY)):
        clash = await session.scalar(select(Absence).where(
            Absence.caseworker_id == who, Absence.start_at < end, Absence.end_at > start))
        if clash is not None:
            return AbsenceResult(problem, first_day, last_day, substitute_name=substitute.name,
                                 clash=(clash.start_at, clash.end_at))
    affected = await find_bookings(
        session, Booking.caseworker_id == caseworker_id,
        Booking.status == BookingStatus.BOOKED, Booking.start_at < end,
        Booking.start_at >= max(start, now),  # one already under way takes place
    )
    if affected and not confirmed:
        return AbsenceResult(AbsenceProblem.CONFIRM, first_day, last_day,
                             substitute_name=substitute.name, affected=affected)
    absence = Absence(caseworker_id=caseworker_id, substitute_id=substitute_id,
                      start_at=start, end_at=end, created_at=now)
    session.add(absence)
    await session.flush()
    cancelled = []
    for info in affected:
        changed = await session.execute(
            update(Booking).where(Booking.id == info.id, Booking.status == BookingStatus.BOOKED)
            .values(status=BookingStatus.CANCELLED, cancel_reason=CancelReason.ABSENCE,
                    cancelled_at=now)
        )
        if changed.rowcount:  # type: ignore[attr-defined]
            cancelled.append(info)
            await cancel_reminders(session, info.id)
            await tell_client(session, "booking.absence", info, now=now)
    absent = await session.get(Caseworker, caseworker_id)
    assert absent is not None
    await tell_substitute(session, absence_id=absence.id, absent=absent, substitute=substitute,
                          first_day=first_day, last_day=last_day, cancelled=cancelled, now=now)
    return AbsenceResult(None, first_day, last_day, absence_id=absence.id,
                         substitute_name=substitute.name, affected=cancelled)


async def current_absences(session: AsyncSession, caseworker_id: int, now: datetime
                           ) -> list[Absence]:
    """Absences that have not ended yet (running or planned), soonest first."""
    rows = await session.scalars(
        select(Absence).where(Absence.caseworker_id == caseworker_id, Absence.end_at > now)
        .options(selectinload(Absence.substitute)).order_by(Absence.start_at)
    )
    return list(rows)


async def end_absence(session: AsyncSession, *, caseworker_id: int, absence_id: int,
                      now: datetime) -> bool:
    """End a running absence now, or drop a planned one; False if there is none to end.
    Bookings cancelled for it stay cancelled: those clients have already been told."""
    absence = await session.get(Absence, absence_id)
    if absence is None or absence.caseworker_id != caseworker_id or absence.end_at <= now:
        return False
    if absence.start_at >= now:
        await session.execute(delete(Absence).where(Absence.id == absence_id))
    else:
        absence.end_at = now
    return True


def absence_days(absence: Absence, tz: ZoneInfo) -> tuple[date, date]:
    """First and last local day of an absence (its end is exclusive)."""
    last = (absence.end_at - timedelta(microseconds=1)).astimezone(tz).date()
    return absence.start_at.astimezone(tz).date(), last

