"""Retention (issue 11, item 3): a case closed 25 months ago is erased by the nightly job, one
closed 23 months ago is not; the dry run names the first and changes nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from bot.privacy.retention import run_retention
from models import CaseDetails, Client, ClientStatus
from tests.conftest import FakeClock
from tests.support.builders import add_client
from tests.support.every_table import where_found
from tests.test_migrations_cli import EXAMPLE_CONFIG


async def _closed(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, *,
                  telegram_id: int, name: str, days_ago: int) -> str:
    reference = await add_client(sessions, telegram_id=telegram_id, name=name, now=clock())
    async with sessions() as session, session.begin():
        client = await session.scalar(select(Client).where(Client.reference == reference))
        assert client is not None
        client.status = ClientStatus.CLOSED
        details = await session.get(CaseDetails, client.id)
        closed = datetime.now(UTC) - timedelta(days=days_ago)  # the CLI's now
        if details is None:
            session.add(CaseDetails(client_id=client.id, closed_at=closed))
        else:
            details.closed_at = closed
    return reference


async def test_retention_erases_a_case_closed_25_months_ago_not_23(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock, database_url: str,
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    old = await _closed(sessions, clock, telegram_id=7401, name="Halyna", days_ago=25 * 31)
    recent = await _closed(sessions, clock, telegram_id=7402, name="Petro", days_ago=23 * 30)

    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    code = await asyncio.to_thread(main, ["retention", "--dry-run"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert old in out and recent not in out and "dry run" in out
    async with sessions() as session:
        assert await where_found(session, "Halyna")  # nothing erased yet

    async with sessions() as session, session.begin():
        erased = await run_retention(session, now=datetime.now(UTC), months=24,
                                     dry_run=False)
    assert erased == [old]
    async with sessions() as session:
        assert await where_found(session, "Halyna") == []
        assert await where_found(session, 7401) == []
        assert await session.scalar(select(Client.display_name).where(
            Client.reference == recent)) == "Petro"
