"""Issued invoices and credit notes, and the gap-free number sequence per issuer and year.

An invoice row is written once, at issue, with the documents exactly as they were sent, so
a re-download is byte-identical; nothing updates it. A withdrawal is a new credit-note row.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime

INVOICE = "invoice"  # type code 380
CREDIT_NOTE = "credit_note"  # type code 381


class InvoiceCounter(Base):
    """The last number given out for one prefix and year; locked while the next is taken."""

    __tablename__ = "invoice_counters"

    prefix: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class Invoice(Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("prefix", "year", "sequence"),
        CheckConstraint("kind IN ('invoice', 'credit_note')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    prefix: Mapped[str] = mapped_column(String(10))
    year: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    quarter: Mapped[str] = mapped_column(String(6))
    refers_to_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    issue_date: Mapped[date] = mapped_column(Date())
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("caseworkers.id"))
    net: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    gross: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 4))
    # The lines as issued (name, minutes, hourly_rate as text, refers_to), for a credit note.
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    xml: Mapped[bytes] = mapped_column(LargeBinary)
    pdf_sha256: Mapped[str] = mapped_column(String(64))
    xml_sha256: Mapped[str] = mapped_column(String(64))
