"""Pacing for the one sending path: Telegram's limits, owned by us rather than by PTB.

At most ``per_second`` messages in any second and one message per chat every
``per_chat_interval`` seconds. A slot is counted from the moment Telegram *answered* the
previous send, not from when we started it: Telegram counts a message somewhere in between,
so this is the rule that provably never exceeds the limit, whatever the network latency.
Sends are also spread evenly (1/``per_second`` apart) instead of leaving in bursts, which
keeps the number of messages in flight, and so the duplicates a crash can cause, small.
After a ``RetryAfter`` only the outbox pauses; direct replies to users never pass through here.
"""

from __future__ import annotations

import asyncio
import enum
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

from bot.outbox import Rendered


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # flood limit: wait ``retry_after`` seconds, then again
    TRANSIENT = "transient"  # network error or 5xx: certainly not delivered, retry later
    UNCERTAIN = "uncertain"  # timed out after sending: maybe delivered
    BLOCKED = "blocked"  # Forbidden: the user blocked the bot (or deleted the account)
    REJECTED = "rejected"  # BadRequest: retrying cannot help
    DEFERRED = "deferred"  # not tried: the outbox is paused for longer than a batch may wait


class Deferred(Exception):
    """The outbox is paused for ``seconds`` more: put the message back instead of waiting."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"the outbox is paused for {seconds:.0f} s after a flood limit")
        self.seconds = seconds


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


class Pacer:
    """Admits one send at a time per chat and ``per_second`` sends per second overall."""

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        per_chat_interval: float = 1.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        max_pause_wait: float = 5.0,
    ) -> None:
        self.capacity = max(1, int(per_second))
        self.window = self.capacity / per_second
        self.per_chat_interval = per_chat_interval
        self.monotonic = monotonic
        self.sleep = sleep
        self.max_pause_wait = max_pause_wait  # longer pauses raise Deferred (quick shutdown)
        self._done: deque[float] = deque()  # answer times of recent sends, oldest first
        self._in_flight = 0
        self._busy_chats: set[int] = set()
        self._chat_free_at: dict[int, float] = {}
        self._paused_until = 0.0
        self._next_start = 0.0  # sends are spread evenly, not fired in bursts
        self._released = asyncio.Event()

    @property
    def paused(self) -> bool:
        return self.monotonic() < self._paused_until

    def pause(self, seconds: float) -> None:
        """Hold every outbox send for ``seconds`` (Telegram's RetryAfter)."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    @asynccontextmanager
    async def slot(self, chat_id: int) -> AsyncIterator[None]:
        """Wait until a message to ``chat_id`` may go out; hold the slot while it is sent.

        Raises :class:`Deferred` instead of waiting out a long flood pause.
        """
        await self._acquire(chat_id)
        try:
            yield
        finally:
            self._release(chat_id)

    async def _acquire(self, chat_id: int) -> None:
        while True:
            now = self.monotonic()
            if self._paused_until - now > self.max_pause_wait:
                raise Deferred(self._paused_until - now)
            wait = self._wait(now, chat_id)
            if wait is None:
                self._in_flight += 1
                self._busy_chats.add(chat_id)
                self._next_start = now + self.window / self.capacity
                return
            if wait > 0:
                await self.sleep(wait)
            else:  # only an answer to a send in flight can free the slot
                released = self._released
                await released.wait()

    def _wait(self, now: float, chat_id: int) -> float | None:
        """Seconds until a slot could be free (0: after the next answer), None: free now."""
        if now < self._paused_until:
            return self._paused_until - now
        if now < self._next_start:
            return self._next_start - now
        if chat_id in self._busy_chats:
            return 0.0
        free_at = self._chat_free_at.get(chat_id, now)
        if free_at > now:
            return free_at - now
        while self._done and self._done[0] + self.window <= now:
            self._done.popleft()
        if self._in_flight + len(self._done) < self.capacity:
            return None
        return self._done[0] + self.window - now if self._done else 0.0

    def _release(self, chat_id: int) -> None:
        now = self.monotonic()
        self._in_flight -= 1
        self._busy_chats.discard(chat_id)
        self._done.append(now)
        self._chat_free_at[chat_id] = now + self.per_chat_interval
        if len(self._chat_free_at) > 10_000:  # forget chats whose interval has passed
            self._chat_free_at = {c: t for c, t in self._chat_free_at.items() if t > now}
        released, self._released = self._released, asyncio.Event()
        released.set()
