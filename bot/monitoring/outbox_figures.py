"""What the outbox table says about the dispatcher: rows by state and the oldest due row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import OPEN_STATES, OutboxMessage


@dataclass(frozen=True)
class OutboxFigures:
    by_state: dict[str, int] = field(default_factory=dict)
    messages_lag: float = 0.0  # seconds the oldest due reminder or notification has waited
    broadcast_lag: float = 0.0  # the same for broadcast rows, which queue behind them


async def dispatcher_lag(session: AsyncSession, *, now: datetime) -> tuple[float, float]:
    """Seconds the oldest due row has waited: (reminders and notifications, broadcasts).

    Due means open and ``due_at`` reached. Rows held by quiet hours or a flood pause are not
    due (the dispatcher moves their ``due_at``), so a working dispatcher keeps this near 0.
    One query over the (state, due_at) index.
    """
    is_broadcast = OutboxMessage.broadcast_id.is_not(None)
    rows = (await session.execute(
        select(is_broadcast, func.min(OutboxMessage.due_at))
        .where(OutboxMessage.state.in_(OPEN_STATES), OutboxMessage.due_at <= now)
        .group_by(is_broadcast)
    )).all()
    oldest: dict[bool, datetime] = {bool(broadcast): due for broadcast, due in rows}

    def waited(broadcast: bool) -> float:
        due = oldest.get(broadcast)
        return 0.0 if due is None else max((now - due).total_seconds(), 0.0)

    return waited(False), waited(True)


async def outbox_figures(session: AsyncSession, *, now: datetime) -> OutboxFigures:
    """Rows by state (one GROUP BY) and the dispatcher's lag, for a scrape of ``/metrics``."""
    counts = await session.execute(
        select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state))
    messages, broadcast = await dispatcher_lag(session, now=now)
    return OutboxFigures(by_state={str(state): n for state, n in counts.all()},
                         messages_lag=messages, broadcast_lag=broadcast)
