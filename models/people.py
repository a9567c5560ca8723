"""Caseworkers (integration managers and admins) and their clients."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.municipality import Municipality

caseworker_municipalities = Table(
    "caseworker_municipalities",
    Base.metadata,
    Column("caseworker_id", ForeignKey("caseworkers.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipalities.id"), primary_key=True),
)


class CaseworkerRole(enum.StrEnum):
    CASEWORKER = "caseworker"
    ADMIN = "admin"


class ClientStatus(enum.StrEnum):
    INVITED = "invited"  # invite created, consent not yet given
    ACTIVE = "active"
    CLOSED = "closed"



class Caseworker(Base):
    __tablename__ = "caseworkers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[CaseworkerRole] = mapped_column(str_enum(CaseworkerRole, "caseworker_role"))
    language: Mapped[str] = mapped_column(String(8), default="de")
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when Telegram says they blocked the bot; cleared when they write again.
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=caseworker_municipalities, order_by=Municipality.id
    )

    @property
    def is_admin(self) -> bool:
        return self.role is CaseworkerRole.ADMIN


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Case reference such as C-0042, given when the row is created (see bot.onboarding.invites).
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    # A first name or a pseudonym is enough (data minimisation).
    display_name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(8))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"), index=True)
    status: Mapped[ClientStatus] = mapped_column(str_enum(ClientStatus, "client_status"))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when Telegram says they blocked the bot; cleared when they write again.
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())

    municipality: Mapped[Municipality] = relationship()
    caseworker: Mapped[Caseworker | None] = relationship()
