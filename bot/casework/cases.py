"""Cases: find one, the data of its card, close and reopen, the justified extension.

A caseworker sees the clients of their towns only; admins see all. Every view and change
is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.booking.bookings import no_show_count, upcoming_bookings
from bot.casework.case_list import EXTENSION_MONTHS
from bot.casework.contact_time import minutes_of_client
from bot.casework.plans import plan_of
from bot.i18n import N_
from bot.parsing import normalise_reference
from bot.quarters import Quarter, add_months, local_date
from bot.refusal import Refused
from bot.roles import Actor
from models import (
    CaseDetails,
    Caseworker,
    Client,
    ClientStatus,
    ContactEntry,
    ExternalAppointment,
    Municipality,
    OutboxMessage,
    OutboxState,
    PlanGoal,
    StoredMessage,
)

NO_CASE = N_("I cannot find the case %(reference)s among the cases of your towns. "
             "/cases shows them.")


@dataclass(frozen=True)
class CardAppointment:
    """A consultation booked here, or an appointment elsewhere that a caseworker entered."""

    starts_at: datetime
    place: str
    kind: str | None  # None: a consultation with the integration management; else its kind


@dataclass(frozen=True)
class CardMessage:
    """One message of the conversation with the team (bot/conversation stores them)."""

    at: datetime
    from_client: bool
    content: str  # text, photo, document, voice, video_note, …, quick
    text: str | None


@dataclass(frozen=True)
class CaseCard:
    """Everything the case card shows; ``handlers.casework.cases.card_text`` renders it."""

    client_id: int
    reference: str
    name: str
    language: str
    status: ClientStatus
    municipality: str
    caseworker: str | None
    care_start: date
    care_limit_months: int | None  # None: no limit (Cleebronn)
    care_until: date | None
    extended: bool
    beyond_limit: bool
    quarter: Quarter
    minutes_quarter: int
    minutes_total: int
    last_contact: date | None
    goals: tuple[PlanGoal, ...]
    appointments: tuple[CardAppointment, ...] = ()
    no_shows: int = 0
    reminders_pending: int = 0
    messages: tuple[CardMessage, ...] = ()


async def find_client(session: AsyncSession, *, actor: Actor, reference: str | None = None,
                      client_id: int | None = None) -> Client:
    """The client by reference or id, if in the actor's towns; else a refusal (audited)."""
    client = None
    if client_id is not None:
        client = await session.get(Client, client_id)
    elif reference is not None and normalise_reference(reference):
        client = await session.scalar(
            select(Client).where(Client.reference == normalise_reference(reference)))
    if client is None or not actor.may_touch(client.municipality_id):
        raise Refused(NO_CASE, reference=(reference or "–")[:40]).audited(
            "case:view", f"ref:{(reference or str(client_id))[:40]}")
    return client


def care_start_of(client: Client, details: CaseDetails | None, timezone: ZoneInfo) -> date:
    if details is not None and details.care_start is not None:
        return details.care_start
    return local_date(client.created_at, timezone)


async def open_case(session: AsyncSession, *, actor: Actor, now: datetime, timezone: ZoneInfo,
                    reference: str | None = None, client_id: int | None = None) -> CaseCard:
    """The case card's data; the view is audited."""
    client = await find_client(session, actor=actor, reference=reference, client_id=client_id)
    municipality = await session.get(Municipality, client.municipality_id)
    details = await session.get(CaseDetails, client.id)
    caseworker = await session.get(Caseworker, client.caseworker_id) if (
        client.caseworker_id) else None
    assert municipality is not None
    today = local_date(now, timezone)
    start = care_start_of(client, details, timezone)
    extended = bool(details and details.care_extended)
    limit = municipality.care_limit_months
    if limit is not None and extended:
        limit += EXTENSION_MONTHS
    until = add_months(start, limit) if limit is not None else None
    quarter = Quarter.of(today)
    last = await session.scalar(select(func.max(ContactEntry.entry_date)).where(
        ContactEntry.client_id == client.id, ContactEntry.deleted_at.is_(None),
        ContactEntry.is_correction.is_(False)))
    audit(session, actor=actor, action="case:view", target=f"client:{client.reference}")
    return CaseCard(
        client_id=client.id, reference=client.reference, name=client.display_name,
        language=client.language, status=client.status, municipality=municipality.name,
        caseworker=caseworker.name if caseworker else None, care_start=start,
        care_limit_months=limit, care_until=until, extended=extended,
        beyond_limit=until is not None and today > until, quarter=quarter,
        minutes_quarter=await minutes_of_client(session, client.id, quarter),
        minutes_total=await minutes_of_client(session, client.id), last_contact=last,
        goals=tuple(await plan_of(session, client.id)),
        appointments=await _appointments(session, client.id, now),
        no_shows=await no_show_count(session, client_id=client.id),
        reminders_pending=int(await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(
                OutboxMessage.client_id == client.id,
                OutboxMessage.state == OutboxState.PENDING)) or 0),
        messages=await _messages(session, client.id),
    )


async def _messages(session: AsyncSession, client_id: int, limit: int = 5
                    ) -> tuple[CardMessage, ...]:
    """The last messages between the client and the team, oldest of them first."""
    rows = await session.scalars(
        select(StoredMessage).where(StoredMessage.client_id == client_id)
        .order_by(StoredMessage.id.desc()).limit(limit))
    return tuple(CardMessage(m.created_at, m.from_client, m.content, m.text)
                 for m in reversed(list(rows)))


async def _appointments(session: AsyncSession, client_id: int, now: datetime
                        ) -> tuple[CardAppointment, ...]:
    """Upcoming consultations and external appointments, soonest first."""
    booked = [CardAppointment(b.start, b.location_name, None)
              for b in await upcoming_bookings(session, client_id=client_id, now=now)]
    external = [
        CardAppointment(a.starts_at, a.place_name, a.kind.value)
        for a in await session.scalars(select(ExternalAppointment).where(
            ExternalAppointment.client_id == client_id, ExternalAppointment.starts_at > now))
    ]
    return tuple(sorted(booked + external, key=lambda a: a.starts_at))


async def _details(session: AsyncSession, client: Client) -> CaseDetails:
    details = await session.get(CaseDetails, client.id)
    if details is None:
        details = CaseDetails(client_id=client.id, care_extended=False)
        session.add(details)
    return details


async def set_case_closed(session: AsyncSession, *, actor: Actor, client_id: int, closed: bool,
                          now: datetime) -> Client:
    """Close a case or reopen it; closing twice is harmless."""
    client = await find_client(session, actor=actor, client_id=client_id)
    details = await _details(session, client)
    if closed and client.status is not ClientStatus.CLOSED:
        client.status, details.closed_at = ClientStatus.CLOSED, now
        audit(session, actor=actor, action="case:close", target=f"client:{client.reference}")
    elif not closed and client.status is ClientStatus.CLOSED:
        client.status = ClientStatus.ACTIVE if client.consent_at else ClientStatus.INVITED
        details.closed_at = None
        audit(session, actor=actor, action="case:reopen", target=f"client:{client.reference}")
    await session.flush()
    return client


async def set_extension(session: AsyncSession, *, actor: Actor, client_id: int,
                        extended: bool) -> Client:
    """Mark (or unmark) a justified case: care for 4 years instead of 3."""
    client = await find_client(session, actor=actor, client_id=client_id)
    details = await _details(session, client)
    if details.care_extended != extended:
        details.care_extended = extended
        audit(session, actor=actor, action="case:extension", target=f"client:{client.reference}",
              detail="on" if extended else "off")
    await session.flush()
    return client
