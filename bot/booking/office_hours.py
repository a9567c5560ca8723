"""Define, list and remove office hours; every refusal is a value naming the problem.

A caseworker defines their own hours; an admin may define them for anyone. Hours of one
person may not overlap (nobody can be in two places), whatever the location.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.roles import Actor, Role
from models import Booking, BookingStatus, Caseworker, Location, Municipality, OfficeHours

MAX_SLOT_MINUTES = 240


class HoursProblem(enum.StrEnum):
    UNKNOWN_MUNICIPALITY = "unknown_municipality"
    NOT_ALLOWED = "not_allowed"  # not one of the actor's municipalities / someone else's
    UNKNOWN_LOCATION = "unknown_location"
    UNKNOWN_CASEWORKER = "unknown_caseworker"
    CASEWORKER_ELSEWHERE = "caseworker_elsewhere"  # does not work for that municipality
    ORDER = "order"  # ends before it starts
    SLOT_ZERO = "slot_zero"
    SLOT_TOO_LONG = "slot_too_long"  # longer than the hours (or than 4 hours)
    PAST = "past"  # valid from a day in the past
    UNTIL_BEFORE_FROM = "until_before_from"
    OVERLAP = "overlap"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class HoursResult:
    problem: HoursProblem | None
    hours: OfficeHours | None = None
    clash: OfficeHours | None = None
    future_bookings: int = 0  # still booked in hours that were removed


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


async def add_office_hours(
    session: AsyncSession, *, actor: Actor, caseworker_id: int, municipality_key: str,
    location_key: str, weekday: int, start: time, end: time, slot_minutes: int,
    valid_from: date, valid_until: date | None, now: datetime, tz: ZoneInfo,
) -> HoursResult:
    """Store weekly office hours after checking every rule; nothing is stored on a problem."""
    municipality = await session.scalar(
        select(Municipality).where(Municipality.key == municipality_key.casefold()))
    if municipality is None:
        return HoursResult(HoursProblem.UNKNOWN_MUNICIPALITY)
    if not actor.may_touch(municipality.id):
        return HoursResult(HoursProblem.NOT_ALLOWED)
    location = await session.scalar(select(Location).where(
        Location.municipality_id == municipality.id, Location.key == location_key.casefold()))
    if location is None:
        return HoursResult(HoursProblem.UNKNOWN_LOCATION)
    caseworker = await session.scalar(
        select(Caseworker).where(Caseworker.id == caseworker_id, Caseworker.active.is_(True))
        .options(selectinload(Caseworker.municipalities)))
    if caseworker is None:
        return HoursResult(HoursProblem.UNKNOWN_CASEWORKER)
    if caseworker.id != actor.caseworker_id and actor.role is not Role.ADMIN:
        return HoursResult(HoursProblem.NOT_ALLOWED)
    if not caseworker.is_admin and municipality.id not in {m.id for m in
                                                           caseworker.municipalities}:
        return HoursResult(HoursProblem.CASEWORKER_ELSEWHERE)
    if end <= start:
        return HoursResult(HoursProblem.ORDER)
    if slot_minutes <= 0:
        return HoursResult(HoursProblem.SLOT_ZERO)
    if slot_minutes > min(MAX_SLOT_MINUTES, _minutes(end) - _minutes(start)):
        return HoursResult(HoursProblem.SLOT_TOO_LONG)
    if valid_from < now.astimezone(tz).date():
        return HoursResult(HoursProblem.PAST)
    if valid_until is not None and valid_until < valid_from:
        return HoursResult(HoursProblem.UNTIL_BEFORE_FROM)
    clash = await session.scalar(
        select(OfficeHours).where(
            OfficeHours.caseworker_id == caseworker.id, OfficeHours.removed_at.is_(None),
            OfficeHours.weekday == weekday, OfficeHours.start_time < end,
            OfficeHours.end_time > start,
            or_(OfficeHours.valid_until.is_(None), OfficeHours.valid_until >= valid_from),
            *([OfficeHours.valid_from <= valid_until] if valid_until else []),
        ).options(selectinload(OfficeHours.location)).limit(1))
    if clash is not None:
        return HoursResult(HoursProblem.OVERLAP, clash=clash)
    hours = OfficeHours(
        caseworker_id=caseworker.id, municipality_id=municipality.id, location_id=location.id,
        weekday=weekday, start_time=start, end_time=end, slot_minutes=slot_minutes,
        valid_from=valid_from, valid_until=valid_until, created_at=now,
    )
    session.add(hours)
    await session.flush()
    await session.refresh(hours, ["location", "municipality", "caseworker"])
    return HoursResult(None, hours)


async def list_office_hours(session: AsyncSession, *, actor: Actor, now: datetime,
                            tz: ZoneInfo) -> list[OfficeHours]:
    """Current and planned hours: a caseworker's own, an admin's of everyone."""
    query = (
        select(OfficeHours)
        .where(OfficeHours.removed_at.is_(None),
               or_(OfficeHours.valid_until.is_(None),
                   OfficeHours.valid_until >= now.astimezone(tz).date()))
        .options(selectinload(OfficeHours.location), selectinload(OfficeHours.municipality),
                 selectinload(OfficeHours.caseworker))
        .order_by(OfficeHours.caseworker_id, OfficeHours.weekday, OfficeHours.start_time)
    )
    if actor.role is not Role.ADMIN:
        query = query.where(OfficeHours.caseworker_id == actor.caseworker_id)
    return list(await session.scalars(query))


async def remove_office_hours(session: AsyncSession, *, actor: Actor, hours_id: int,
                              now: datetime) -> HoursResult:
    """Stop offering these hours; appointments already booked in them stay booked."""
    hours = await session.get(OfficeHours, hours_id,
                              options=[selectinload(OfficeHours.location)])
    if hours is None or hours.removed_at is not None or not (
        hours.caseworker_id == actor.caseworker_id
        or (actor.role is Role.ADMIN and actor.may_touch(hours.municipality_id))
    ):
        return HoursResult(HoursProblem.NOT_FOUND)
    hours.removed_at = now
    remaining = await session.scalar(
        select(func.count()).select_from(Booking).where(
            Booking.office_hours_id == hours.id, Booking.status == BookingStatus.BOOKED,
            Booking.start_at > now))
    return HoursResult(None, hours, future_bookings=int(remaining or 0))
