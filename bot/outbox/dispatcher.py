"""The outbox dispatcher: sends due rows through the one paced sending path.

Woken every few seconds by a JobQueue job (handlers/dispatch.py). Each batch claims at most
one message per chat, renders it in the recipient's current language, sends it through the
:class:`~bot.limiter.FloodLimiter` (at background priority: people's replies go first) and
records the result at once (group commits), so that at any
moment only the sends in flight can be unrecorded. Nothing is retried forever.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.config import DispatchConfig
from bot.limiter import FloodLimiter
from bot.outbox.compose import Part, compose
from bot.outbox.outcomes import record_results
from bot.outbox.queue import Rendered
from bot.outbox.sender import Outcome, SendResult, Transport
from bot.outbox.store import DueRow, QuietHours, claim_due, holding_claims, recover
from models.session import unit_of_work

log = logging.getLogger("lotse.dispatcher")


@dataclass
class _InFlight:
    key: str
    done: asyncio.Event = field(default_factory=asyncio.Event)


Hook = Callable[[], Awaitable[None]]


def _ignore(outcome: str) -> None:
    """No one is counting (tests that build a Dispatcher of their own)."""


class Dispatcher:
    """Claims, renders, paces, sends and records outbox messages of one process."""

    def __init__(
        self, *, engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession],
        transport: Transport, timezone: ZoneInfo, clock: Callable[[], datetime],
        config: DispatchConfig | None = None, limiter: FloodLimiter | None = None,
        on_send: Callable[[str], None] | None = None,
    ) -> None:
        self.config = config or DispatchConfig()
        self.engine, self.sessions, self.transport = engine, sessions, transport
        self.timezone, self.clock = timezone, clock
        self.quiet = QuietHours(timezone, self.config.quiet_start, self.config.quiet_end)
        # The one budget of the process: the transport's requests pass it (at background
        # priority); the dispatcher looks at it only to see whether a flood pause holds.
        self.limiter = limiter or FloodLimiter(per_second=self.config.per_second)
        self.owner = secrets.randbelow(2**31 - 2) + 1  # fits PostgreSQL's advisory lock key
        self.hooks: list[Hook] = []  # run after every batch, e.g. broadcast progress
        # told every send attempt's outcome (the metrics count them by outcome)
        self.on_send: Callable[[str], None] = on_send or _ignore
        self.in_flight: dict[int, _InFlight] = {}
        self.draining = False
        self._again = False
        self._drained = asyncio.Event()
        self._results: list[tuple[list[DueRow], SendResult]] = []
        self._record_lock = asyncio.Lock()

    async def recover(self) -> int:
        """Resolve rows left ``sending`` by a crash (ours or a dead peer's)."""
        async with unit_of_work(self.sessions) as session:
            count = await recover(session, now=self.clock(), owner=self.owner,
                                  in_flight=list(self.in_flight),
                                  retry_delay=self.config.uncertain_delay)
        if count:
            log.warning("%d outbox messages were interrupted while sending: retried once", count)
        return count

    async def drain(self, should_stop: Callable[[], bool] = lambda: False) -> int:
        """Send batches until nothing is due; a wake-up during the drain adds a round.

        A caller who finds a drain under way asks it for one more round and waits for its end,
        so that when this returns, everything due at the call has been tried.
        """
        if self.draining:
            self._again = True
            await self._drained.wait()
            return 0
        self.draining, handled = True, 0
        self._drained.clear()
        try:
            await self.recover()
            while not should_stop():
                self._again = False
                count = await self.run_batch()
                handled += count
                await self._run_hooks()
                if not count and not self._again:
                    break
        finally:
            self.draining = False
            self._drained.set()
        return handled

    async def deliver_now(self, keys: Iterable[str]) -> None:
        """Send these messages at once if the limits allow (e.g. a notification)."""
        keys = list(keys)
        if self.limiter.paused:
            return  # the dispatcher sends them after the pause
        await self.run_batch(keys=keys)
        for flight in [f for f in self.in_flight.values() if f.key in keys]:
            await flight.done.wait()

    async def run_batch(self, *, keys: Iterable[str] | None = None) -> int:
        """Claim one batch and send it; return how many rows were sent or settled."""
        async with holding_claims(self.engine, self.owner):
            claimed: list[int] = []
            try:
                async with unit_of_work(self.sessions) as session:
                    claim = await claim_due(session, now=self.clock(), owner=self.owner,
                                            limit=self.config.batch_size, quiet=self.quiet,
                                            keys=keys)
                    for row in claim.rows:  # before the commit makes them visible as ours
                        self.in_flight[row.id] = _InFlight(row.key)
                        claimed.append(row.id)
            except BaseException:  # not committed: nothing of this batch is in flight
                for id_ in claimed:
                    self.in_flight.pop(id_, None)
                raise
            chats: dict[int, list[DueRow]] = {}
            for row in claim.rows:
                chats.setdefault(row.chat_id, []).append(row)
            # Every send of the batch ends (and is recorded) before the claims are released.
            outcomes = await asyncio.gather(
                *(self._deliver(chat, rows) for chat, rows in chats.items()),
                return_exceptions=True,
            )
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome
        return claim.settled + len(claim.rows)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> SendResult:
        """Edit a status message through the same limiter (broadcast progress)."""
        return await self.transport.edit(chat_id, message_id, message)

    async def _deliver(self, chat_id: int, rows: list[DueRow]) -> None:
        blocked: SendResult | None = None
        for part in compose(rows, self.timezone):
            if part.error is not None:
                result = SendResult(Outcome.REJECTED, part.error)
            elif blocked is not None:
                result = blocked
            else:
                result = await self._send(chat_id, part)
                if result.outcome is Outcome.BLOCKED:
                    blocked = result
            await self._record(part.rows, result)

    async def _send(self, chat_id: int, part: Part) -> SendResult:
        assert part.message is not None
        result, flooded = SendResult(Outcome.TRANSIENT, "not sent"), False
        for _ in range(self.config.retry_after_rounds):
            try:
                result = await self.transport.send(chat_id, part.message)
            except Exception as exc:  # a bug must not leave the rows claimed
                log.exception("sending outbox message failed")
                result = SendResult(Outcome.TRANSIENT, f"{type(exc).__name__}: {exc}")
            self.on_send(result.outcome.value)
            if result.outcome is Outcome.DEFERRED:  # a 429 of our own counts as an attempt
                outcome = Outcome.RETRY_AFTER if flooded else Outcome.DEFERRED
                return SendResult(outcome, result.detail, retry_after=result.retry_after)
            if result.outcome is not Outcome.RETRY_AFTER:
                return result
            flooded = True  # the limiter pauses every request for the time Telegram named
        return result

    async def _record(self, rows: list[DueRow], result: SendResult) -> None:
        """Commit results as soon as possible, several senders' results in one commit."""
        self._results.append((rows, result))
        async with self._record_lock:
            if not self._results:
                return  # an earlier commit took ours along
            items, self._results = self._results, []
            try:
                async with unit_of_work(self.sessions) as session:
                    await record_results(session, items, now=self.clock(), owner=self.owner,
                                         config=self.config)
            finally:  # unrecorded rows stay "sending": the next drain resolves them
                for done_rows, _ in items:
                    for row in done_rows:
                        flight = self.in_flight.pop(row.id, None)
                        if flight is not None:
                            flight.done.set()

    async def _run_hooks(self) -> None:
        for hook in self.hooks:
            try:
                await hook()
            except Exception:
                log.exception("outbox hook failed")
