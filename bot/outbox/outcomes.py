"""Record what Telegram answered for each sent outbox message (the retry policy lives here).

sent → sent · BadRequest → failed with the reason · blocked → blocked, and the person is
marked unreachable until they write again (then kinds registered with ``redeliver``, such as
a client's message relayed to a caseworker, are sent again) · network error or 5xx → pending
again after a doubling backoff, failed after ``max_attempts`` · timed out → uncertain, retried
once · deferred during a long flood pause → pending again, no attempt counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import DispatchConfig
from bot.outbox.queue import REDELIVER
from bot.outbox.sender import Outcome, SendResult
from bot.outbox.store import DueRow
from models import Caseworker, Client, OutboxMessage, OutboxState


async def record_results(
    session: AsyncSession, items: list[tuple[list[DueRow], SendResult]], *, now: datetime,
    owner: int, config: DispatchConfig,
) -> None:
    """Move the claimed rows of each result to their next state."""
    for rows, result in items:
        detail = result.detail[:300] or None
        outcome = result.outcome
        if outcome is Outcome.SENT:
            await _update(session, rows, owner, state=OutboxState.SENT, sent_at=now,
                          last_error=None)
        elif outcome is Outcome.REJECTED:
            await _update(session, rows, owner, state=OutboxState.FAILED, last_error=detail)
        elif outcome is Outcome.BLOCKED:
            await _update(session, rows, owner, state=OutboxState.BLOCKED, last_error=detail)
            await mark_unreachable(session, chat_id=rows[0].chat_id, now=now)
        elif outcome is Outcome.DEFERRED:  # not tried, so no attempt is counted
            for row in rows:
                await _update(session, [row], owner, state=OutboxState.PENDING,
                              attempts=row.attempts - 1, last_error=detail,
                              due_at=now + timedelta(seconds=result.retry_after))
        elif outcome is Outcome.UNCERTAIN:
            for row in rows:
                if row.uncertain:
                    await _update(session, [row], owner, state=OutboxState.FAILED,
                                  last_error=f"timed out twice, not retried again: {detail}")
                else:
                    await _update(session, [row], owner, state=OutboxState.UNCERTAIN,
                                  uncertain=True, due_at=now + config.uncertain_delay,
                                  last_error=f"timed out, may have been delivered: {detail}")
        else:  # TRANSIENT, or RETRY_AFTER after every round of waiting
            for row in rows:
                if row.attempts >= config.max_attempts:
                    await _update(session, [row], owner, state=OutboxState.FAILED,
                                  last_error=f"gave up after {row.attempts} attempts: {detail}")
                else:
                    await _update(session, [row], owner, state=OutboxState.PENDING,
                                  due_at=now + _delay(row.attempts, result, config),
                                  last_error=detail)


def _delay(attempts: int, result: SendResult, config: DispatchConfig) -> timedelta:
    if result.outcome is Outcome.RETRY_AFTER:
        return timedelta(seconds=result.retry_after)
    delay: timedelta = config.backoff * 2 ** max(attempts - 1, 0)
    return min(delay, config.max_backoff)


async def _update(session: AsyncSession, rows: list[DueRow], owner: int, **values: Any
                  ) -> None:
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_([row.id for row in rows]),
               OutboxMessage.state == OutboxState.SENDING, OutboxMessage.claimed_by == owner)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


async def mark_unreachable(session: AsyncSession, *, chat_id: int, now: datetime) -> None:
    """The person behind this chat blocked the bot: send them nothing until they write."""
    for model in (Client, Caseworker):
        await session.execute(
            update(model)
            .where(model.telegram_user_id == chat_id, model.unreachable_since.is_(None))
            .values(unreachable_since=now)
            .execution_options(synchronize_session=False)
        )


async def mark_reachable(session: AsyncSession, *, telegram_id: int) -> None:
    """They wrote to the bot again, so they have unblocked it: messages may go again."""
    for model in (Client, Caseworker):
        # Read first: most updates come from reachable people, and a read takes no write lock.
        flagged = model.telegram_user_id == telegram_id, model.unreachable_since.is_not(None)
        if await session.scalar(select(model.id).where(*flagged)) is not None:
            await session.execute(
                update(model).where(*flagged).values(unreachable_since=None)
                .execution_options(synchronize_session=False)
            )
            await session.execute(  # what must not be lost goes again (e.g. relays)
                update(OutboxMessage)
                .where(OutboxMessage.chat_id == telegram_id,
                       OutboxMessage.state == OutboxState.BLOCKED,
                       OutboxMessage.kind.in_(sorted(REDELIVER)))
                .values(state=OutboxState.PENDING, last_error=None)
                .execution_options(synchronize_session=False)
            )
