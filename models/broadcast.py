"""Broadcasts: one announcement by a caseworker or admin to many clients.

Each recipient's message is an outbox row (``outbox.broadcast_id``); this row keeps who sent
what to whom, and where the live progress is shown.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class BroadcastState(enum.StrEnum):
    SENDING = "sending"  # its messages are in the outbox
    DONE = "done"  # every message reached a final state
    CANCELLED = "cancelled"  # stopped by the sender; pending messages were cancelled


class Broadcast(Base):
    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL")
    )
    # The audience: clients of these municipalities, optionally only one language group.
    municipality_ids: Mapped[list[int]] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    school_children: Mapped[bool] = mapped_column(default=False)  # families with school kids
    # The sender's own words per language; "de" is required and the fallback.
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)
    urgent: Mapped[bool] = mapped_column(default=False)
    total: Mapped[int] = mapped_column(default=0)
    state: Mapped[BroadcastState] = mapped_column(
        str_enum(BroadcastState, "broadcast_state"),
        default=BroadcastState.SENDING,
    )
    # The sender's status message, edited with the progress.
    status_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    status_message_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
