"""Which reminders a client gets: each kind on or off, everything paused; defaults on.

Every reminder row in the outbox carries ``params["category"]``; switching a kind off or
pausing cancels the client's pending rows of that category, and the planners skip it.
Switching on again releases the cancelled future rows, so that the planners plan them anew.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models import Client, OutboxMessage, OutboxState, ReminderSettings

APPOINTMENTS, WASTE, SCHOOL = "appointments", "waste", "school"
CATEGORIES = (APPOINTMENTS, WASTE, SCHOOL)


async def _lock_client(session: AsyncSession, client_id: int) -> None:
    """Wait for planners that hold the client's row (PostgreSQL; SQLite has one writer)."""
    await session.execute(select(Client.id).where(Client.id == client_id).with_for_update())


async def settings_of(session: AsyncSession, client_id: int) -> ReminderSettings:
    """The client's settings; a new row with the defaults (all on) if there is none yet."""
    row = await session.get(ReminderSettings, client_id)
    if row is None:
        row = ReminderSettings(client_id=client_id, appointments=True, waste=True, school=True,
                               paused=False, waste_zone_id=None)
        session.add(row)
        await session.flush()
    return row


def is_enabled(settings: ReminderSettings | None, category: str) -> bool:
    if settings is None:
        return True
    return not settings.paused and bool(getattr(settings, category))


def enabled_clause(category: str) -> ColumnElement[bool]:
    """For planners' queries that outer-join ReminderSettings: the client wants this kind."""
    column = getattr(ReminderSettings, category)
    return or_(
        ReminderSettings.client_id.is_(None),
        and_(column.is_(True), ReminderSettings.paused.is_(False)),
    )


async def toggle(
    session: AsyncSession, *, client_id: int, category: str, now: datetime
) -> ReminderSettings:
    """Switch one kind on or off; off cancels what is pending."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown reminder category {category!r}")
    await _lock_client(session, client_id)
    settings = await settings_of(session, client_id)
    setattr(settings, category, not getattr(settings, category))
    settings.updated_at = now
    if getattr(settings, category):
        await release_cancelled(session, client_id=client_id, categories=[category], now=now)
    else:
        await cancel_pending(session, client_id=client_id, categories=[category])
    return settings


async def set_paused(
    session: AsyncSession, *, client_id: int, paused: bool, now: datetime
) -> ReminderSettings:
    """Pause everything (cancels what is pending) or resume."""
    await _lock_client(session, client_id)
    settings = await settings_of(session, client_id)
    settings.paused = paused
    settings.updated_at = now
    if paused:
        await cancel_pending(session, client_id=client_id, categories=CATEGORIES)
    else:
        await release_cancelled(session, client_id=client_id, categories=CATEGORIES, now=now)
    return settings


def _category_in(categories: Iterable[str]) -> ColumnElement[bool]:
    category: ColumnElement[str] = OutboxMessage.params["category"].as_string()
    return category.in_(list(categories))


async def cancel_pending(
    session: AsyncSession, *, client_id: int, categories: Iterable[str]
) -> int:
    """Cancel the client's pending reminders of these categories."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.client_id == client_id,
               OutboxMessage.state == OutboxState.PENDING, _category_in(categories))
        .values(state=OutboxState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(_rowcount(result))


async def release_cancelled(
    session: AsyncSession, *, client_id: int, categories: Iterable[str], now: datetime
) -> int:
    """Forget cancelled reminders that are still ahead, so planners may plan them again."""
    result = await session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.client_id == client_id,
               OutboxMessage.state == OutboxState.CANCELLED, _category_in(categories),
               or_(OutboxMessage.expires_at > now,
                   and_(OutboxMessage.expires_at.is_(None), OutboxMessage.due_at > now)))
        .execution_options(synchronize_session=False)
    )
    return int(_rowcount(result))


async def pending_count(session: AsyncSession, *, client_id: int, category: str) -> int:
    rows = await session.scalars(
        select(OutboxMessage.id).where(OutboxMessage.client_id == client_id,
                                       OutboxMessage.state == OutboxState.PENDING,
                                       _category_in([category]))
    )
    return len(rows.all())


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)
