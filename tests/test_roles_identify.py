"""Who is writing, found in one query: role, language, towns, and whether a row of theirs says
they blocked the bot (the middleware clears that only then)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.roles import Identity, Role, identify
from models import Caseworker, Client, Municipality
from tests.support.builders import add_caseworker, add_client

Sessions = async_sessionmaker[AsyncSession]
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


async def who(sessions: Sessions, telegram_id: int, admins: frozenset[int] = frozenset()
              ) -> Identity:
    async with sessions() as session, session.begin():
        return await identify(session, telegram_id=telegram_id, first_name="Nadia",
                              admin_ids=admins)


async def mark_blocked(sessions: Sessions, model: type[Client] | type[Caseworker],
                       telegram_id: int) -> None:
    async with sessions() as session, session.begin():
        await session.execute(update(model).where(model.telegram_user_id == telegram_id)
                              .values(unreachable_since=NOW))


async def test_a_client_is_known_with_language_and_town(sessions: Sessions) -> None:
    await add_client(sessions, telegram_id=801, language="ar", now=NOW)
    identity = await who(sessions, 801)
    assert identity.actor.role is Role.CLIENT and identity.actor.language == "ar"
    assert identity.actor.name == "Olena" and len(identity.actor.municipality_ids) == 1
    assert identity.actor.client_id is not None and not identity.unreachable


async def test_a_client_who_blocked_the_bot_is_flagged(sessions: Sessions) -> None:
    await add_client(sessions, telegram_id=802, now=NOW)
    await mark_blocked(sessions, Client, 802)
    assert (await who(sessions, 802)).unreachable


async def test_a_caseworker_sees_only_their_towns_and_is_flagged_when_blocked(
        sessions: Sessions) -> None:
    await add_caseworker(sessions, telegram_id=803, towns=("cleebronn",))
    identity = await who(sessions, 803)
    assert identity.actor.role is Role.CASEWORKER and len(identity.actor.municipality_ids) == 1
    assert not identity.unreachable
    await mark_blocked(sessions, Caseworker, 803)
    assert (await who(sessions, 803)).unreachable


async def test_an_inactive_caseworker_who_is_also_a_client_is_a_client(
        sessions: Sessions) -> None:
    await add_caseworker(sessions, telegram_id=804)
    await add_client(sessions, telegram_id=804, now=NOW)
    async with sessions() as session, session.begin():
        await session.execute(update(Caseworker).where(Caseworker.telegram_user_id == 804)
                              .values(active=False))
    assert (await who(sessions, 804)).actor.role is Role.CLIENT


async def test_a_configured_admin_gets_a_row_and_every_town(sessions: Sessions) -> None:
    identity = await who(sessions, 805, admins=frozenset({805}))
    async with sessions() as session:
        towns = frozenset((await session.scalars(
            Municipality.__table__.select().with_only_columns(Municipality.id))).all())
    assert identity.actor.role is Role.ADMIN and identity.actor.caseworker_id is not None
    assert identity.actor.municipality_ids == towns and identity.actor.language == "de"
    assert (await who(sessions, 805, admins=frozenset({805}))).actor.caseworker_id \
        == identity.actor.caseworker_id


async def test_nobody_known_is_a_stranger(sessions: Sessions) -> None:
    identity = await who(sessions, 806)
    assert identity.actor.role is Role.STRANGER and identity.actor.language is None
    assert identity.actor.name == "Nadia"
