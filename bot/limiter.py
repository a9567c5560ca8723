"""One budget for every Bot API request: Telegram's flood limits, with people first.

Telegram lets a bot send about 30 messages per second overall, about one per second into one
chat (a short burst of a few is tolerated) and 20 per minute into a group. Every request that
goes to a chat — replies, edits, documents, outbox sends, progress edits — takes a slot here;
requests without a chat (callback answers, menu set-up) take none, but they too wait out a
flood pause, because Telegram's flood limit is per bot. Slots go by priority:

* ``URGENT``: answers to callback queries (the person sees a spinner until then);
* ``REPLY``: whatever a handler sends to a person who is waiting;
* ``BACKGROUND``: outbox sends and progress edits, spread evenly over the second.

Both budgets are token buckets (GCRA), Telegram's model of "N a second, short bursts
tolerated", advanced at *answer* times: Telegram counts a request at some moment between our
start and its answer, so this can never exceed its limit whatever the network latency, and
latency costs no throughput. Overall: ``per_second`` with a burst of ``burst`` (counting the
requests in flight as if they all arrived at once); per chat: one request in flight at a time
(so answers keep their order) and ``chat_rate`` with a burst of ``chat_burst``;
replies may use the bucket's burst, background messages keep strictly to the steady rate.

The limiter knows nothing of Telegram's library: ``handlers/rate_limit.py`` installs it as the
Application's rate limiter, and tests drive it on a virtual clock.
"""

from __future__ import annotations

import asyncio
import enum
import itertools
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Any


class Priority(enum.IntEnum):
    URGENT = 0
    REPLY = 1
    BACKGROUND = 2


