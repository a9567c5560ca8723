"""What one outbox send came to, and the transport that reports it.

The transport (``handlers/dispatch.py``) sends through the one rate limiter of the process
(:mod:`bot.limiter`), at background priority, and turns Telegram's answers into outcomes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from bot.outbox.queue import Rendered


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood limit: wait ``retry_after`` seconds, then again
    TRANSIENT = "transient"  # network error or 5xx: certainly not delivered, retry later
    UNCERTAIN = "uncertain"  # timed out after sending: maybe delivered
    BLOCKED = "blocked"  # Forbidden: the user blocked the bot (or deleted the account)
    REJECTED = "rejected"  # BadRequest: retrying cannot help
    DEFERRED = "deferred"  # not tried: the outbox is paused for longer than a batch may wait


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    detail: str = ""
    retry_after: float = 0.0
    message_id: int | None = None


class Transport(Protocol):
    """Talks to the Bot API and reports what happened, never raising for API errors."""

    async def send(self, chat_id: int, message: Rendered) -> SendResult: ...

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> SendResult: ...
