"""Builds the Application: the one place where every handler module is registered, in order.

Reading this file tells a newcomer the whole bot. (As the assembly it is the one module of
``bot`` that imports ``handlers``.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.audit import set_audit_key
from bot.config import Settings
from bot.limiter import FloodLimiter
from bot.municipalities import sync_municipalities
from bot.roles import Role
from handlers import (
    booking,
    casework,
    conversation,
    errors,
    fallback,
    help,
    language,
    middleware,
)
from handlers.billing import billing
from handlers.context import BotData, LotseApp, LotseContext
from handlers.menus import set_public_menus, set_staff_menus
from handlers.monitoring import server, webhook
from handlers.monitoring.instruments import MonitoredApplication, RecordingRequest
from handlers.onboarding import caseworkers, invite, privacy, public, start
from handlers.outbox import broadcast, dispatch
from handlers.rate_limit import LotseRateLimiter
from handlers.reminders import reminders
from models import Caseworker
from models.readers import Reader
from models.session import make_engine, make_sessionmaker, unit_of_work

log = logging.getLogger("lotse")


def build_application(
    settings: Settings, *, clock: Callable[[], datetime] | None = None
) -> LotseApp:
    """Create the Application with all handlers; resources are opened in post_init."""
    # One budget for every Bot API request: replies, edits, callback answers, outbox sends.
    limiter = FloodLimiter(per_second=settings.dispatch.per_second)
    set_audit_key(settings.audit_key)
    bot_data = BotData(settings=settings, dispatch=settings.dispatch, limiter=limiter)
    if clock is not None:
        bot_data.clock = clock
    # PTB calls the bot_data factory once; handing it this instance keeps the settings typed.
    context_types = ContextTypes(
        context=LotseContext, bot_data=cast("type[BotData]", lambda: bot_data)
    )
    # Every update is counted and timed, every Bot API answer noted (bot/monitoring).
    calls = bot_data.api_calls
    app: LotseApp = (
        ApplicationBuilder()
        .application_class(MonitoredApplication)
        .request(RecordingRequest(calls, connection_pool_size=256))  # PTB's default sizes
        .get_updates_request(RecordingRequest(calls, connection_pool_size=1))
        .token(settings.token)
        .base_url(settings.api_url)
        .base_file_url(settings.file_api_url)
        .context_types(context_types)
        # Scheduled jobs run in local time (office hours, 18:00 reminders).
        .defaults(Defaults(tzinfo=settings.timezone))
        .rate_limiter(LotseRateLimiter(limiter))
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )

    # Group -1: cross-cutting work for every update, in one handler: ignore group chats, stop
    # floods, load who is writing and their language into the context, refuse what their role
    # may not use (bot.commands lists who may use each command and button).
    middleware.register(app)
    # Group 0: features. Within a group the first matching handler wins, so the order
    # matters: conversations before the generic handlers, fallbacks last.
    # (first, so that /cancel inside it ends the broadcast draft, not another conversation)
    broadcast.register(app)  # staff: /broadcast conversation, "stop sending" button
    invite.register(app)  # caseworker: /invite conversation, /cancel
    casework.register(app)  # cases, /log and /hours, integration plans
    billing.register(app)  # admin: /report, /close_quarter
    booking.register(app)  # booking: /book, /appointments, /today, /week, /officehours …
    start.register(app)  # everyone: /start, invite links and consent
    public.register(app)  # public menu: about, office hours, emergency, contact request
    help.register(app)  # everyone: /help with emergency numbers
    language.register(app)  # everyone: /language
    privacy.register(app)  # everyone: /privacy
    caseworkers.register(app)  # admins: /caseworker
    reminders.register(app)  # /waste, /children, /reminders, staff /remind; planner jobs
    conversation.register(app)  # client ↔ caseworker messages, /inbox, /reply, urgent help
    fallback.register(app)  # unknown commands, stale buttons, unexpected text
    errors.register(app)
    # JobQueue: the outbox dispatcher wakes every few seconds and sends what is due through
    # the one rate limiter, after the replies to people (reminders, notifications, broadcasts).
    dispatch.register(app)
    # With a webhook: ask Telegram about it every minute (the "telegram" health check).
    webhook.register(app)
    return app


async def _post_init(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Open the database, mirror the TOML municipalities, set command menus, serve HTTP."""
    data: BotData = app.bot_data
    data.engine = make_engine(data.settings.database_url)
    data.sessions = make_sessionmaker(data.engine)
    data.reader = await Reader.open(data.engine)
    async with unit_of_work(data.sessions) as session:
        await sync_municipalities(session, data.settings.municipalities)
        staff = [
            (c.telegram_user_id, Role.ADMIN if c.is_admin else Role.CASEWORKER, c.language)
            for c in await session.scalars(
                select(Caseworker).where(
                    Caseworker.active.is_(True), Caseworker.telegram_user_id.is_not(None)
                )
            )
            if c.telegram_user_id is not None
        ]
    await set_public_menus(app.bot, data.settings.timezone)
    await set_staff_menus(app.bot, staff, data.settings.timezone)
    log.info("bot @%s ready, %d staff menus set", app.bot.username, len(staff))
    # /healthz and /metrics (and the webhook), on LOTSE_LISTEN or LOTSE_HEALTH_LISTEN
    await server.start(app)


async def _post_shutdown(app: Application[Any, Any, Any, Any, Any, Any]) -> None:
    data: BotData = app.bot_data
    await server.stop(app)
    if data.engine is not None:
        if data.reader is not None:
            await data.reader.close()
            data.reader = None
        await data.engine.dispose()
        data.engine = data.sessions = None


def run(settings: Settings) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook when LOTSE_WEBHOOK_URL is set."""
    app = build_application(settings)
    # Updates that arrived while the bot was down are answered, never dropped.
    if settings.webhook_url:
        # Our own server takes the webhook, so that it also answers /healthz and /metrics;
        # Telegram sends the secret in a header on every call, and it is checked there.
        asyncio.run(webhook.serve_webhook(app))
    else:
        app.run_polling(drop_pending_updates=False, allowed_updates=Update.ALL_TYPES)
