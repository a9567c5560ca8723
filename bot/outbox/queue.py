"""Put messages into the outbox, cancel them, and register how each kind is rendered.

Services call :func:`enqueue` inside the caller's unit of work; the dispatcher sends due rows.
Renderers are registered per message kind with :func:`message_kind` and receive the
recipient's translator at send time, so a message follows a later change of language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import Translator
from models.outbox import OutboxMessage, OutboxState


@dataclass(frozen=True)
class Rendered:
    """What one outbox row becomes: a text, optionally with inline buttons and a file.

    With a document, or a copy of a message (``copy``: its chat and message id, sent with
    ``copy_message``, e.g. a client's photo relayed to the caseworker), the text is the caption
    (at most 1024 UTF-16 code units; a copy without text keeps its own caption).
    """

    text: str
    buttons: list[list[tuple[str, str]]] = field(default_factory=list)  # (label, data)
    document: tuple[str, bytes] | None = None  # (filename, content)
    copy: tuple[int, int] | None = None  # (from chat id, message id)
    # Several messages of one chat copied as one album (copy_messages); no text, no buttons.
    album: tuple[int, tuple[int, ...]] | None = None

    @property
    def alone(self) -> bool:
        """A document, a copy or an album is never joined with other messages."""
        return self.document is not None or self.copy is not None or self.album is not None


Renderer = Callable[[Translator, dict[str, Any]], Rendered]
RENDERERS: dict[str, Renderer] = {}
# Kinds sent again once a recipient who had blocked the bot writes again (a client's message
# relayed to a caseworker must not be lost); other kinds stay blocked.
REDELIVER: set[str] = set()


def message_kind(kind: str, *, redeliver: bool = False) -> Callable[[Renderer], Renderer]:
    """Register the renderer of a message kind (e.g. ``"booking.reminder"``)."""

    def register(renderer: Renderer) -> Renderer:
        if kind in RENDERERS and RENDERERS[kind] is not renderer:
            raise ValueError(f"message kind {kind!r} registered twice")
        RENDERERS[kind] = renderer
        if redeliver:
            REDELIVER.add(kind)
        return renderer

    return register


async def enqueue(
    session: AsyncSession,
    *,
    key: str,
    chat_id: int,
    kind: str,
    params: dict[str, Any],
    due_at: datetime,
    expires_at: datetime | None = None,
    urgent: bool = False,
    client_id: int | None = None,
    caseworker_id: int | None = None,
    broadcast_id: int | None = None,
) -> bool:
    """Add a message unless one with the same key exists; True if it was added.

    INSERT … ON CONFLICT DO NOTHING makes two planners running at once harmless.
    """
    if kind not in RENDERERS:
        raise KeyError(f"unknown message kind {kind!r}")
    values = dict(
        key=key, chat_id=chat_id, kind=kind, params=params, due_at=due_at,
        expires_at=expires_at, urgent=urgent, client_id=client_id,
        caseworker_id=caseworker_id, broadcast_id=broadcast_id,
        state=OutboxState.PENDING, attempts=0, uncertain=False,
    )
    result = await session.execute(_insert(session).values(**values).on_conflict_do_nothing(
        index_elements=["key"]
    ))
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def enqueue_many(session: AsyncSession, messages: list[dict[str, Any]]) -> int:
    """Add many messages in one statement (a broadcast, a planner run); rows whose key exists
    are skipped. Each dict has the keyword arguments of :func:`enqueue`; returns how many
    were added.
    """
    if not messages:
        return 0
    rows = []
    for message in messages:
        if message["kind"] not in RENDERERS:
            raise KeyError(f"unknown message kind {message['kind']!r}")
        rows.append({
            "expires_at": None, "urgent": False, "client_id": None, "caseworker_id": None,
            "broadcast_id": None, **message, "state": OutboxState.PENDING, "attempts": 0,
            "uncertain": False,
        })
    statement = _insert(session).on_conflict_do_nothing(index_elements=["key"])
    # RETURNING yields a row only for what was inserted: that is the count of new messages.
    added = await session.execute(statement.returning(OutboxMessage.id), rows)
    return len(added.all())


def _insert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    return (pg_insert if dialect == "postgresql" else sqlite_insert)(OutboxMessage)


async def cancel(session: AsyncSession, keys: Iterable[str]) -> int:
    """Cancel pending messages by key (a cancelled booking cancels its reminders)."""
    keys = list(keys)
    if not keys:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.key.in_(keys), OutboxMessage.state == OutboxState.PENDING)
        .values(state=OutboxState.CANCELLED)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
