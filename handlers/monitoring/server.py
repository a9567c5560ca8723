"""The process's HTTP server (tornado, which PTB's webhook extra brings along).

It listens on ``Settings.http_address``: ``LOTSE_LISTEN`` with a webhook (and then also
serves the webhook), else ``LOTSE_HEALTH_LISTEN``; with neither, no server. Started in
post_init, stopped before the Application stops (webhook) or at shutdown.
"""

from __future__ import annotations

import logging
import re
import weakref
from typing import Any
from urllib.parse import urlparse

import tornado.web
from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from bot.config import ConfigError
from handlers.context import LotseApp
from handlers.monitoring.routes import HealthHandler, MetricsHandler, WebhookHandler

log = logging.getLogger("lotse.http")
_servers: weakref.WeakKeyDictionary[Any, tuple[HTTPServer, int]] = weakref.WeakKeyDictionary()


class _WebApp(tornado.web.Application):
    def log_request(self, handler: tornado.web.RequestHandler) -> None:
        """No access log: a health probe every few seconds would drown the bot's own lines."""


def _web_app(app: LotseApp) -> _WebApp:
    settings = app.bot_data.settings
    routes: list[Any] = [
        (r"/healthz", HealthHandler, {"app": app}),
        (r"/metrics", MetricsHandler, {"app": app}),
    ]
    if settings.webhook_url and settings.webhook_secret:
        path = urlparse(settings.webhook_url).path.rstrip("/")
        routes.append((re.escape(path) + "/?", WebhookHandler,
                       {"app": app, "secret": settings.webhook_secret}))
    return _WebApp(routes)


async def start(app: LotseApp) -> None:
    """Listen on the configured address, if any (port 0: any free port)."""
    address = app.bot_data.settings.http_address
    if address is None or app in _servers:
        return
    host, port = address
    try:
        sockets = bind_sockets(port, address=host)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    server = HTTPServer(_web_app(app))
    server.add_sockets(sockets)
    _servers[app] = server, sockets[0].getsockname()[1]
    log.info("serving /healthz and /metrics on %s:%d", host, _servers[app][1])


def port(app: LotseApp) -> int | None:
    """The port the server listens on (the free port chosen for port 0)."""
    entry = _servers.get(app)
    return None if entry is None else entry[1]


async def stop(app: LotseApp) -> None:
    """Stop accepting requests and close the open connections (idempotent)."""
    entry = _servers.pop(app, None)
    if entry is not None:
        entry[0].stop()
        await entry[0].close_all_connections()
