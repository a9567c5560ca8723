"""Invite codes: hashed at rest, single use under concurrency, expiring after 14 days."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.onboarding.invites import (
    INVITE_VALIDITY,
    InviteState,
    check_invite,
    hash_code,
    redeem_invite,
)
from models import Client
from tests.conftest import FakeClock
from tests.support.builders import client_invite


async def test_only_the_hash_of_a_code_is_stored(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, now=clock())
    async with sessions() as session:
        rows = (await session.execute(text("SELECT * FROM invites"))).all()
    assert len(rows) == 1
    assert all(code not in str(value) for value in rows[0])
    assert hash_code(code) in tuple(rows[0])


async def test_code_states(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> None:
    code = await client_invite(sessions, now=clock())
    async with sessions() as session:
        assert (await check_invite(session, code, now=clock())).state is InviteState.VALID
        assert (await check_invite(session, "short", now=clock())).state is InviteState.MALFORMED
        assert (await check_invite(session, "B" * 22, now=clock())).state is InviteState.UNKNOWN
        later = clock() + INVITE_VALIDITY
        assert (await check_invite(session, code, now=later)).state is InviteState.EXPIRED
        just_before = later - timedelta(seconds=1)
        assert (await check_invite(session, code, now=just_before)).state is InviteState.VALID


async def test_two_people_redeeming_one_code_at_once_only_one_wins(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    for _round in range(5):
        code = await client_invite(sessions, now=clock())

        async def redeem(telegram_id: int, code: str = code) -> InviteState:
            async with sessions() as session, session.begin():
                result = await redeem_invite(session, code, telegram_id=telegram_id,
                                             now=clock())
                return result.state

        base = 10_000 + _round * 10
        results = await asyncio.gather(redeem(base + 1), redeem(base + 2), redeem(base + 3),
                                       return_exceptions=True)
        wins = [r for r in results if r is InviteState.VALID]
        assert len(wins) == 1, results
        async with sessions() as session:
            linked = (await session.scalars(select(Client.telegram_user_id).where(
                Client.telegram_user_id.between(base, base + 9)))).all()
            assert len(linked) == 1


async def test_a_linked_account_cannot_redeem_a_second_invite(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    first = await client_invite(sessions, now=clock())
    second = await client_invite(sessions, name="Other", now=clock())
    async with sessions() as session, session.begin():
        assert (await redeem_invite(session, first, telegram_id=42, now=clock())).state \
            is InviteState.VALID
    async with sessions() as session, session.begin():
        assert (await redeem_invite(session, second, telegram_id=42, now=clock())).state \
            is InviteState.ALREADY_REGISTERED
