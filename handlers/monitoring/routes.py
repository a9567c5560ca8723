"""The HTTP endpoints: ``/healthz``, ``/metrics`` and, in webhook mode, Telegram's webhook."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging

import tornado.web
from prometheus_client import CONTENT_TYPE_LATEST
from telegram import Update

from bot.monitoring.health import DATABASE_TIMEOUT, check_health
from bot.monitoring.outbox_figures import OutboxFigures, outbox_figures
from handlers.context import LotseApp

log = logging.getLogger("lotse.http")
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class HealthHandler(tornado.web.RequestHandler):
    """200 if every check passes, else 503; one line per check, failures named."""

    def initialize(self, app: LotseApp) -> None:
        self.app = app

    async def get(self) -> None:
        data = self.app.bot_data
        checks = await check_health(data.sessions, data.api_calls, now=data.clock)
        self.set_status(200 if all(check.ok for check in checks) else 503)
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish("".join(check.line() + "\n" for check in checks))


class MetricsHandler(tornado.web.RequestHandler):
    """Prometheus' text format; the outbox figures are read from the database now."""

    def initialize(self, app: LotseApp) -> None:
        self.app = app

    async def get(self) -> None:
        data = self.app.bot_data
        figures: OutboxFigures | None = None
        if data.sessions is not None:
            try:
                async with data.sessions() as session:
                    figures = await asyncio.wait_for(
                        outbox_figures(session, now=data.clock()), DATABASE_TIMEOUT)
            except Exception as exc:  # the counters are still worth serving
                log.warning("metrics: outbox figures not read (%s)", type(exc).__name__)
        body = data.metrics.exposition(figures, data.api_calls)
        self.set_header("Content-Type", CONTENT_TYPE_LATEST)
        self.finish(body)


class WebhookHandler(tornado.web.RequestHandler):
    """Telegram posts updates here; the secret token is checked before anything is read.

    An accepted update is queued for the Application (answered 200 at once); the server stops
    accepting before the Application stops, so every accepted update is processed.
    """

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, app: LotseApp, secret: str) -> None:
        self.app, self.secret = app, secret.encode()

    async def post(self) -> None:
        token = self.request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(token, self.secret):
            raise tornado.web.HTTPError(403)
        content_type = self.request.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/json":
            raise tornado.web.HTTPError(415)
        try:
            update = Update.de_json(json.loads(self.request.body), self.app.bot)
        except Exception as exc:  # never log the body: it carries people's messages
            log.warning("webhook: a request that is not an update was refused (%s)",
                        type(exc).__name__)
            raise tornado.web.HTTPError(400) from None
        self.app.bot.insert_callback_data(update)
        await self.app.update_queue.put(update)
        self.finish()
