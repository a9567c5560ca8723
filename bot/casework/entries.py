"""Change, delete and correct contact time entries; list them.

A caseworker changes only their own entries (admins any) and only in an open quarter; each
change is written to the audit log with the old and new values. An entry of a closed quarter
stays as billed: the difference is booked as a correction in the current quarter.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.casework.contact_time import (
    MAX_MINUTES,
    MUNICIPALITY_KINDS,
    check_day,
    closed_quarter_refusal,
    existing_entry,
    lock_quarter,
)
from bot.casework.plans import NO_CASE
from bot.config import MunicipalityConfig
from bot.i18n import N_
from bot.quarters import Quarter, local_date
from bot.refusal import Refused
from bot.roles import Actor, Role
from models import Client, ContactEntry, ContactKind, Municipality

NOT_YOURS = N_("This entry does not exist or is not yours. You can change only your own "
               "entries.")


async def load_entry(session: AsyncSession, *, actor: Actor, entry_id: int) -> ContactEntry:
    """An entry the actor may change: their own (admins: any), not deleted."""
    entry = await session.get(ContactEntry, entry_id)
    if (
        entry is None
        or entry.deleted_at is not None
        or not actor.may_touch(entry.municipality_id)
        or (actor.role is not Role.ADMIN and entry.caseworker_id != actor.caseworker_id)
    ):
        raise Refused(NOT_YOURS).audited("time:edit", f"entry:{entry_id}", "not found or not own")
    return entry


async def _ensure_open(session: AsyncSession, entry: ContactEntry, quarter: Quarter,
                       today: date) -> None:
    if await lock_quarter(session, entry.municipality_id, quarter):
        municipality = await session.get(Municipality, entry.municipality_id)
        assert municipality is not None
        raise closed_quarter_refusal(quarter, municipality.name, today)


def _quarter(entry: ContactEntry) -> Quarter:
    quarter = Quarter.parse(entry.quarter)
    assert quarter is not None
    return quarter


async def change_entry(
    session: AsyncSession, *, actor: Actor, entry_id: int, now: datetime, timezone: ZoneInfo,
    configs: Iterable[MunicipalityConfig], minutes: int | None = None,
    kind: ContactKind | None = None, day: date | None = None,
) -> ContactEntry:
    """Change minutes, kind or date of an entry of an open quarter."""
    entry = await load_entry(session, actor=actor, entry_id=entry_id)
    today = local_date(now, timezone)
    if entry.is_correction:
        raise Refused(N_("A correction cannot be changed; delete it and book it again."))
    await _ensure_open(session, entry, _quarter(entry), today)
    changes = []
    if minutes is not None and minutes != entry.minutes:
        if not 1 <= minutes <= MAX_MINUTES:
            raise Refused(N_("Please give between %(min)s and %(max)s minutes (you wrote "
                             "%(value)s). Longer work can be logged as several entries."),
                          min=1, max=MAX_MINUTES, value=minutes)
        changes.append(f"minutes {entry.minutes}->{minutes}")
        entry.minutes = minutes
    if kind is not None and kind != entry.kind:
        if entry.client_id is None and entry.case_reference is None and \
                kind not in MUNICIPALITY_KINDS:
            raise Refused(N_("Without a client only a group event or travel can be logged."))
        changes.append(f"kind {entry.kind.value}->{kind.value}")
        entry.kind = kind
    if day is not None and day != entry.entry_date:
        municipality = await session.get(Municipality, entry.municipality_id)
        assert municipality is not None
        config = next((c for c in configs if c.key == municipality.key), None)
        check_day(day, today=today, config=config)
        await _ensure_open(session, entry, Quarter.of(day), today)
        changes.append(f"date {entry.entry_date.isoformat()}->{day.isoformat()}")
        entry.entry_date, entry.quarter = day, Quarter.of(day).key
    if changes:
        entry.updated_at = now
        audit(session, actor=actor, action="time:edit", target=f"entry:{entry.id}",
              detail="; ".join(changes))
    await session.flush()
    return entry


async def delete_entry(session: AsyncSession, *, actor: Actor, entry_id: int, now: datetime,
                       timezone: ZoneInfo) -> ContactEntry:
    """Mark an entry of an open quarter as deleted; the row and the audit entry remain."""
    entry = await load_entry(session, actor=actor, entry_id=entry_id)
    await _ensure_open(session, entry, _quarter(entry), local_date(now, timezone))
    entry.deleted_at, entry.deleted_by_id = now, actor.caseworker_id
    audit(session, actor=actor, action="time:delete", target=f"entry:{entry.id}",
          detail=f"{entry.minutes} min {entry.kind.value} {entry.entry_date.isoformat()}")
    await session.flush()
    return entry


async def billed_minutes(session: AsyncSession, entry: ContactEntry) -> int:
    """An entry's minutes with every correction booked for it since."""
    corrections = await session.scalar(
        select(func.coalesce(func.sum(ContactEntry.minutes), 0)).where(
            ContactEntry.correction_of_id == entry.id, ContactEntry.deleted_at.is_(None)))
    return entry.minutes + int(corrections or 0)


