"""The typed callback context every handler receives, and the shared bot data behind it."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from bot.config import DispatchConfig, Settings
from bot.i18n import Translator, translator_for
from bot.limiter import FloodLimiter
from bot.monitoring.metrics import ApiCalls, Metrics
from bot.roles import Actor
from models.readers import Reader
from models.session import unit_of_work

LotseBot = ExtBot[dict[str, Any]]  # with the rate limiter's arguments (handlers/rate_limit.py)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class BotData:
    """Process-wide resources; the engine is created in post_init and disposed at shutdown."""

    settings: Settings
    clock: Callable[[], datetime] = _utcnow
    engine: AsyncEngine | None = None
    sessions: async_sessionmaker[AsyncSession] | None = None
    reader: Reader | None = None  # who writes, read on a connection of its own
    flood: dict[int, Any] = field(default_factory=dict)
    dispatch: DispatchConfig = field(default_factory=DispatchConfig)
    # The one budget of every Bot API request (installed as the Application's rate limiter).
    limiter: FloodLimiter = field(default_factory=FloodLimiter)
    # /metrics and /healthz (bot/monitoring): this Application's registry, the last Bot API answer
    metrics: Metrics = field(default_factory=Metrics)
    api_calls: ApiCalls = field(default_factory=ApiCalls)


class LotseContext(CallbackContext[LotseBot, dict[Any, Any], dict[Any, Any], BotData]):
    """Adds the person behind the update (set by the middleware) and their translator."""

    actor: Actor
    t: Translator

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    def now(self) -> datetime:
        return self.bot_data.clock()

    def uow(self) -> AbstractAsyncContextManager[AsyncSession]:
        """One unit of work: commits when the block ends without error."""
        if self.bot_data.sessions is None:
            raise RuntimeError("database not initialised: post_init has not run")
        return unit_of_work(self.bot_data.sessions)

    def translator(self, language: str) -> Translator:
        """A translator for ``language`` (also for someone else, e.g. the caseworker who is
        notified); one per language and time zone, shared, as a Translator never changes."""
        return translator_for(language, self.settings.timezone)


LotseApp = Application[LotseBot, LotseContext, dict[Any, Any], dict[Any, Any], BotData, Any]
