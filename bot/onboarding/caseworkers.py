"""Admins manage caseworkers: who works where with how many clients; a leaving caseworker is
deactivated and their clients, future appointments and open conversations go to a colleague
in one step. Everything is audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.i18n import N_
from bot.refusal import Refused
from bot.roles import Actor, Role
from models import Booking, BookingStatus, Caseworker, Client, ClientStatus, OfficeHours

NOT_POSSIBLE = N_("This hand-over is not possible. Please start again with /caseworker.")


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


async def staff_rows(session: AsyncSession) -> list[StaffRow]:
    result = await session.execute(
        select(Client.caseworker_id, func.count()).where(Client.status != ClientStatus.CLOSED)
        .group_by(Client.caseworker_id))
    counts: dict[int | None, int] = {row[0]: int(row[1]) for row in result}
    rows = []
    for worker in await session.scalars(select(Caseworker).order_by(Caseworker.name)):
        await session.refresh(worker, ["municipalities"])
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
    return HandOver(leaving.name, successor.name, moved_clients, moved_bookings)
