"""Restart safety: `lotse run` is killed with SIGKILL in the middle of a 500-message broadcast
and started again. Every message arrives; duplicates are at most those in flight at the kill."""

from __future__ import annotations

import asyncio
import os
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.broadcasts import Audience, start_broadcast
from bot.roles import Actor, Role
from models import Municipality, OutboxMessage, OutboxState
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.support.dispatch_helpers import add_clients, wait_until
from tests.support.fakes.telegram_api import FakeTelegramAPI

pytestmark = pytest.mark.slow
Sessions = async_sessionmaker[AsyncSession]
MESSAGES = 500


async def _start(fake: FakeTelegramAPI, database_url: str) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "LOTSE_CONFIG": str(EXAMPLE_CONFIG),
        "LOTSE_DISPATCH_INTERVAL": "0.2",
        "LOTSE_SEND_RATE": "250",  # the fake has no limits here; keeps the test short
        "LOTSE_UNCERTAIN_RETRY_SECONDS": "1",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )


async def _states(sessions: Sessions) -> dict[int, tuple[OutboxState, bool]]:
    async with sessions() as session:
        rows = await session.execute(
            select(OutboxMessage.chat_id, OutboxMessage.state, OutboxMessage.uncertain))
        return {chat: (state, uncertain) for chat, state, uncertain in rows}


async def test_sigkill_during_a_broadcast_loses_nothing(
    database_url: str, sessions: Sessions, fake_api: FakeTelegramAPI
) -> None:
    now = datetime.now(UTC)
    chats = await add_clients(sessions, MESSAGES, now=now)
    async with sessions() as session, session.begin():
        towns = frozenset((await session.scalars(select(Municipality.id))).all())
        admin = Actor(telegram_id=1, role=Role.ADMIN, language="de", municipality_ids=towns)
        await start_broadcast(session, actor=admin, audience=Audience(towns),
                              texts={"de": "Die Sprechstunde fällt heute aus."},
                              # `lotse run` runs on the real clock: a non-urgent broadcast
                              # would wait for 07:00 when the test runs in the quiet hours
                              # (21:00-07:00 Berlin). Urgency changes nothing else in sending.
                              urgent=True, now=now, status_chat_id=None)

    def delivered() -> Counter[int]:
        return Counter(c.chat_id for c in fake_api.calls_to("sendMessage") if not c.failed)

    process = await _start(fake_api, database_url)
    try:
        await wait_until(lambda: len(delivered()) >= MESSAGES // 3, timeout=20)
        process.kill()  # SIGKILL: no clean-up of any kind
        await process.wait()
    finally:
        if process.returncode is None:
            process.kill()
    at_kill = await _states(sessions)
    in_flight = {chat for chat, (state, _) in at_kill.items() if state is OutboxState.SENDING}
    assert 0 < len(delivered()) < MESSAGES, "the kill must come in the middle"

    process = await _start(fake_api, database_url)
    try:
        async def all_done() -> bool:
            async with sessions() as session:
                open_rows = await session.scalar(
                    select(func.count()).select_from(OutboxMessage).where(
                        OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.SENDING,
                                                 OutboxState.UNCERTAIN))))
            return open_rows == 0

        await wait_until(all_done, timeout=30)
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
    _, stderr = await process.communicate()
    assert "Traceback" not in stderr.decode()

    final = await _states(sessions)
    assert {state for state, _ in final.values()} == {OutboxState.SENT}
    counts = delivered()
    assert set(counts) == set(chats)  # none lost
    duplicates = {chat for chat, n in counts.items() if n > 1}
    assert duplicates <= in_flight  # at most the messages in flight at the kill
    assert all(final[chat][1] for chat in in_flight)  # resolved as uncertain, retried once
    assert max(counts.values()) <= 2
