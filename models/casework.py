"""Casework: contact time entries, integration plan goals, closed quarters, case details.

Contact time is billed to the municipality the client lived in when it was logged; entries
are never removed (a deletion is a mark), and a closed quarter keeps the totals it was billed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime, str_enum, utcnow


class ContactKind(enum.StrEnum):
    CONSULTATION = "consultation"
    HOME_VISIT = "home_visit"
    PHONE = "phone"
    ACCOMPANIMENT = "accompaniment"
    GROUP_EVENT = "group_event"
    TRAVEL = "travel"


class PlanArea(enum.StrEnum):
    GERMAN_COURSE = "german_course"
    WORK = "work"
    HOUSING = "housing"
    SCHOOL_KITA = "school_kita"
    HEALTH = "health"
    RESIDENCE = "residence"
    OTHER = "other"


class GoalStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    DROPPED = "dropped"



class ContactEntry(Base):
    """Minutes of work for a client (or, for group events, for a municipality)."""

    __tablename__ = "contact_entries"
    __table_args__ = (
        # Corrections carry the difference (may be negative); ordinary entries 1-600 minutes.
        CheckConstraint(
            "(is_correction AND minutes BETWEEN -600 AND 600 AND minutes <> 0) "
            "OR (NOT is_correction AND minutes BETWEEN 1 AND 600)",
            name="minutes_range",
        ),
        # The quarterly report and its statistics read only this index (sums in SQL).
        Index("ix_contact_entries_billing", "municipality_id", "quarter", "is_correction",
              "kind", "deleted_at", "minutes", "client_id"),
        Index("ix_contact_entries_caseworker_date", "caseworker_id", "entry_date"),
        # A client's last contact, and whether they were seen since a day (/case, /cases
        # "no contact for 30+ days"), answered from the index alone; serves the foreign key.
        Index("ix_contact_entries_client_date", "client_id", "entry_date", "is_correction",
              "deleted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"))
    # Billing records outlive a client's deletion, without the name (see /privacy).
    client_id: Mapped[int | None] = mapped_column(
        ForeignKey("clients.id", ondelete="SET NULL")
    )
    case_reference: Mapped[str | None] = mapped_column(String(16))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    kind: Mapped[ContactKind] = mapped_column(str_enum(ContactKind, "contact_kind"))
    minutes: Mapped[int] = mapped_column(Integer)
    entry_date: Mapped[date] = mapped_column(Date)  # local date of the work
    quarter: Mapped[str] = mapped_column(String(6))  # billing quarter, e.g. "2025Q1"
    note: Mapped[str | None] = mapped_column(String(500))
    # "m<chat>:<message>" of the /log command or "b<chat>:<message>" of the button dialogue:
    # Telegram may deliver an update twice, the entry is stored once.
    telegram_key: Mapped[str | None] = mapped_column(String(48), unique=True)
    is_correction: Mapped[bool] = mapped_column(default=False)
    correction_of_id: Mapped[int | None] = mapped_column(ForeignKey("contact_entries.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))


class PlanGoal(Base):
    """One goal of a client's integration plan."""

    __tablename__ = "plan_goals"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    area: Mapped[PlanArea] = mapped_column(str_enum(PlanArea, "plan_area"))
    status: Mapped[GoalStatus] = mapped_column(str_enum(GoalStatus, "goal_status"))
    due_date: Mapped[date | None] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # for the statistics


class CaseDetails(Base):
    """What a case needs beyond the client row: when care began, and a justified extension."""

    __tablename__ = "case_details"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    care_start: Mapped[date | None] = mapped_column(Date)  # None: the day of the invitation
    care_extended: Mapped[bool] = mapped_column(default=False)  # 4 instead of 3 years
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClosedQuarter(Base):
    """A billed quarter: its entries are locked and these figures are what was invoiced."""

    __tablename__ = "closed_quarters"
    __table_args__ = (UniqueConstraint("municipality_id", "quarter"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    quarter: Mapped[str] = mapped_column(String(6))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    total_minutes: Mapped[int] = mapped_column(Integer)
    hourly_rate: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    gross: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    # Every figure of the report as text (Decimals as strings), to show it again unchanged.
    figures: Mapped[dict[str, Any]] = mapped_column(JSON)
