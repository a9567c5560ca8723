"""Issuing invoices at quarter close, credit notes, and reading issued documents back.

Numbers come from a gap-free sequence per prefix and year (``IM-2026-0003``): the counter
row is incremented by one ``UPDATE … RETURNING`` in the closing transaction, which holds the
row lock (PostgreSQL) until the transaction commits, so two concurrent closes get
consecutive numbers, and a rolled-back close gives its number back. The documents are stored
as issued, with their SHA-256; an issued invoice is never changed. A withdrawal is a credit
note (type 381) with its own number, never an edit.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.audit import audit
from bot.billing.billing import close_quarter
from bot.billing.billing_figures import QuarterReport
from bot.billing.invoice_doc import (
    TYPE_CREDIT_NOTE,
    TYPE_INVOICE,
    InvoiceData,
    InvoiceLine,
    format_number,
    quarter_lines,
)
from bot.billing.report_export import EntryLine, entry_lines
from bot.billing.statistics import QuarterStatistics, quarter_statistics
from bot.config import IssuerConfig, MunicipalityConfig
from bot.i18n import N_
from bot.quarters import Quarter, local_date
from bot.refusal import Refused
from bot.roles import Actor
from models import CREDIT_NOTE, INVOICE, Invoice, InvoiceCounter, Municipality


@dataclass(frozen=True)
class IssuedDocuments:
    number: str
    kind: str
    quarter: str
    gross: Decimal
    pdf: bytes
    xml: bytes

    @property
    def pdf_name(self) -> str:
        return f"{self.number}.pdf"

    @property
    def xml_name(self) -> str:
        return f"{self.number}.xml"


def _documents(row: Invoice) -> IssuedDocuments:
    return IssuedDocuments(row.number, row.kind, row.quarter, row.gross, row.pdf, row.xml)


async def next_number(session: AsyncSession, prefix: str, year: int) -> int:
    """Take the next number of the year's sequence; it is used up only if the caller commits."""
    bump = (update(InvoiceCounter)
            .where(InvoiceCounter.prefix == prefix, InvoiceCounter.year == year)
            .values(last_number=InvoiceCounter.last_number + 1)
            .returning(InvoiceCounter.last_number)
            .execution_options(synchronize_session=False))
    number = (await session.execute(bump)).scalar_one_or_none()
    if number is not None:
        return int(number)
    try:
        async with session.begin_nested():  # the year's first number
            await session.execute(insert(InvoiceCounter).values(prefix=prefix, year=year,
                                                                last_number=1))
        return 1
    except IntegrityError:  # another close inserted it first: it has committed by now
        return int((await session.execute(bump)).scalar_one())


def _build(data: InvoiceData, created: datetime, report: QuarterReport | None,
           entries: Sequence[EntryLine], timezone: ZoneInfo,
           stats: QuarterStatistics | None) -> tuple[bytes, bytes]:
    from bot.billing.invoice_pdf import invoice_pdf, title_of
    from bot.billing.invoice_xml import embed, invoice_xml

    xml = invoice_xml(data)
    pdf = invoice_pdf(data, created=created, report=report, entries=entries,
                      timezone=timezone, stats=stats)
    return embed(pdf, xml, title=title_of(data)), xml


def _line_json(line: InvoiceLine) -> dict[str, object]:
    return {"name": line.name, "minutes": line.minutes, "hourly_rate": str(line.hourly_rate),
            "refers_to": line.refers_to}


def _line_of(raw: dict[str, object]) -> InvoiceLine:
    refers = raw.get("refers_to")
    return InvoiceLine(str(raw["name"]), int(str(raw["minutes"])),
                       Decimal(str(raw["hourly_rate"])),
                       str(refers) if refers is not None else None)


async def _store(session: AsyncSession, *, actor: Actor, data: InvoiceData, kind: str,
                 municipality_id: int, sequence: int, now: datetime, pdf: bytes, xml: bytes,
                 refers_to_id: int | None) -> Invoice:
    row = Invoice(
        number=data.number, prefix=data.issuer.number_prefix, year=data.issue_date.year,
        sequence=sequence, kind=kind, municipality_id=municipality_id,
        quarter=data.quarter.key, refers_to_id=refers_to_id, issue_date=data.issue_date,
        issued_at=now, issued_by_id=actor.caseworker_id, net=data.net, vat=data.vat,
        gross=data.gross, vat_rate=data.vat_rate,
        lines=[_line_json(line) for line in data.lines], pdf=pdf, xml=xml,
        pdf_sha256=hashlib.sha256(pdf).hexdigest(), xml_sha256=hashlib.sha256(xml).hexdigest())
    session.add(row)
    await session.flush()
    audit(session, actor=actor, action=f"billing:{kind}", target=f"invoice:{data.number}",
          detail=f"{data.quarter.key}: net {data.net}, VAT {data.vat}, gross {data.gross}")
    return row


