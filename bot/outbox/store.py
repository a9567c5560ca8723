"""The dispatcher's database side: claim due outbox rows, record results, resolve crashes.

A claim turns due rows into ``sending`` with our owner id. On PostgreSQL the rows are
selected ``FOR UPDATE SKIP LOCKED`` and every dispatcher holds a shared advisory lock on its
owner id while it has claimed rows, so a peer can tell a crashed owner from a live one. SQLite
means a single process: any ``sending`` row that is not ours at start was left by a crash.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.i18n import FALLBACK_LANGUAGE
from models import OPEN_STATES, Caseworker, Client, OutboxMessage, OutboxState

OPEN = OPEN_STATES
LOCK_NAMESPACE = 0x4C6F  # advisory lock namespace of the outbox dispatchers ("Lo")
UNREACHABLE = "the recipient has blocked the bot"


@dataclass(frozen=True)
class DueRow:
    """A claimed outbox row, with the recipient's current language."""

    id: int
    key: str
    chat_id: int
    kind: str
    params: dict[str, Any]
    due_at: datetime
    attempts: int  # including the attempt under way
    uncertain: bool
    language: str
    broadcast_id: int | None


@dataclass
class Claim:
    rows: list[DueRow] = field(default_factory=list)
    settled: int = 0  # rows expired, deferred to the morning or blocked without sending


@dataclass(frozen=True)
class QuietHours:
    """No non-urgent message between ``start`` and ``end`` local time."""

    timezone: ZoneInfo
    start: time = time(21)
    end: time = time(7)

    def ends_after(self, now: datetime) -> datetime | None:
        """When the quiet time around ``now`` ends, or None if ``now`` is not quiet."""
        local = now.astimezone(self.timezone)
        if self.end <= local.time() < self.start:
            return None
        day = local.date() + timedelta(days=1 if local.time() >= self.start else 0)
        return datetime.combine(day, self.end, tzinfo=self.timezone).astimezone(UTC)