async def book_correction(
    session: AsyncSession, *, actor: Actor, entry_id: int, corrected_minutes: int,
    telegram_key: str, now: datetime, timezone: ZoneInfo,
) -> tuple[ContactEntry, bool]:
    """Book the difference to an entry of a closed quarter into the current quarter."""
    earlier = await existing_entry(session, telegram_key)
    if earlier is not None:
        return earlier, False
    entry = await load_entry(session, actor=actor, entry_id=entry_id)
    today = local_date(now, timezone)
    if not await lock_quarter(session, entry.municipality_id, _quarter(entry)):
        raise Refused(N_("This entry belongs to an open quarter: change it directly."))
    if not 0 <= corrected_minutes <= MAX_MINUTES:
        raise Refused(N_("Please give between %(min)s and %(max)s minutes (you wrote "
                         "%(value)s). Longer work can be logged as several entries."),
                      min=0, max=MAX_MINUTES, value=corrected_minutes)
    delta = corrected_minutes - await billed_minutes(session, entry)
    if delta == 0:
        raise Refused(N_("The entry already has %(minutes)s minutes; nothing to correct."),
                      minutes=corrected_minutes)
    current = Quarter.of(today)
    await _ensure_open(session, entry, current, today)
    correction = ContactEntry(
        caseworker_id=actor.caseworker_id, client_id=entry.client_id,
        case_reference=entry.case_reference, municipality_id=entry.municipality_id,
        kind=entry.kind, minutes=delta, entry_date=entry.entry_date, quarter=current.key,
        note=None, telegram_key=telegram_key, is_correction=True, correction_of_id=entry.id,
        created_at=now,
    )
    session.add(correction)
    await session.flush()
    audit(session, actor=actor, action="time:correction", target=f"entry:{entry.id}",
          detail=f"entry {correction.id}: {delta:+d} min into {current.key}")
    return correction, True


async def recent_entries(
    session: AsyncSession, *, actor: Actor, client_id: int | None = None,
    limit: int = 8, offset: int = 0,
) -> tuple[list[ContactEntry], int]:
    """The newest entries of a client (any caseworker) or else the actor's own."""
    query = select(ContactEntry).where(ContactEntry.deleted_at.is_(None))
    if client_id is not None:
        query = query.where(ContactEntry.client_id == client_id)
    else:
        query = query.where(ContactEntry.caseworker_id == actor.caseworker_id)
    query = query.where(ContactEntry.municipality_id.in_(actor.municipality_ids))
    if client_id is not None:
        client = await session.get(Client, client_id)
        if client is None or not actor.may_touch(client.municipality_id):
            raise Refused(NO_CASE).audited("case:entries", f"client-id:{client_id}")
        audit(session, actor=actor, action="case:entries", target=f"client:{client.reference}")
    total = await session.scalar(select(func.count()).select_from(query.subquery()))
    rows = await session.scalars(query.order_by(
        ContactEntry.entry_date.desc(), ContactEntry.id.desc()).limit(limit).offset(offset))
    return list(rows), int(total or 0)


def may_edit(actor: Actor, entry: ContactEntry) -> bool:
    return actor.role is Role.ADMIN or entry.caseworker_id == actor.caseworker_id