async def issue_invoice(session: AsyncSession, *, actor: Actor, municipality: Municipality,
                        config: MunicipalityConfig | None, issuer: IssuerConfig | None,
                        report: QuarterReport, now: datetime, timezone: ZoneInfo
                        ) -> IssuedDocuments | None:
    """Issue the closed quarter's invoice; None where nothing is billed (no invoice data,
    no [issuer], or no hours)."""
    if issuer is None or config is None or config.invoice is None:
        return None
    origins = [line.origin.key for line in report.corrections]
    originals = dict((await session.execute(select(Invoice.quarter, Invoice.number).where(
        Invoice.municipality_id == municipality.id, Invoice.kind == INVOICE,
        Invoice.quarter.in_(origins)))).all()) if origins else {}
    lines = quarter_lines(report, originals)
    if not lines:
        return None
    issue_date = local_date(now, timezone)
    sequence = await next_number(session, issuer.number_prefix, issue_date.year)
    data = InvoiceData(
        number=format_number(issuer.number_prefix, issue_date.year, sequence),
        type_code=TYPE_INVOICE, issue_date=issue_date, issuer=issuer,
        recipient=config.invoice, quarter=report.quarter, lines=lines,
        vat_rate=report.vat_rate)
    entries = [line async for line in entry_lines(session, municipality.id, report.quarter)]
    stats = await quarter_statistics(session, municipality=municipality,
                                     quarter=report.quarter, timezone=timezone)
    # Building the PDF takes a moment of CPU: keep the bot answering meanwhile.
    pdf, xml = await asyncio.to_thread(_build, data, now, report, entries, timezone, stats)
    row = await _store(session, actor=actor, data=data, kind=INVOICE,
                       municipality_id=municipality.id, sequence=sequence, now=now, pdf=pdf,
                       xml=xml, refers_to_id=None)
    return _documents(row)


async def close_and_invoice(session: AsyncSession, *, actor: Actor, municipality: Municipality,
                            config: MunicipalityConfig | None, issuer: IssuerConfig | None,
                            quarter: Quarter, now: datetime, timezone: ZoneInfo
                            ) -> tuple[QuarterReport, IssuedDocuments | None]:
    """Close the quarter and issue its invoice, in one transaction."""
    report = await close_quarter(session, actor=actor, municipality=municipality,
                                 config=config, quarter=quarter, now=now, timezone=timezone)
    issued = await issue_invoice(session, actor=actor, municipality=municipality,
                                 config=config, issuer=issuer, report=report, now=now,
                                 timezone=timezone)
    return report, issued


async def issue_credit_note(session: AsyncSession, *, actor: Actor, number: str,
                            configs: Sequence[MunicipalityConfig], issuer: IssuerConfig | None,
                            now: datetime, timezone: ZoneInfo) -> IssuedDocuments:
    """Withdraw an invoice entirely: a credit note with its own number and the same lines."""
    if issuer is None:
        raise Refused(N_("No invoice issuer is configured."))
    original = await session.scalar(select(Invoice).where(Invoice.number == number)
                                    .with_for_update())
    if original is None or original.kind != INVOICE or not actor.may_touch(
            original.municipality_id):
        raise Refused(N_("There is no invoice %(number)s."), number=number)
    credited = await session.scalar(select(Invoice.number).where(
        Invoice.refers_to_id == original.id, Invoice.kind == CREDIT_NOTE))
    if credited is not None:
        raise Refused(N_("Invoice %(number)s was already cancelled by %(credit)s."),
                      number=number, credit=credited)
    municipality = await session.get(Municipality, original.municipality_id)
    assert municipality is not None
    config = next((c for c in configs if c.key == municipality.key), None)
    if config is None or config.invoice is None:
        raise Refused(N_("There is no invoice %(number)s."), number=number)
    issue_date = local_date(now, timezone)
    sequence = await next_number(session, issuer.number_prefix, issue_date.year)
    quarter = Quarter.parse(original.quarter)
    assert quarter is not None
    data = InvoiceData(
        number=format_number(issuer.number_prefix, issue_date.year, sequence),
        type_code=TYPE_CREDIT_NOTE, issue_date=issue_date, issuer=issuer,
        recipient=config.invoice, quarter=quarter,
        lines=tuple(_line_of(raw) for raw in original.lines),
        vat_rate=Decimal(original.vat_rate), refers_to=original.number,
        refers_to_date=original.issue_date)
    pdf, xml = await asyncio.to_thread(_build, data, now, None, (), timezone, None)
    row = await _store(session, actor=actor, data=data, kind=CREDIT_NOTE,
                       municipality_id=municipality.id, sequence=sequence, now=now, pdf=pdf,
                       xml=xml, refers_to_id=original.id)
    return _documents(row)


async def issued_documents(session: AsyncSession, *, actor: Actor, number: str
                           ) -> IssuedDocuments:
    """The documents exactly as issued."""
    row = await session.scalar(select(Invoice).where(Invoice.number == number))
    if row is None or not actor.may_touch(row.municipality_id):
        raise Refused(N_("There is no invoice %(number)s."), number=number)
    return _documents(row)


@dataclass(frozen=True)
class InvoiceSummary:
    id: int
    number: str
    kind: str
    quarter: str
    issue_date: date
    gross: Decimal
    refers_to: str | None


async def list_invoices(session: AsyncSession, *, municipality_id: int, limit: int = 20
                        ) -> list[InvoiceSummary]:
    """The municipality's invoices and credit notes, newest first."""
    original = aliased(Invoice)
    rows = await session.execute(
        select(Invoice.id, Invoice.number, Invoice.kind, Invoice.quarter, Invoice.issue_date,
               Invoice.gross, original.number)
        .outerjoin(original, original.id == Invoice.refers_to_id)
        .where(Invoice.municipality_id == municipality_id)
        .order_by(Invoice.year.desc(), Invoice.sequence.desc()).limit(limit))
    return [InvoiceSummary(*row) for row in rows]
