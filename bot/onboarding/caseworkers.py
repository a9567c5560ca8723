"""Admins manage caseworkers: who works where with how many clients; a leaving caseworker is
deactivated and their clients, future appointments and open conversations go to a colleague
in one step. Everything is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.audit import audit
from bot.i18n import N_
from bot.refusal import Refused
from bot.roles import Actor, Role
from models import (
    Booking,
    BookingStatus,
    Caseworker,
    Client,
    ClientStatus,
    Municipality,
    OfficeHours,
)

NOT_POSSIBLE = N_("This hand-over is not possible. Please start again with /caseworker.")
LAST_TOWN = N_("Every caseworker keeps at least one town.")


@dataclass(frozen=True)
class StaffRow:
    id: int
    name: str
    active: bool
    towns: tuple[str, ...]
    clients: int


@dataclass(frozen=True)
class HandOver:
    leaving: str
    successor: str
    clients: int
    bookings: int
    leaving_chat: int | None  # their staff command menu is taken away


@dataclass(frozen=True)
class Towns:
    name: str
    towns: tuple[tuple[int, str, bool], ...]  # (municipality id, name, works there)


async def towns_of(session: AsyncSession, caseworker_id: int) -> Towns | None:
    """The towns a caseworker may work in, marked where they do."""
    worker = await session.get(Caseworker, caseworker_id)
    if worker is None or not worker.active:
        return None
    await session.refresh(worker, ["municipalities"])
    mine = {m.id for m in worker.municipalities}
    towns = await session.scalars(select(Municipality).order_by(Municipality.name))
    return Towns(worker.name, tuple((m.id, m.name, m.id in mine) for m in towns))


async def toggle_town(session: AsyncSession, *, actor: Actor, caseworker_id: int,
                      municipality_id: int) -> None:
    """Add the town to an active caseworker's towns, or take it away (never the last)."""
    worker = await session.get(Caseworker, caseworker_id)
    town = await session.get(Municipality, municipality_id)
    target = f"caseworker:{caseworker_id}"
    if actor.role is not Role.ADMIN or worker is None or town is None or not worker.active:
        raise Refused(NOT_POSSIBLE).audited("caseworker:towns", target)
    await session.refresh(worker, ["municipalities"])
    if town in worker.municipalities:
        if len(worker.municipalities) == 1:
            raise Refused(LAST_TOWN).audited("caseworker:towns", target)
        worker.municipalities.remove(town)
        change = f"removed {town.key}"
    else:
        worker.municipalities.append(town)
        change = f"added {town.key}"
    audit(session, actor=actor, action="caseworker:towns", target=target, detail=change)


async def staff_rows(session: AsyncSession) -> list[StaffRow]:
    result = await session.execute(
        select(Client.caseworker_id, func.count()).where(Client.status != ClientStatus.CLOSED)
        .group_by(Client.caseworker_id))
    counts: dict[int | None, int] = {row[0]: int(row[1]) for row in result}
    rows = []
    for worker in await session.scalars(
            select(Caseworker).options(selectinload(Caseworker.municipalities))
            .order_by(Caseworker.active.desc(), Caseworker.name, Caseworker.id)):
        rows.append(StaffRow(worker.id, worker.name, worker.active,
                             tuple(m.name for m in worker.municipalities),
                             int(counts.get(worker.id, 0))))
    return rows


async def hand_over(session: AsyncSession, *, actor: Actor, leaving_id: int,
                    successor_id: int, now: datetime, today: date) -> HandOver:
    """Deactivate ``leaving_id``; clients, future bookings (and with the clients their open
    conversations) go to ``successor_id``; the leaving one's office hours end today."""
    leaving = await session.get(Caseworker, leaving_id)
    successor = await session.get(Caseworker, successor_id)
    if (actor.role is not Role.ADMIN or leaving is None or successor is None
            or leaving.id == successor.id or not successor.active or not leaving.active
            or leaving.id == actor.caseworker_id):
        raise Refused(NOT_POSSIBLE).audited("caseworker:handover", f"caseworker:{leaving_id}")
    clients = await session.execute(update(Client).where(Client.caseworker_id == leaving.id)
                                    .values(caseworker_id=successor.id))
    bookings = await session.execute(update(Booking).where(
        Booking.caseworker_id == leaving.id, Booking.status == BookingStatus.BOOKED,
        Booking.start_at > now).values(caseworker_id=successor.id))
    await session.execute(update(OfficeHours).where(
        OfficeHours.caseworker_id == leaving.id, OfficeHours.removed_at.is_(None),
        (OfficeHours.valid_until.is_(None)) | (OfficeHours.valid_until > today))
        .values(valid_until=today))
    leaving.active = False
    moved_clients = int(getattr(clients, "rowcount", 0) or 0)
    moved_bookings = int(getattr(bookings, "rowcount", 0) or 0)
    audit(session, actor=actor, action="caseworker:handover", target=f"caseworker:{leaving.id}",
          detail=f"to caseworker:{successor.id}; clients {moved_clients}; "
                 f"bookings {moved_bookings}; deactivated")
    return HandOver(leaving.name, successor.name, moved_clients, moved_bookings,
                    leaving.telegram_user_id)
