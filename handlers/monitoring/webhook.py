"""Webhook mode: run the Application behind the process's own HTTP server.

PTB's ``run_webhook`` brings its own server, which cannot also answer ``/healthz`` and
``/metrics`` on the same port; so this follows PTB's "custom webhook" pattern and runs the
Application's lifecycle itself, in the order ``run_webhook`` uses. Pending updates are kept
(``drop_pending_updates=False``), and the server stops accepting updates before the
Application stops, which processes every update already accepted.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from datetime import datetime

from telegram import Update

from handlers.context import LotseApp, LotseContext
from handlers.monitoring import server

log = logging.getLogger("lotse.webhook")
WEBHOOK_INFO_EVERY = 60.0  # seconds; keeps the "telegram" health check meaningful when idle


async def serve_webhook(app: LotseApp) -> None:
    """Run until SIGINT or SIGTERM: post_init (database, HTTP server), setWebhook, updates."""
    settings = app.bot_data.settings
    assert settings.webhook_url and settings.webhook_secret
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    await app.initialize()
    try:
        if app.post_init is not None:
            await app.post_init(app)  # opens the database and starts the server
        await app.bot.set_webhook(
            settings.webhook_url, secret_token=settings.webhook_secret,
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
        await app.start()
        await stopping.wait()
        await server.stop(app)  # accept nothing that would not be processed
        await app.stop()  # processes the updates already queued
        if app.post_stop is not None:
            await app.post_stop(app)
    finally:
        await server.stop(app)
        if app.running:
            await app.stop()
        await app.shutdown()
        if app.post_shutdown is not None:
            await app.post_shutdown(app)


class WebhookWatch:
    """Asks Telegram about the webhook; logs a delivery error once, when a new one appears."""

    def __init__(self) -> None:
        self.error_seen: datetime | None = None

    async def check(self, context: LotseContext) -> None:
        info = await context.bot.get_webhook_info()
        if info.last_error_date is not None and info.last_error_date != self.error_seen:
            self.error_seen = info.last_error_date
            log.warning("Telegram could not deliver to the webhook at %s: %s "
                        "(%d updates waiting)", info.last_error_date.isoformat(),
                        info.last_error_message, info.pending_update_count)


def register(app: LotseApp) -> None:
    """With a webhook: ask getWebhookInfo every minute (nothing to do with polling)."""
    if app.bot_data.settings.webhook_url and app.job_queue is not None:
        app.job_queue.run_repeating(WebhookWatch().check, interval=WEBHOOK_INFO_EVERY,
                                    first=WEBHOOK_INFO_EVERY, name="webhook-info")
