"""What feeds the metrics on every update and every Bot API request; cheap by design.

Per update: one counter increment and one histogram observation (no database work). Per
request: two clock readings when Telegram answers 2xx.
"""

from __future__ import annotations

import time
from typing import Any

from telegram import MessageEntity, Update
from telegram.ext import Application
from telegram.request import HTTPXRequest, RequestData

from bot.monitoring.metrics import ApiCalls
from handlers.context import BotData, LotseBot, LotseContext


def update_kind(update: object) -> str:
    """``command`` (a message starting with a bot command), ``message``, ``callback_query``
    or ``other`` (edits, member changes …)."""
    if not isinstance(update, Update):
        return "other"
    if update.callback_query is not None:
        return "callback_query"
    message = update.message
    if message is None:
        return "other"
    entities = message.entities
    if entities and entities[0].offset == 0 and entities[0].type == MessageEntity.BOT_COMMAND:
        return "command"
    return "message"


class MonitoredApplication(
    Application[LotseBot, LotseContext, dict[Any, Any], dict[Any, Any], BotData, Any]
):
    """The Application, timing and counting every update it processes.

    The time runs from the start of the update's processing to the end of its last handler,
    so it includes the replies (handlers await them) and any work done after them.
    """

    async def process_update(self, update: object) -> None:
        started = time.perf_counter()
        try:
            await super().process_update(update)
        finally:
            self.bot_data.metrics.count_update(update_kind(update),
                                               time.perf_counter() - started)


class RecordingRequest(HTTPXRequest):
    """PTB's HTTP transport, noting when Telegram last answered successfully.

    It carries every Bot API request, getUpdates included (which the rate limiter never
    sees), so the ``telegram`` health check also works while the bot is idle with polling.
    """

    def __init__(self, calls: ApiCalls, *, connection_pool_size: int) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self.calls = calls

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None,
        read_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        write_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        connect_timeout: Any = HTTPXRequest.DEFAULT_NONE,
        pool_timeout: Any = HTTPXRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        code, payload = await super().do_request(
            url, method, request_data, read_timeout=read_timeout, write_timeout=write_timeout,
            connect_timeout=connect_timeout, pool_timeout=pool_timeout)
        if 200 <= code < 300:
            self.calls.succeeded()
        return code, payload
