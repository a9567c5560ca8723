"""Planners: put the reminders of the coming days into the outbox.

Pure services (a session and ``now``). Every reminder has an idempotency key, so a run that
overlaps another, or repeats it, plans nothing twice. Evening reminders are due at local
time (18:00 Europe/Berlin is 17:00 or 16:00 UTC, depending on the season) and expire at
21:00, when the night's quiet begins: a reminder is never sent too late to help.
A planner and a change of a client's settings never overlap (see
:func:`hold_off_setting_changes`): switching a kind off cancels everything planned before.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVarTuple
from zoneinfo import ZoneInfo

from sqlalchemy import Select, false, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import MunicipalityConfig
from bot.outbox.queue import enqueue_many
from bot.reminders.appointments import plan_reminders
from bot.reminders.reminder_settings import SCHOOL, WASTE, enabled_clause
from bot.reminders.school import school_reminders_between
from bot.reminders.waste import sort_bins
from models import (
    Child,
    ChildPlace,
    Client,
    ClientStatus,
    ExternalAppointment,
    Municipality,
    ReminderSettings,
    WasteCollection,
    WasteZone,
)

PLAN_DAYS = 14  # how far ahead the daily run plans
PLAN_BATCH = 2000  # reminders put into the outbox per statement
SCHOOL_TIME = time(18, 0)
QUIET_FROM = time(21, 0)
DEFAULT_WASTE_TIME = time(18, 0)
Row = TypeVarTuple("Row")


@dataclass(frozen=True)
class Planned:
    waste: int = 0
    school: int = 0
    appointments: int = 0

    @property
    def total(self) -> int:
        return self.waste + self.school + self.appointments


def waste_times(municipalities: Iterable[MunicipalityConfig]) -> dict[str, time]:
    """The configured reminder time of each municipality (TOML ``waste_reminder_time``)."""
    return {m.key: m.waste_reminder_time for m in municipalities}


def local(day: date, at: time, timezone: ZoneInfo) -> datetime:
    """A local wall-clock time as an aware UTC datetime."""
    return datetime.combine(day, at, tzinfo=timezone).astimezone(UTC)


def _chat(client: Client) -> int:
    assert client.telegram_user_id is not None  # only reachable clients are planned for
    return client.telegram_user_id


def _reachable(query: Select[*Row], client_id: int | None) -> Select[*Row]:
    query = query.where(Client.status == ClientStatus.ACTIVE,
                        Client.telegram_user_id.is_not(None))
    if client_id is not None:
        query = query.where(Client.id == client_id)
    # Same order in every run: two overlapping runs never wait for each other in a cycle.
    return query.order_by(Client.id)


async def hold_off_setting_changes(session: AsyncSession, client_id: int | None) -> None:
    """Make a change of settings wait for this run, or this run for the change.

    Without this, a client who pauses while a planner has read their settings but not yet
    committed would get the reminders planned in between. PostgreSQL: the clients' rows
    are share-locked (``toggle`` locks its client's row for update); SQLite: the run takes
    the database's write lock at once, before it reads anything.
    """
    if session.get_bind().dialect.name == "sqlite":
        await session.execute(update(Client).where(false()).values(reference=Client.reference))
        return
    query = select(Client.id).order_by(Client.id).with_for_update(read=True)
    if client_id is not None:
        query = query.where(Client.id == client_id)
    await session.execute(query)


async def plan_waste_reminders(
    session: AsyncSession, *, now: datetime, timezone: ZoneInfo,
    waste_times: Mapping[str, time], client_id: int | None = None,
    zone_id: int | None = None, days: int = PLAN_DAYS,
) -> int:
    """The evening before each collection in the client's zone, at the municipality's time."""
    await hold_off_setting_changes(session, client_id)
    today = now.astimezone(timezone).date()
    query = _reachable(
        select(Client, WasteZone.id, Municipality.key)
        .join(ReminderSettings, ReminderSettings.client_id == Client.id)
        .join(WasteZone, WasteZone.id == ReminderSettings.waste_zone_id)
        .join(Municipality, Municipality.id == WasteZone.municipality_id)
        .where(enabled_clause(WASTE)), client_id)
    if zone_id is not None:
        query = query.where(WasteZone.id == zone_id)
    recipients = (await session.execute(query)).all()
    zones = {zone for _, zone, _ in recipients}
    calendar: dict[int, dict[date, list[tuple[str, str]]]] = {zone: {} for zone in zones}
    rows = await session.execute(
        select(WasteCollection.zone_id, WasteCollection.day, WasteCollection.kind,
               WasteCollection.name_de)
        .where(WasteCollection.zone_id.in_(zones), WasteCollection.day > today,
               WasteCollection.day <= today + timedelta(days=days))
    )
    for zone, day, kind, name in rows:
        calendar[zone].setdefault(day, []).append((kind, name))
    messages: list[dict[str, Any]] = []
    added = 0
    for client, zone, municipality in recipients:
        if len(messages) >= PLAN_BATCH:  # keeps the run's memory flat for a whole county
            added += await enqueue_many(session, messages)
            messages = []
        at = waste_times.get(municipality, DEFAULT_WASTE_TIME)
        for day in sorted(calendar[zone]):
            evening = day - timedelta(days=1)
            expires = local(evening, QUIET_FROM, timezone)
            if now >= expires:
                continue
            messages.append(dict(
                key=f"waste:{zone}:{day.isoformat()}:{client.id}",
                chat_id=_chat(client), kind="waste.reminder",
                due_at=local(evening, at, timezone), expires_at=expires, client_id=client.id,
                params={"category": WASTE, "date": day.isoformat(),
                        "bins": [list(b) for b in sort_bins(calendar[zone][day])]},
            ))
    return added + await enqueue_many(session, messages)


async def plan_school_reminders(
    session: AsyncSession, *, now: datetime, timezone: ZoneInfo, client_id: int | None = None,
    days: int = PLAN_DAYS,
) -> int:
    """Before the last school day before holidays and the first one after, for families
    with a child at school."""
    today = now.astimezone(timezone).date()
    events = school_reminders_between(today, today + timedelta(days=days))
    if not events:
        return 0
    await hold_off_setting_changes(session, client_id)
    families = select(Child.client_id).where(Child.place == ChildPlace.SCHOOL)
    clients = (await session.scalars(_reachable(
        select(Client).outerjoin(ReminderSettings, ReminderSettings.client_id == Client.id)
        .where(Client.id.in_(families), enabled_clause(SCHOOL)), client_id))).all()
    messages = [
        dict(
            key=f"school:{event}:{params['day']}:{client.id}",
            chat_id=_chat(client), kind="school.reminder",
            due_at=local(evening, SCHOOL_TIME, timezone), expires_at=local(
                evening, QUIET_FROM, timezone),
            client_id=client.id, params={"category": SCHOOL, **params},
        )
        for client in clients
        for event, evening, params in events
        if now < local(evening, QUIET_FROM, timezone)
    ]
    return await enqueue_many(session, messages)


async def plan_appointment_reminders(
    session: AsyncSession, *, now: datetime, timezone: ZoneInfo, client_id: int | None = None,
    days: int = PLAN_DAYS,
) -> int:
    """The evening before and two hours before each external appointment."""
    await hold_off_setting_changes(session, client_id)
    query = _reachable(
        select(Client).outerjoin(ReminderSettings, ReminderSettings.client_id == Client.id)
        .where(enabled_clause("appointments")), client_id)
    clients = {c.id: c for c in (await session.scalars(query)).all()}
    appointments = await session.scalars(
        select(ExternalAppointment)
        .where(ExternalAppointment.client_id.in_(clients), ExternalAppointment.starts_at > now,
               ExternalAppointment.starts_at <= now + timedelta(days=days + 1))
        .order_by(ExternalAppointment.id)
    )
    planned = 0
    for appointment in appointments:
        planned += len(await plan_reminders(
            session, appointment=appointment, client=clients[appointment.client_id], now=now,
            timezone=timezone, check_settings=False))
    return planned


async def plan_all(
    session: AsyncSession, *, now: datetime, timezone: ZoneInfo,
    waste_times: Mapping[str, time], client_id: int | None = None,
) -> Planned:
    """Every planner, for everyone or for one client (after a change of their settings)."""
    return Planned(
        waste=await plan_waste_reminders(session, now=now, timezone=timezone,
                                         waste_times=waste_times, client_id=client_id),
        school=await plan_school_reminders(session, now=now, timezone=timezone,
                                           client_id=client_id),
        appointments=await plan_appointment_reminders(session, now=now, timezone=timezone,
                                                      client_id=client_id),
    )
