"""The outbox: every message that is not a direct reply is a row here before it is sent.

A row names a message kind and its parameters, not rendered text: it is rendered at send
time in the recipient's current language. The idempotency key makes planning twice harmless.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, false
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a dispatcher; resolved at start after a crash
    UNCERTAIN = "uncertain"  # a send timed out: maybe delivered; retried at most once
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"  # the recipient blocked the bot
    EXPIRED = "expired"  # its moment passed before it could be sent
    CANCELLED = "cancelled"  # e.g. the booking it reminds of was cancelled


# What a dispatcher still has to send (a row in SENDING is another's claim).
OPEN_STATES = (OutboxState.PENDING, OutboxState.UNCERTAIN)


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_state_due", "state", "due_at"),
        # A client's pending reminders (/case) and erasure by client, among millions of rows.
        Index("ix_outbox_client_state", "client_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, index=True)
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(64))  # a registered message kind
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    urgent: Mapped[bool] = mapped_column(default=False)
    state: Mapped[OutboxState] = mapped_column(
        str_enum(OutboxState, "outbox_state"),
        default=OutboxState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The dispatcher instance holding the claim; a crashed instance's rows are resolved.
    claimed_by: Mapped[int | None] = mapped_column()
    # Once a send may have been delivered without our knowing, the row is retried once only.
    uncertain: Mapped[bool] = mapped_column(default=False, server_default=false())
    broadcast_id: Mapped[int | None] = mapped_column(
        ForeignKey("broadcasts.id", ondelete="CASCADE"), index=True
    )
