"""Helpers for the dispatcher and broadcast tests: virtual time, many clients, a dispatcher."""

from __future__ import annotations

import asyncio
import math
import time
import types
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import ExtBot
from telegram.request import HTTPXRequest

from bot.config import DispatchConfig
from bot.limiter import FloodLimiter
from bot.outbox.dispatcher import Dispatcher
from handlers.outbox.dispatch import TelegramTransport
from handlers.rate_limit import LotseRateLimiter
from models import Client, ClientStatus, Municipality, OutboxMessage
from tests.conftest import TOKEN
from tests.support.builders import BERLIN
from tests.support.fakes import telegram_api
from tests.support.fakes.telegram_api import FakeTelegramAPI


class VirtualTime:
    """A monotonic clock that jumps forward when someone sleeps: pacing tests take no time.

    The fake Bot API measures its rate limits on the same clock, so a test proves that the
    pacing never exceeds them without waiting for real seconds. Times stay on a 1/1024 s grid,
    so that "exactly one second later" is exact in floating point.
    """

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now = max(self.now, math.ceil((self.now + max(seconds, 0.0)) * 1024) / 1024)

    def install(self, monkeypatch: pytest.MonkeyPatch, dispatcher: Dispatcher | None = None
                ) -> None:
        """Let the fake Bot API (and the dispatcher's rate limiter) run on this clock."""
        fake_time = types.SimpleNamespace(monotonic=self.monotonic, time=time.time)
        monkeypatch.setattr(telegram_api, "time", fake_time)
        if dispatcher is not None:
            dispatcher.limiter.monotonic = self.monotonic
            dispatcher.limiter.sleep = self.sleep


def engine_of(sessions: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


@asynccontextmanager
async def standalone_dispatcher(
    sessions: async_sessionmaker[AsyncSession], fake: FakeTelegramAPI,
    clock: Callable[[], datetime], **config: Any,
) -> AsyncIterator[Dispatcher]:
    """A dispatcher without an Application, sending to the fake Bot API.

    Its rate limiter runs on virtual time, so that waiting a second between two messages to one
    chat costs no real second (tests of the limits install the clock in the fake as well).
    """
    request = HTTPXRequest(connection_pool_size=64)  # as many as the Application's bot has
    settings = DispatchConfig(**config)
    virtual = VirtualTime()
    limiter = FloodLimiter(per_second=settings.per_second, monotonic=virtual.monotonic,
                           sleep=virtual.sleep)
    async with ExtBot(TOKEN, base_url=fake.base_url, request=request,
                      rate_limiter=LotseRateLimiter(limiter)) as bot:
        yield Dispatcher(
            engine=engine_of(sessions), sessions=sessions, transport=TelegramTransport(bot),
            timezone=BERLIN, clock=clock, config=settings, limiter=limiter,
        )


async def add_clients(
    sessions: async_sessionmaker[AsyncSession], count: int, *, now: datetime,
    town: str = "cleebronn", language: str = "uk", first_chat: int = 500_000,
) -> list[int]:
    """Many consenting clients in one INSERT; returns their Telegram chat ids."""
    chats = list(range(first_chat, first_chat + count))
    async with sessions() as session, session.begin():
        town_id = await session.scalar(select(Municipality.id).where(Municipality.key == town))
        await session.execute(insert(Client), [
            {"reference": f"B-{chat}", "display_name": f"Client {chat}", "language": language,
             "municipality_id": town_id, "status": ClientStatus.ACTIVE,
             "telegram_user_id": chat, "consent_at": now, "created_at": now}
            for chat in chats
        ])
    return chats


async def outbox_rows(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


async def wait_until(condition: Callable[[], Any], timeout: float = 60.0) -> None:
    """Poll an (async) condition until it holds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
