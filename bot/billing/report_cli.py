"""`lotse report`, `lotse stats`, `lotse close-quarter`, `lotse invoice`, `lotse credit-note`:
the quarterly documents, figures and invoices from the shell.

Problems are raised as :class:`ReportError` (or, for the database and the output file,
:class:`DatabaseProblem` and :class:`OutputError`) with one line for the operator.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.billing.report_export import (
    ReportBundle,
    de_quarter,
    entry_lines,
    entry_row,
    load_report,
    write_csv_head,
)
from bot.billing.report_pdf import report_pdf
from bot.billing.statistics import statistics_rows
from bot.cli_database import open_database
from bot.config import Settings
from bot.i18n import Translator
from bot.municipalities import sync_municipalities
from bot.output_file import check_writable, write_file
from bot.quarters import Quarter
from bot.refusal import Refused
from bot.roles import Actor, Role
from models import Municipality

if TYPE_CHECKING:
    from bot.billing.invoice import IssuedDocuments

CLI_ACTOR = Actor(telegram_id=None, role=Role.ADMIN, language="en", name="lotse (command line)")
FORMATS = ("csv", "pdf")


class ReportError(Exception):
    """Something the operator must fix; the message says what, in one line."""


def parse_quarter(text: str) -> Quarter:
    quarter = Quarter.parse(text)
    if quarter is None:
        raise ReportError(f"--quarter must be a quarter such as 2025Q1, not {text!r}")
    return quarter


@asynccontextmanager
async def _session(settings: Settings) -> AsyncIterator[AsyncSession]:
    from models.session import make_sessionmaker, unit_of_work

    async with (open_database(settings.database_url) as engine,
                unit_of_work(make_sessionmaker(engine)) as session):
        await sync_municipalities(session, settings.municipalities)
        yield session


async def _load(session: AsyncSession, settings: Settings, municipality: str, quarter: Quarter,
                *, with_entries: bool) -> ReportBundle:
    try:
        return await load_report(session, actor=CLI_ACTOR, municipality_key=municipality,
                                 quarter=quarter, configs=settings.municipalities,
                                 timezone=settings.timezone, with_entries=with_entries)
    except Refused as exc:
        raise ReportError(Translator("en", settings.timezone)._(exc.message, **exc.params)
                          ) from None


async def run_report(settings: Settings, *, municipality: str, quarter: Quarter, fmt: str,
                     out: Path) -> str:
    """Write the report file; return the line that says what was written."""
    check_writable(out)  # before the work, not after it
    async with _session(settings) as session:
        bundle = await _load(session, settings, municipality, quarter,
                             with_entries=fmt == "pdf")
        if fmt == "csv":
            buffer = io.StringIO()
            buffer.write("\ufeff")
            writer = write_csv_head(buffer, bundle.report, settings.timezone, bundle.stats)
            # Streamed from the database: a large quarter never sits in memory as objects.
            async for line in entry_lines(session, bundle.municipality_id, quarter):
                writer.writerow(entry_row(line))
            content = buffer.getvalue().encode("utf-8")
        else:
            content = await asyncio.to_thread(report_pdf, bundle.report, bundle.entries,
                                              settings.timezone, bundle.stats)
    write_file(out, content)
    report = bundle.report
    state = "closed" if report.closed_at else "provisional"
    return (f"{fmt.upper()} report for {report.municipality_name}, {quarter.key} ({state}) "
            f"written to {out}: {report.entry_count} entries, {report.recorded_hours} h, "
            f"net {report.net} EUR, VAT {report.vat} EUR, gross {report.gross} EUR")


async def run_stats(settings: Settings, *, municipality: str, quarter: Quarter) -> list[str]:
    """The funding figures as lines of text."""
    async with _session(settings) as session:
        bundle = await _load(session, settings, municipality, quarter, with_entries=False)
    stats = bundle.stats
    lines = [f"{stats.municipality_name}, {de_quarter(quarter)}"]
    lines += [f"{label}: {value}" for label, value in statistics_rows(stats)]
    if not stats.bookings_available:
        lines.append("(Termine: diese Installation hat noch keine Terminbuchung)")
    return lines


def _write_documents(issued: IssuedDocuments, out_dir: Path) -> list[str]:
    lines = []
    for name, content in ((issued.pdf_name, issued.pdf), (issued.xml_name, issued.xml)):
        path = out_dir / name
        write_file(path, content)
        lines.append(f"  {path}  sha256 {hashlib.sha256(content).hexdigest()}")
    return lines


def _check_dir(out_dir: Path) -> None:
    check_writable(out_dir / ".lotse-invoice")


async def run_close_quarter(settings: Settings, *, municipality: str, quarter: Quarter,
                            out_dir: Path) -> list[str]:
    """Close the quarter, issue its invoice and write the PDF and the XML into ``out_dir``."""
    from bot.billing.invoice import close_and_invoice

    _check_dir(out_dir)
    now = datetime.now(UTC)
    async with _session(settings) as session:
        row = await session.scalar(select(Municipality).where(
            Municipality.key == municipality.strip().lower()))
        if row is None:
            known = ", ".join(m.key for m in settings.municipalities)
            raise ReportError(f"unknown municipality {municipality!r} (configured: {known})")
        try:
            report, issued = await close_and_invoice(
                session, actor=CLI_ACTOR, municipality=row,
                config=settings.municipality(row.key), issuer=settings.issuer, quarter=quarter,
                now=now, timezone=settings.timezone)
        except Refused as exc:
            raise ReportError(_english(settings, exc)) from None
    lines = [f"{report.municipality_name}, {quarter.key} closed: {report.entry_count} entries, "
             f"{report.recorded_hours} h, gross {report.gross} EUR"]
    if issued is None:
        lines.append("no invoice issued (no [issuer], no [municipality.invoice] or no hours)")
        return lines
    lines.append(f"invoice {issued.number} issued, gross {issued.gross} EUR:")
    return lines + _write_documents(issued, out_dir)


async def run_invoice_copy(settings: Settings, *, number: str, out_dir: Path) -> list[str]:
    """Write an issued invoice's documents again, exactly as issued."""
    from bot.billing.invoice import issued_documents

    _check_dir(out_dir)
    async with _session(settings) as session:
        try:
            issued = await issued_documents(session, actor=CLI_ACTOR, number=number)
        except Refused as exc:
            raise ReportError(_english(settings, exc)) from None
    return [f"{issued.number} ({issued.quarter}, gross {issued.gross} EUR):",
            *_write_documents(issued, out_dir)]


async def run_credit_note(settings: Settings, *, number: str, out_dir: Path) -> list[str]:
    """Withdraw an invoice with a credit note and write its documents."""
    from bot.billing.invoice import issue_credit_note

    _check_dir(out_dir)
    async with _session(settings) as session:
        try:
            issued = await issue_credit_note(
                session, actor=CLI_ACTOR, number=number, configs=settings.municipalities,
                issuer=settings.issuer, now=datetime.now(UTC), timezone=settings.timezone)
        except Refused as exc:
            raise ReportError(_english(settings, exc)) from None
    return [f"credit note {issued.number} for invoice {number} issued, gross "
            f"{issued.gross} EUR:", *_write_documents(issued, out_dir)]


def _english(settings: Settings, exc: Refused) -> str:
    return Translator("en", settings.timezone)._(exc.message, **exc.params)