class Deferred(Exception):
    """The bot is paused for ``seconds`` more: put the message back instead of waiting."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"sending is paused for {seconds:.0f} s after a flood limit")
        self.seconds = seconds


@dataclass(eq=False)
class _Waiter:
    priority: Priority
    seq: int
    chat_id: int | None
    max_pause_wait: float | None
    future: asyncio.Future[None] = field(repr=False)

    @property
    def order(self) -> tuple[int, int]:
        return self.priority, self.seq


class FloodLimiter:
    """Grants request slots within Telegram's limits, highest priority first."""

    def __init__(
        self,
        *,
        per_second: float = 30.0,
        burst: int | None = None,
        chat_rate: float = 1.0,
        chat_burst: int = 3,
        group_per_minute: float = 20.0,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.per_second = per_second
        self.capacity = max(1, int(burst or per_second))  # requests at once, at most
        self.interval = 1.0 / per_second
        self.tolerance = (self.capacity - 1) * self.interval
        self.chat_interval = 1.0 / chat_rate
        self.chat_tolerance = (max(1, chat_burst) - 1) * self.chat_interval
        self.group_interval = 60.0 / group_per_minute
        self.monotonic = monotonic
        self.sleep = sleep
        self._seq = itertools.count()
        self._waiters: list[_Waiter] = []
        self._in_flight = 0
        self._tat = -math.inf  # overall GCRA "theoretical arrival time", from answers
        self._busy: set[int] = set()  # chats with a request in flight
        self._chat_tat: dict[int, float] = {}  # per chat: the same, per chat
        self._paused_until = 0.0
        self._next_background = 0.0
        self._changed = asyncio.Event()
        self._pump: asyncio.Task[None] | None = None

    # -- what callers use ---------------------------------------------------------------------

    @property
    def paused(self) -> bool:
        return self.monotonic() < self._paused_until

    @property
    def paused_until(self) -> float:
        """When the last flood pause ends (on this limiter's monotonic clock)."""
        return self._paused_until

    def paused_for(self) -> float:
        """Seconds left of a flood pause (0 when none)."""
        return max(0.0, self._paused_until - self.monotonic())

    def pause(self, seconds: float) -> None:
        """Hold every request for ``seconds`` (Telegram answered RetryAfter)."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)
        self._changed.set()

    @asynccontextmanager
    async def slot(
        self, chat_id: int | None, priority: Priority = Priority.REPLY, *,
        max_pause_wait: float | None = None,
    ) -> AsyncIterator[None]:
        """Wait for a slot for one request to ``chat_id``; hold it until the answer is in.

        Raises :class:`Deferred` instead of waiting out a flood pause longer than
        ``max_pause_wait`` seconds (the outbox puts its message back then).
        """
        await self._acquire(chat_id, priority, max_pause_wait)
        try:
            yield
        finally:
            if chat_id is not None:
                self._release(chat_id)

    # -- granting -----------------------------------------------------------------------------

    async def _acquire(self, chat_id: int | None, priority: Priority,
                       max_pause_wait: float | None) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = _Waiter(priority, next(self._seq), chat_id, max_pause_wait, future)
        self._waiters.append(waiter)
        if len(self._waiters) == 1:
            # Nobody else waits: decide now, as the pump would, without waking it.
            self._grant(self.monotonic())
        if not future.done():
            self._kick()
        try:
            await future
        except asyncio.CancelledError:
            granted = future.done() and not future.cancelled() and future.exception() is None
            if granted and chat_id is not None:  # granted just as the caller gave up
                self._release(chat_id)
            raise
        finally:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                self._kick_if_waiting()

    def _kick_if_waiting(self) -> None:
        """Wake the pump when someone waits; with nobody waiting a new one has nothing to
        grant, and a sleeping one is only woken to end."""
        if self._waiters:
            self._kick()
        elif self._pump is not None and not self._pump.done():
            self._changed.set()

    def _kick(self) -> None:
        self._changed.set()
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._run(), name="flood-limiter")

    async def _run(self) -> None:
        """Grant what may go; sleep until the earliest change in time, or until an answer."""
        while self._waiters:
            self._changed.clear()
            wait = self._grant(self.monotonic())
            if not self._waiters or self._changed.is_set():
                continue
            waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._changed.wait())}
            if wait is not None:
                waits.add(asyncio.ensure_future(self.sleep(wait)))
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in waits:
                    task.cancel()
                    with suppress(asyncio.CancelledError):
                        await task

    def _grant(self, now: float) -> float | None:
        """Grant waiters in priority order; return seconds until the next change in time."""
        in_flight = self._in_flight
        wake = math.inf
        background_spaced = full = False
        for waiter in sorted(self._waiters, key=lambda w: w.order):
            if waiter.future.done():
                continue
            if now < self._paused_until:
                rest = self._paused_until - now
                if waiter.max_pause_wait is not None and rest > waiter.max_pause_wait:
                    waiter.future.set_exception(Deferred(rest))
                else:
                    wake = min(wake, self._paused_until)
                continue
            chat = waiter.chat_id
            if chat is None:  # costs no message: callback answers, menus
                waiter.future.set_result(None)
                continue
            if chat in self._busy:
                continue  # the answer in flight frees it
            background = waiter.priority is Priority.BACKGROUND
            ready = self._chat_tat.get(chat, -math.inf) - self._tolerance(chat, background)
            if ready > now:
                wake = min(wake, ready)
                continue
            if background and (background_spaced or now < self._next_background):
                background_spaced = True
                wake = min(wake, self._next_background)
                continue
            # All in flight might reach Telegram at the same moment as this one: count them.
            due = self._tat + in_flight * self.interval - self.tolerance
            if full or in_flight >= self.capacity or due > now:
                full = True  # nobody of lower priority takes what a higher one waits for
                if in_flight < self.capacity:
                    wake = min(wake, due)
                continue
            in_flight += 1
            self._in_flight += 1
            self._busy.add(chat)
            if background:
                self._next_background = now + 1.0 / self.per_second
            waiter.future.set_result(None)
        return None if wake == math.inf else max(wake - now, 0.001)

    def _release(self, chat_id: int) -> None:
        now = self.monotonic()
        self._in_flight -= 1
        self._tat = max(self._tat, now) + self.interval
        self._busy.discard(chat_id)
        interval = self.group_interval if chat_id < 0 else self.chat_interval
        self._chat_tat[chat_id] = max(self._chat_tat.get(chat_id, now), now) + interval
        if len(self._chat_tat) > 10_000:  # forget chats whose bucket is full again
            self._chat_tat = {c: t for c, t in self._chat_tat.items() if t > now}
        self._kick_if_waiting()

    def _tolerance(self, chat_id: int, background: bool) -> float:
        """How far ahead of the steady rate a request may be: a person's burst of replies may
        be; background messages to one chat (and anything to a group) go strictly paced."""
        return 0.0 if chat_id < 0 or background else self.chat_tolerance
