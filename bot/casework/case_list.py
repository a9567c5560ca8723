"""The caseworker's case list: filters (town, status, no contact for 30 days, beyond the
care limit), one page at a time, with the last contact of each client."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.quarters import add_months, local_midnight
from bot.roles import Actor
from models import CaseDetails, Client, ClientStatus, ContactEntry, Municipality

PAGE_SIZE = 8
NO_CONTACT_DAYS = 30
EXTENSION_MONTHS = 12  # 3 years become 4 in justified cases


class StatusFilter(enum.StrEnum):
    OPEN = "o"
    CLOSED = "c"
    ALL = "a"


@dataclass(frozen=True)
class CaseFilter:
    municipality_id: int | None = None
    status: StatusFilter = StatusFilter.OPEN
    no_contact: bool = False
    beyond_limit: bool = False


@dataclass(frozen=True)
class CaseRow:
    client_id: int
    reference: str
    name: str
    language: str
    status: ClientStatus
    last_contact: date | None


@dataclass(frozen=True)
class CasePage:
    rows: tuple[CaseRow, ...]
    page: int  # 0-based
    pages: int
    total: int


def _counted() -> tuple[ColumnElement[bool], ...]:
    """Entries that count as contact: not deleted, not a correction, about a client."""
    return (ContactEntry.deleted_at.is_(None), ContactEntry.is_correction.is_(False),
            ContactEntry.client_id.is_not(None))


def _no_contact_since(cutoff: date, timezone: ZoneInfo) -> ColumnElement[bool]:
    """Last contact on or before ``cutoff``, or none at all and known since before it.

    Written as "no entry after the cutoff" (one probe of the client-and-date index per
    client) rather than each client's last contact, which would read all their entries.
    """
    entries = select(ContactEntry.id).where(ContactEntry.client_id == Client.id, *_counted())
    return and_(~entries.where(ContactEntry.entry_date > cutoff).exists(),
                or_(Client.created_at < local_midnight(cutoff + timedelta(days=1), timezone),
                    entries.exists()))


async def _last_contacts(session: AsyncSession, client_ids: list[int]) -> dict[int, date]:
    """The last contact of each of these clients (one page of them)."""
    if not client_ids:
        return {}
    rows = await session.execute(
        select(ContactEntry.client_id, func.max(ContactEntry.entry_date))
        .where(ContactEntry.client_id.in_(client_ids), *_counted())
        .group_by(ContactEntry.client_id))
    return {client_id: last for client_id, last in rows.all() if client_id is not None}


def _started_before(day: date, timezone: ZoneInfo) -> ColumnElement[bool]:
    """Care began before ``day``: the recorded start, else the day of the invitation."""
    return or_(
        and_(CaseDetails.care_start.is_not(None), CaseDetails.care_start < day),
        and_(CaseDetails.care_start.is_(None), Client.created_at < local_midnight(day, timezone)),
    )


async def _beyond_limit(session: AsyncSession, ids: frozenset[int], today: date,
                        timezone: ZoneInfo) -> ColumnElement[bool]:
    conditions = []
    for municipality in await session.scalars(select(Municipality).where(
            Municipality.id.in_(ids), Municipality.care_limit_months.is_not(None))):
        months = municipality.care_limit_months
        assert months is not None
        conditions.append(and_(
            Client.municipality_id == municipality.id,
            _started_before(add_months(today, -months), timezone),
            or_(CaseDetails.care_extended.is_not(True),
                _started_before(add_months(today, -months - EXTENSION_MONTHS), timezone)),
        ))
    return or_(*conditions) if conditions else false()


async def list_cases(session: AsyncSession, *, actor: Actor, flt: CaseFilter, page: int,
                     today: date, timezone: ZoneInfo) -> CasePage:
    """One page of the actor's cases, oldest reference first."""
    ids = actor.municipality_ids
    if flt.municipality_id is not None:
        ids = ids & {flt.municipality_id}
    query = select(Client).where(Client.municipality_id.in_(ids))
    if flt.status is StatusFilter.OPEN:
        query = query.where(Client.status != ClientStatus.CLOSED)
    elif flt.status is StatusFilter.CLOSED:
        query = query.where(Client.status == ClientStatus.CLOSED)
    if flt.beyond_limit:
        query = query.outerjoin(CaseDetails, CaseDetails.client_id == Client.id).where(
            await _beyond_limit(session, ids, today, timezone))
    if flt.no_contact:  # last: its index probes only for the rows the other filters kept
        query = query.where(_no_contact_since(today - timedelta(days=NO_CONTACT_DAYS), timezone))
    total = int(await session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    clients = list(await session.scalars(
        query.order_by(Client.id).limit(PAGE_SIZE).offset(page * PAGE_SIZE)))
    last = await _last_contacts(session, [client.id for client in clients])
    rows = tuple(
        CaseRow(client.id, client.reference, client.display_name, client.language,
                client.status, last.get(client.id))
        for client in clients
    )
    audit(session, actor=actor, action="case:list", detail=f"page {page + 1}, {len(rows)} rows")
    return CasePage(rows=rows, page=page, pages=pages, total=total)
