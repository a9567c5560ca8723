"""The case list's "no contact for 30+ days" filter, rewritten for county scale (one index
probe per client instead of every client's last contact): the edge cases keep their meaning."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.casework.case_list import CaseFilter, list_cases
from bot.roles import resolve_actor
from models import Client, ContactEntry, ContactKind
from tests.support.builders import add_caseworker, add_client

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)
TODAY = date(2026, 3, 10)


async def _entry(session: AsyncSession, client: Client, worker: int, day: date, *,
                 deleted: bool = False, correction: bool = False) -> None:
    session.add(ContactEntry(
        caseworker_id=worker, client_id=client.id, case_reference=client.reference,
        municipality_id=client.municipality_id, kind=ContactKind.PHONE,
        minutes=-10 if correction else 10, entry_date=day, quarter="2026Q1",
        is_correction=correction, deleted_at=NOW if deleted else None))


async def test_no_contact_filter_counts_only_real_entries_and_spares_new_clients(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    worker = await add_caseworker(sessions, telegram_id=812, towns=("cleebronn",))
    old = NOW - timedelta(days=400)
    names = ("Recent", "Old", "Deleted", "Correction", "Never", "New", "Edge")
    for n, name in enumerate(names):
        created = NOW - timedelta(days=3) if name == "New" else old
        await add_client(sessions, telegram_id=5300 + n, name=name, now=created)
    async with sessions() as session, session.begin():
        clients = {c.display_name: c for c in await session.scalars(select(Client))}
        await _entry(session, clients["Recent"], worker, TODAY - timedelta(days=2))
        await _entry(session, clients["Recent"], worker, TODAY - timedelta(days=90))
        await _entry(session, clients["Old"], worker, TODAY - timedelta(days=90))
        await _entry(session, clients["Deleted"], worker, TODAY - timedelta(days=2),
                     deleted=True)
        await _entry(session, clients["Deleted"], worker, TODAY - timedelta(days=60))
        await _entry(session, clients["Correction"], worker, TODAY - timedelta(days=2),
                     correction=True)
        await _entry(session, clients["Edge"], worker, TODAY - timedelta(days=30))
    async with sessions() as session:
        actor = await resolve_actor(session, telegram_id=812, first_name="Jana",
                                    admin_ids=frozenset())
        page = await list_cases(session, actor=actor, flt=CaseFilter(no_contact=True), page=0,
                                today=TODAY, timezone=BERLIN)
    shown = {row.name: row.last_contact for row in page.rows}
    # Last contact 30 days ago or longer, or never and known for 30 days: listed.
    assert shown == {"Old": TODAY - timedelta(days=90), "Deleted": TODAY - timedelta(days=60),
                     "Correction": None, "Never": None, "Edge": TODAY - timedelta(days=30)}
    assert page.total == 5