@asynccontextmanager
async def holding_claims(engine: AsyncEngine, owner: int) -> AsyncIterator[None]:
    """Show peers that ``owner`` is alive while it holds claimed rows (PostgreSQL only)."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.connect() as connection:
        await connection.execute(select(func.pg_advisory_lock_shared(LOCK_NAMESPACE, owner)))
        await connection.commit()
        try:
            yield
        finally:
            await connection.execute(
                select(func.pg_advisory_unlock_shared(LOCK_NAMESPACE, owner))
            )
            await connection.commit()


async def claim_due(
    session: AsyncSession, *, now: datetime, owner: int, limit: int, quiet: QuietHours,
    keys: Iterable[str] | None = None,
) -> Claim:
    """Claim up to ``limit`` messages, at most one per chat, and settle what must not go.

    Rows of one chat due in the same minute are claimed together, to go out as one message.
    """
    minute_end = now.replace(second=0, microsecond=0) + timedelta(minutes=1)
    # Reminders and notifications go before the backlog of a large broadcast.
    order = (OutboxMessage.broadcast_id.is_not(None), OutboxMessage.due_at, OutboxMessage.id)
    due = (
        select(OutboxMessage.id, OutboxMessage.key, OutboxMessage.chat_id, OutboxMessage.kind,
               OutboxMessage.params, OutboxMessage.due_at, OutboxMessage.expires_at,
               OutboxMessage.urgent, OutboxMessage.attempts, OutboxMessage.uncertain,
               OutboxMessage.broadcast_id, OutboxMessage.client_id,
               OutboxMessage.caseworker_id)
        .where(OutboxMessage.state.in_(OPEN), OutboxMessage.due_at < minute_end)
        .order_by(*order).limit(limit * 4)
    )
    if keys is not None:
        due = due.where(OutboxMessage.key.in_(list(keys)))
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # The due rows are chosen (and locked) first, then joined to their recipients: among
    # millions of outbox rows the planner cannot tell how few are due, and would otherwise
    # hash every client for them.
    rows = due.subquery()
    query = (
        select(rows.c.id, rows.c.key, rows.c.chat_id, rows.c.kind, rows.c.params,
               rows.c.due_at, rows.c.expires_at, rows.c.urgent, rows.c.attempts,
               rows.c.uncertain, rows.c.broadcast_id, Client.language,
               Client.unreachable_since, Caseworker.language, Caseworker.unreachable_since)
        .outerjoin(Client, Client.id == rows.c.client_id)
        .outerjoin(Caseworker, Caseworker.id == rows.c.caseworker_id)
        .order_by(rows.c.broadcast_id.is_not(None), rows.c.due_at, rows.c.id)
    )
    quiet_until = quiet.ends_after(now)
    expired, deferred, blocked = [], [], []
    groups: dict[tuple[int, datetime], list[DueRow]] = {}
    ready: set[tuple[int, datetime]] = set()
    for (id_, key, chat_id, kind, params, due_at, expires_at, urgent, attempts, uncertain,
         broadcast_id, client_language, client_gone, staff_language, staff_gone,
         ) in (await session.execute(query)).all():
        if expires_at is not None and expires_at <= now:
            expired.append(id_)
            continue
        if client_gone is not None or staff_gone is not None:
            if due_at <= now:
                blocked.append(id_)
            continue
        if quiet_until is not None and not urgent:
            if due_at > now:
                continue
            if expires_at is not None and expires_at <= quiet_until:
                expired.append(id_)
            else:
                deferred.append(id_)
            continue
        language = (client_language or staff_language or params.get("language")
                    or FALLBACK_LANGUAGE)
        group = (chat_id, due_at.replace(second=0, microsecond=0))
        groups.setdefault(group, []).append(DueRow(  # attempts: counting this one
            id_, key, chat_id, kind, params, due_at, attempts + 1, uncertain, language,
            broadcast_id))
        if due_at <= now:
            ready.add(group)
    chosen: dict[int, list[DueRow]] = {}
    for group in sorted(ready, key=lambda g: min(r.due_at for r in groups[g])):
        if group[0] not in chosen and len(chosen) < limit:
            chosen[group[0]] = groups[group]
    claim = Claim(settled=len(expired) + len(deferred) + len(blocked))
    await _set(session, expired, state=OutboxState.EXPIRED)
    await _set(session, blocked, state=OutboxState.BLOCKED, last_error=UNREACHABLE)
    if quiet_until is not None:
        await _set(session, deferred, due_at=quiet_until)
    wanted = [row for rows in chosen.values() for row in rows]
    if wanted:
        result = await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in wanted]),
                   OutboxMessage.state.in_(OPEN))
            .values(state=OutboxState.SENDING, claimed_at=now, claimed_by=owner,
                    attempts=OutboxMessage.attempts + 1)
            .returning(OutboxMessage.id)
        )
        claimed = set(result.scalars().all())
        claim.rows = [row for row in wanted if row.id in claimed]
    return claim


async def _set(session: AsyncSession, ids: list[int], **values: Any) -> None:
    if ids:
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.state.in_(OPEN))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


async def recover(
    session: AsyncSession, *, now: datetime, owner: int, in_flight: Iterable[int],
    retry_delay: timedelta,
) -> int:
    """Resolve rows left ``sending`` by a crashed dispatcher (or a failed batch of ours).

    Such a send may have reached Telegram, which has no idempotency key: the row becomes
    ``uncertain`` and is retried once after ``retry_delay``; the second time it fails.
    """
    busy = set(in_flight)
    rows = (await session.execute(
        select(OutboxMessage.id, OutboxMessage.claimed_by, OutboxMessage.uncertain)
        .where(OutboxMessage.state == OutboxState.SENDING)
    )).all()
    alive: dict[int | None, bool] = {owner: True}
    orphans: list[tuple[int, bool]] = []
    for id_, claimed_by, uncertain in rows:
        if claimed_by not in alive:
            alive[claimed_by] = await _owner_alive(session, claimed_by)
        if (claimed_by == owner and id_ not in busy) or not alive[claimed_by]:
            orphans.append((id_, uncertain))
    once = [id_ for id_, uncertain in orphans if not uncertain]
    twice = [id_ for id_, uncertain in orphans if uncertain]
    for ids, values in (
        (once, dict(state=OutboxState.UNCERTAIN, uncertain=True, due_at=now + retry_delay,
                    last_error="interrupted while sending: may have been delivered")),
        (twice, dict(state=OutboxState.FAILED,
                     last_error="interrupted twice while sending: not retried again")),
    ):
        if ids:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.state == OutboxState.SENDING)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
    return len(orphans)


async def _owner_alive(session: AsyncSession, owner: int | None) -> bool:
    """Whether another dispatcher still holds its claims (only PostgreSQL can tell)."""
    if owner is None or session.get_bind().dialect.name != "postgresql":
        return False
    free = await session.scalar(select(func.pg_try_advisory_lock(LOCK_NAMESPACE, owner)))
    if free:
        await session.scalar(select(func.pg_advisory_unlock(LOCK_NAMESPACE, owner)))
    return not free
