"""Audit log: who did what to which case, and what was refused. No message content."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, utcnow


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_telegram_id: Mapped[int | None] = mapped_column(BigInteger)  # never a stranger's
    # A stranger (no consent yet) is recorded by a keyed hash of the Telegram id only, so
    # that floods can be traced without storing who it was (bot.audit.actor_key).
    actor_key: Mapped[str | None] = mapped_column(String(24), index=True)
    actor_role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str | None] = mapped_column(String(64))  # e.g. "client:C-0042"
    allowed: Mapped[bool]
    detail: Mapped[str | None] = mapped_column(String(200))  # never personal data
