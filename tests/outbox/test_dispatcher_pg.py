"""Two dispatchers sharing one PostgreSQL database (how a county deployment grows)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.queue import Rendered, enqueue, message_kind
from bot.outbox.sender import SendResult
from bot.outbox.store import holding_claims
from models import OutboxMessage, OutboxState
from models.session import make_engine, make_sessionmaker
from tests.conftest import FakeClock
from tests.support.dispatch_helpers import engine_of, outbox_rows, standalone_dispatcher
from tests.support.fakes.telegram_api import FakeTelegramAPI

pytestmark = [
    pytest.mark.skipif(not os.environ.get("LOTSE_TEST_DATABASE_URL"),
                       reason="needs PostgreSQL: set LOTSE_TEST_DATABASE_URL"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]
Sessions = async_sessionmaker[AsyncSession]


@message_kind("test.pg")
def _note(t: Any, params: dict[str, Any]) -> Rendered:
    return Rendered(f"Nachricht {params['n']}")


async def _queue(sessions: Sessions, clock: FakeClock, chats: range) -> None:
    async with sessions() as session, session.begin():
        for chat in chats:
            await enqueue(session, key=f"pg:{chat}", chat_id=chat, kind="test.pg",
                          params={"n": chat}, due_at=clock.now)


async def test_two_dispatchers_never_send_the_same_row(
    database_url: str, sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chats = range(900_000, 900_400)
    await _queue(sessions, clock, chats)
    other_engine = make_engine(database_url)
    senders: Counter[str] = Counter()
    try:
        async with (
            standalone_dispatcher(sessions, fake_api, clock, per_second=1000,
                                  batch_size=25) as first,
            standalone_dispatcher(make_sessionmaker(other_engine), fake_api, clock,
                                  per_second=1000, batch_size=25) as second,
        ):
            for name, dispatcher in (("first", first), ("second", second)):
                send = dispatcher.transport.send

                async def counted(chat_id: int, message: Rendered, name: str = name,
                                  send: Any = send) -> SendResult:
                    senders[name] += 1
                    result: SendResult = await send(chat_id, message)
                    return result

                monkeypatch.setattr(dispatcher.transport, "send", counted)
            await asyncio.gather(first.drain(), second.drain())
    finally:
        await other_engine.dispose()
    delivered = Counter(c.chat_id for c in fake_api.calls_to("sendMessage") if not c.failed)
    assert set(delivered) == set(chats) and set(delivered.values()) == {1}
    assert senders["first"] > 0 and senders["second"] > 0  # both really worked
    assert {row.state for row in await outbox_rows(sessions)} == {OutboxState.SENT}


async def test_a_peers_claims_are_left_alone_while_it_lives_and_resolved_when_it_died(
    database_url: str, sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    await _queue(sessions, clock, range(900_500, 900_503))
    peer = 77_001
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        async with holding_claims(engine_of(sessions), peer):  # the peer is sending
            async with sessions() as session, session.begin():
                await session.execute(update(OutboxMessage).values(
                    state=OutboxState.SENDING, claimed_by=peer))
            assert await dispatcher.recover() == 0
        # The peer's connection is gone (it crashed): its claims are resolved.
        assert await dispatcher.recover() == 3
    assert {row.state for row in await outbox_rows(sessions)} == {OutboxState.UNCERTAIN}
