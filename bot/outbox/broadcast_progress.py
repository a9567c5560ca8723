"""The live progress of a broadcast in its sender's status message, and its final report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from bot.outbox.queue import Rendered
from models import Broadcast, BroadcastState, Caseworker, OutboxMessage, OutboxState
from models.session import unit_of_work

if TYPE_CHECKING:
    from bot.outbox.dispatcher import Dispatcher

log = logging.getLogger("lotse.broadcasts")
STOP_PREFIX = "bcx"  # the "stop sending" button: bcx:<broadcast id>
_OPEN = (OutboxState.PENDING, OutboxState.SENDING, OutboxState.UNCERTAIN)


@dataclass(frozen=True)
class Progress:
    total: int
    delivered: int
    blocked: int
    failed: int  # failed or expired
    not_sent: int  # cancelled
    open: int  # still to be sent


async def progress_of(session: AsyncSession, broadcast_id: int) -> Progress:
    counts = dict((await session.execute(
        select(OutboxMessage.state, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.state)
    )).all())
    return Progress(
        total=sum(counts.values()),
        delivered=counts.get(OutboxState.SENT, 0),
        blocked=counts.get(OutboxState.BLOCKED, 0),
        failed=counts.get(OutboxState.FAILED, 0) + counts.get(OutboxState.EXPIRED, 0),
        not_sent=counts.get(OutboxState.CANCELLED, 0),
        open=sum(counts.get(state, 0) for state in _OPEN),
    )


async def finish_if_done(
    session: AsyncSession, broadcast: Broadcast, progress: Progress, *, now: datetime
) -> bool:
    """Mark the broadcast finished once nothing is left to send; True only the first time."""
    if progress.open or broadcast.finished_at is not None:
        return False
    result = await session.execute(
        update(Broadcast)
        .where(Broadcast.id == broadcast.id, Broadcast.finished_at.is_(None))
        .values(finished_at=now, state=(
            BroadcastState.CANCELLED if broadcast.state is BroadcastState.CANCELLED
            else BroadcastState.DONE))
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def status_message(t: Translator, broadcast: Broadcast, progress: Progress, *, finished: bool
                   ) -> Rendered:
    """The status text; while sending it carries the button that stops the broadcast."""
    numbers = dict(delivered=progress.delivered, total=progress.total,
                   blocked=progress.blocked, failed=progress.failed)
    if broadcast.state is BroadcastState.CANCELLED:
        if not finished:
            return Rendered(t._("Stopping the announcement …"))
        return Rendered(t._(
            "Announcement stopped: %(delivered)s delivered, %(blocked)s blocked the bot, "
            "%(failed)s failed, %(not_sent)s not sent.", not_sent=progress.not_sent, **numbers))
    if finished:
        return Rendered(t._(
            "Announcement sent: %(delivered)s of %(total)s delivered, %(blocked)s blocked the "
            "bot, %(failed)s failed.", **numbers))
    return Rendered(
        t._("Sending the announcement: %(delivered)s of %(total)s delivered so far, "
            "%(blocked)s blocked the bot, %(failed)s failed.", **numbers),
        buttons=[[(t._("Stop sending"), f"{STOP_PREFIX}:{broadcast.id}")]],
    )


class ProgressReporter:
    """A dispatcher hook: edits status messages at most every few seconds, and at the end."""

    def __init__(self, dispatcher: Dispatcher) -> None:
        self.dispatcher = dispatcher
        self._shown: dict[int, tuple[float, str]] = {}  # broadcast id: (when, text)

    async def __call__(self) -> None:
        dispatcher = self.dispatcher
        now = dispatcher.limiter.monotonic()
        edits: list[tuple[int, int, Rendered]] = []
        async with unit_of_work(dispatcher.sessions) as session:
            rows = (await session.execute(
                select(Broadcast, Caseworker.language)
                .outerjoin(Caseworker, Caseworker.id == Broadcast.created_by_id)
                .where(Broadcast.finished_at.is_(None))
            )).all()
            for broadcast, language in rows:
                progress = await progress_of(session, broadcast.id)
                finished = await finish_if_done(session, broadcast, progress,
                                                 now=dispatcher.clock())
                shown_at, shown = self._shown.get(broadcast.id, (float("-inf"), ""))
                if not finished and now - shown_at < dispatcher.config.progress_every:
                    continue
                t = Translator(language or "de", dispatcher.timezone)
                message = status_message(t, broadcast, progress, finished=finished)
                if finished:
                    self._shown.pop(broadcast.id, None)
                else:
                    self._shown[broadcast.id] = (now, message.text)
                if message.text != shown and broadcast.status_message_id is not None:
                    assert broadcast.status_chat_id is not None
                    edits.append((broadcast.status_chat_id, broadcast.status_message_id, message))
        for chat_id, message_id, message in edits:
            result = await dispatcher.edit(chat_id, message_id, message)
            if result.message_id is None:
                log.info("broadcast status not updated: %s", result.detail)
