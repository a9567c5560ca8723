"""Conversations between a client and the integration managers, and their stored messages.

Files are kept as Telegram file ids and the id of the client's own message (to copy it with
``copy_message``); nothing is downloaded. A conversation is open while it waits for an answer.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.people import Client


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when a caseworker answered or marked it done: it leaves the inbox.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    urgent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    client: Mapped[Client] = relationship()


class StoredMessage(Base):
    """One message of a conversation, in either direction (``from_client``)."""

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL"))
    # The Telegram message or button press it came from: a repeated update stores nothing.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    from_client: Mapped[bool]
    content: Mapped[str] = mapped_column(String(16))  # text, photo, document, voice, …
    text: Mapped[str | None] = mapped_column(Text())  # the text or the caption
    file_id: Mapped[str | None] = mapped_column(String(200))  # Telegram's, never downloaded
    chat_id: Mapped[int] = mapped_column(BigInteger)  # where the original message lies
    message_id: Mapped[int] = mapped_column(BigInteger)
    media_group_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
