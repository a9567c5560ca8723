"""Erasure: everything personal about a client goes, in one unit of work.

Asked twice by the client (``/privacy``), started by a caseworker from the case card for a
client without Telegram, or by the retention job for cases closed long ago. Contact-time
entries stay for billing, anonymised (case reference only, no note, no link to the client);
the audit log keeps the fact of the erasure with the reference only. Future consultations are
cancelled and the caseworker is told (by reference, no name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.i18n import Translator
from bot.outbox.queue import Rendered, enqueue, message_kind
from bot.roles import Actor
from models import AuditLog, Booking, BookingStatus, Caseworker, Client, ContactEntry
from models.base import Base

BOOKING_CANCELLED = "privacy.booking_cancelled"


@dataclass(frozen=True)
class Erased:
    reference: str
    cancelled_bookings: int


@message_kind(BOOKING_CANCELLED)
def render_booking_cancelled(t: Translator, params: dict[str, Any]) -> Rendered:
    start = datetime.fromisoformat(params["start"])
    return Rendered(t._(
        "The appointment of %(reference)s on %(date)s at %(time)s is cancelled: the data of "
        "this case was erased.", reference=params["reference"], date=t.fmt_date(start),
        time=t.fmt_time(start)))


async def erase_client(session: AsyncSession, *, client: Client, actor: Actor, now: datetime,
                       reason: str) -> Erased:
    """Erase the client's personal data; keep the billing minutes under the reference."""
    reference, client_id, telegram_id = client.reference, client.id, client.telegram_user_id
    future = list(await session.scalars(select(Booking).where(
        Booking.client_id == client_id, Booking.status == BookingStatus.BOOKED,
        Booking.start_at > now)))
    for booking in future:
        caseworker = await session.get(Caseworker, booking.caseworker_id) \
            if booking.caseworker_id else None
        if caseworker is not None and caseworker.telegram_user_id is not None:
            await enqueue(session, key=f"erase:{reference}:booking:{booking.id}",
                          chat_id=caseworker.telegram_user_id, kind=BOOKING_CANCELLED,
                          params={"reference": reference, "start": booking.start_at.isoformat()},
                          due_at=now, caseworker_id=caseworker.id)
    # Billing: the minutes stay under the case reference, nothing else.
    await session.execute(update(ContactEntry).where(or_(
        ContactEntry.client_id == client_id, ContactEntry.case_reference == reference))
        .values(client_id=None, note=None, case_reference=reference))
    outbox = Base.metadata.tables["outbox"]
    # Rows to the client, and rows to staff about the client: relays of her messages carry
    # no client_id but her text, booking notices her name; all of them name the reference.
    about = [outbox.c.client_id == client_id,
             cast(outbox.c.params, Text).contains(f'"{reference}"')]
    if telegram_id is not None:
        about += [outbox.c.chat_id == telegram_id, outbox.c.key.contains(f":{telegram_id}:")]
    await session.execute(delete(outbox).where(or_(*about)))
    # Every other row that points at the client, dependents first.
    for table in reversed(Base.metadata.sorted_tables):
        if table.name in ("contact_entries", "outbox", "clients") or "client_id" not in table.c:
            continue
        await session.execute(delete(table).where(table.c.client_id == client_id))
    if telegram_id is not None:
        requests = Base.metadata.tables["contact_requests"]
        await session.execute(delete(requests).where(requests.c.telegram_user_id == telegram_id))
        await session.execute(update(AuditLog).where(AuditLog.actor_telegram_id == telegram_id)
                              .values(actor_telegram_id=None))
    await session.execute(delete(Client).where(Client.id == client_id))
    session.expunge(client)
    if actor.client_id == client_id:  # the client's own id goes as well
        actor = replace(actor, telegram_id=None)
    audit(session, actor=actor, action="client:erase", target=f"client:{reference}",
          detail=f"{reason}; bookings cancelled: {len(future)}")
    return Erased(reference=reference, cancelled_bookings=len(future))
