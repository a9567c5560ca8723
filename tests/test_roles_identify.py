"""Who is writing, found in one query: role, language, towns, and whether a row of theirs says
they blocked the bot (the middleware clears that only then). Every test runs both ways the
middleware goes: through a session, and through the reader of its own, which settles
clients and strangers without a session and hands everyone else on to ``identify``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.roles import Identity, Role, identify, person_rows, settle
from models import Caseworker, Client, Municipality
from models.readers import PostgresReader, Reader
from tests.support.builders import add_caseworker, add_client

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["session", "reader"])
def way(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def who(sessions: Sessions, telegram_id: int, admins: frozenset[int] = frozenset(),
              *, way: str = "session") -> Identity:
    rows = None
    if way == "reader":
        reader = await Reader.open(sessions.kw["bind"])
        assert reader is not None
        try:
            rows = await person_rows(reader, telegram_id)
        finally:
            await reader.close()
        settled = settle(rows, telegram_id=telegram_id, first_name="Nadia", admin_ids=admins)
        if settled is not None:
            return settled
    async with sessions() as session, session.begin():
        return await identify(session, telegram_id=telegram_id, first_name="Nadia",
                              admin_ids=admins, rows=rows)


async def mark_blocked(sessions: Sessions, model: type[Client] | type[Caseworker],
                       telegram_id: int) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(model).where(model.telegram_user_id == telegram_id)
                              .values(unreachable_since=NOW))


async def test_a_client_is_known_with_language_and_town(sessions: Sessions, way: str) -> None:
    await add_client(sessions, telegram_id=801, language="ar", now=NOW)
    identity = await who(sessions, 801, way=way)
    assert identity.actor.role is Role.CLIENT and identity.actor.language == "ar"
    assert identity.actor.name == "Olena" and len(identity.actor.municipality_ids) == 1
    assert identity.actor.client_id is not None and not identity.unreachable


async def test_a_client_who_blocked_the_bot_is_flagged(sessions: Sessions, way: str) -> None:
    await add_client(sessions, telegram_id=802, now=NOW)
    await mark_blocked(sessions, Client, 802)
    assert (await who(sessions, 802, way=way)).unreachable


async def test_a_caseworker_sees_only_their_towns_and_is_flagged_when_blocked(
        sessions: Sessions, way: str) -> None:
    await add_caseworker(sessions, telegram_id=803, towns=("cleebronn",))
    identity = await who(sessions, 803, way=way)
    assert identity.actor.role is Role.CASEWORKER and len(identity.actor.municipality_ids) == 1
    assert not identity.unreachable
    await mark_blocked(sessions, Caseworker, 803)
    assert (await who(sessions, 803, way=way)).unreachable


async def test_an_inactive_caseworker_who_is_also_a_client_is_a_client(
        sessions: Sessions, way: str) -> None:
    await add_caseworker(sessions, telegram_id=804)
    await add_client(sessions, telegram_id=804, now=NOW)
    async with sessions() as session, session.begin():
        await session.execute(update(Caseworker).where(Caseworker.telegram_user_id == 804)
                              .values(active=False))
    assert (await who(sessions, 804, way=way)).actor.role is Role.CLIENT


async def test_a_configured_admin_gets_a_row_and_every_town(sessions: Sessions, way: str) -> None:
    identity = await who(sessions, 805, admins=frozenset({805}), way=way)
    async with sessions() as session:
        towns = frozenset((await session.scalars(
            Municipality.__table__.select().with_only_columns(Municipality.id))).all())
    assert identity.actor.role is Role.ADMIN and identity.actor.caseworker_id is not None
    assert identity.actor.municipality_ids == towns and identity.actor.language == "de"
    assert (await who(sessions, 805, admins=frozenset({805}), way=way)).actor.caseworker_id \
        == identity.actor.caseworker_id


async def test_nobody_known_is_a_stranger(sessions: Sessions, way: str) -> None:
    identity = await who(sessions, 806, way=way)
    assert identity.actor.role is Role.STRANGER and identity.actor.language is None
    assert identity.actor.name == "Nadia"


async def test_the_reader_sees_a_change_at_once(sessions: Sessions) -> None:
    """The reader stays open for the whole process: an erasure (the Telegram link removed)
    committed elsewhere must count from the next update on, not from some later one."""
    reader = await Reader.open(sessions.kw["bind"])
    assert reader is not None
    await add_client(sessions, telegram_id=807, now=NOW)
    try:
        rows = await person_rows(reader, 807)
        settled = settle(rows, telegram_id=807, first_name="Nadia", admin_ids=frozenset())
        assert settled is not None and settled.actor.role is Role.CLIENT
        async with sessions() as session, session.begin():
            await session.execute(update(Client).where(Client.telegram_user_id == 807)
                                  .values(telegram_user_id=None))
        rows = await person_rows(reader, 807)
        settled = settle(rows, telegram_id=807, first_name="Nadia", admin_ids=frozenset())
        assert settled is not None and settled.actor.role is Role.STRANGER
    finally:
        await reader.close()


async def test_the_postgres_reader_opens_again_after_the_server_dropped_it(
        sessions: Sessions) -> None:
    """A server restart (here: its backend terminated) costs no update: the reader connects
    again and answers."""
    engine = sessions.kw["bind"]
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server to drop the connection")
    await add_client(sessions, telegram_id=808, now=NOW)
    reader = await Reader.open(engine)
    assert isinstance(reader, PostgresReader)
    try:
        assert len(await person_rows(reader, 808)) == 1
        pid = reader._connection.get_server_pid()
        async with sessions() as session, session.begin():
            assert await session.scalar(select(func.pg_terminate_backend(pid)))
        assert len(await person_rows(reader, 808)) == 1
        assert reader._connection.get_server_pid() != pid
    finally:
        await reader.close()
