"""The quarterly report as the Hauptamt's documents: CSV here, PDF in ``bot.billing.report_pdf``.

Labels are fixed German (it is the municipality's document, not a user's message). The entry
list names the date, case reference, kind and minutes of each entry, never a client's name.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from babel.numbers import format_decimal
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.billing.billing import QuarterReport, build_report
from bot.billing.statistics import QuarterStatistics, quarter_statistics, statistics_rows
from bot.config import MunicipalityConfig
from bot.i18n import N_
from bot.quarters import Quarter
from bot.refusal import Refused
from bot.roles import Actor
from models import ContactEntry, ContactKind, Municipality

KIND_DE: dict[ContactKind, str] = {
    ContactKind.CONSULTATION: "Beratung",
    ContactKind.HOME_VISIT: "Hausbesuch",
    ContactKind.PHONE: "Telefonat",
    ContactKind.ACCOMPANIMENT: "Begleitung",
    ContactKind.GROUP_EVENT: "Gruppenveranstaltung",
    ContactKind.TRAVEL: "Fahrtzeit",
}
NO_CASE_DE = "ohne Fall"


@dataclass(frozen=True)
class EntryLine:
    number: int
    day: date
    reference: str | None
    kind: ContactKind
    minutes: int
    correction_of: int | None
    is_correction: bool


async def entry_lines(session: AsyncSession, municipality_id: int, quarter: Quarter
                      ) -> AsyncIterator[EntryLine]:
    """The quarter's entries by date, streamed (a year of a large team fits easily)."""
    result = await session.stream(
        select(ContactEntry.id, ContactEntry.entry_date, ContactEntry.case_reference,
               ContactEntry.kind, ContactEntry.minutes, ContactEntry.correction_of_id,
               ContactEntry.is_correction)
        .where(ContactEntry.municipality_id == municipality_id,
               ContactEntry.quarter == quarter.key, ContactEntry.deleted_at.is_(None))
        .order_by(ContactEntry.is_correction, ContactEntry.entry_date, ContactEntry.id)
        .execution_options(yield_per=5000)
    )
    async for row in result:
        yield EntryLine(row[0], row[1], row[2], row[3], int(row[4]), row[5], bool(row[6]))


@dataclass(frozen=True)
class ReportBundle:
    municipality_id: int
    report: QuarterReport
    entries: list[EntryLine]
    stats: QuarterStatistics


async def load_report(session: AsyncSession, *, actor: Actor, municipality_key: str,
                      quarter: Quarter, configs: Iterable[MunicipalityConfig],
                      timezone: ZoneInfo, with_entries: bool = True) -> ReportBundle:
    """Everything the documents show, read in one unit of work; the export is audited."""
    municipality = await session.scalar(
        select(Municipality).where(Municipality.key == municipality_key.strip().lower()))
    if municipality is None or not actor.may_touch(municipality.id):
        keys = ", ".join(c.key for c in configs)
        raise Refused(N_("Unknown town %(key)s. Known towns: %(keys)s."),
                      key=municipality_key, keys=keys)
    config = next((c for c in configs if c.key == municipality.key), None)
    report = await build_report(session, municipality=municipality, config=config,
                                quarter=quarter)
    entries = [line async for line in entry_lines(session, municipality.id, quarter)] if (
        with_entries) else []
    stats = await quarter_statistics(session, municipality=municipality, quarter=quarter,
                                     timezone=timezone)
    audit(session, actor=actor, action="billing:export", target=f"municipality:{municipality.key}",
          detail=f"{quarter.key}, {report.entry_count} entries")
    return ReportBundle(municipality.id, report, entries, stats)


def de_number(value: Decimal | int, *, grouping: bool = True) -> str:
    """German number format: 1.234,56."""
    if isinstance(value, Decimal):
        return format_decimal(value, format="#,##0.00", locale="de_DE",
                              group_separator=grouping)
    return format_decimal(value, locale="de_DE", group_separator=grouping)


def de_plain(value: Decimal) -> str:
    """A decimal without trailing zeros: 15, 12,5, 19."""
    return format_decimal(value, locale="de_DE")


def de_euro(value: Decimal) -> str:
    return f"{de_number(value)} €"


def de_date(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def de_quarter(quarter: Quarter) -> str:
    return f"{quarter.number}. Quartal {quarter.year}"


def de_minutes(minutes: int) -> str:
    """Hours and minutes as on a time sheet: 12:05 h (negative for corrections)."""
    sign = "-" if minutes < 0 else ""
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d} h"


def status_line(report: QuarterReport, timezone: ZoneInfo) -> str:
    if report.closed_at is None:
        return "vorläufig (nicht abgeschlossen)"
    closed: datetime = report.closed_at.astimezone(timezone)
    return f"abgeschlossen am {closed:%d.%m.%Y um %H:%M} Uhr"


def summary_rows(report: QuarterReport, timezone: ZoneInfo) -> Iterator[tuple[str, str]]:
    """(label, value) pairs shared by the CSV and the PDF, in reading order."""
    quarter = report.quarter
    yield "Gemeinde", report.municipality_name
    yield de_quarter(quarter), f"{de_date(quarter.first_day)} – {de_date(quarter.last_day)}"
    yield "Status", status_line(report, timezone)
    for line in report.kinds:
        yield f"Leistungen: {KIND_DE[line.kind]}", de_minutes(line.minutes)
    yield "Leistungen gesamt", de_minutes(report.regular_minutes)
    yield "Stundensatz (netto)", de_euro(report.hourly_rate)
    yield "Betrag Leistungen (netto)", de_euro(report.regular_net)
    for correction in report.corrections:
        yield (f"Korrekturen zum {de_quarter(correction.origin)} "
               f"(zu {de_euro(correction.hourly_rate)}/h)",
               f"{de_minutes(correction.minutes)} = {de_euro(correction.net)}")
    yield "Nettobetrag", de_euro(report.net)
    yield f"Umsatzsteuer {de_plain(report.vat_rate * 100)} %", de_euro(report.vat)
    yield "Bruttobetrag", de_euro(report.gross)
    yield "Erfasste Stunden", f"{de_number(report.recorded_hours)} h"
    if report.weekly_hours is not None and report.committed_hours is not None:
        yield (f"Zugesagte Stunden ({de_plain(report.weekly_hours)} h/Woche × "
               f"{de_number(report.service_weeks)} Wochen)",
               f"{de_number(report.committed_hours)} h")
        yield "Differenz erfasst – zugesagt", (
            f"{de_number(report.recorded_hours - report.committed_hours)} h")
    if report.annual_subsidy is not None and report.subsidy_share is not None:
        yield (f"Anteil Landesförderung zum Vergleich ({de_euro(report.annual_subsidy)} "
               f"jährlich, {report.service_days} Tage)", de_euro(report.subsidy_share))
    yield "Anzahl Einträge", str(report.entry_count)


ENTRY_HEADER = ("Nr.", "Datum", "Fall", "Art", "Minuten", "Korrektur zu Nr.")


def entry_row(line: EntryLine) -> tuple[str, ...]:
    return (str(line.number), de_date(line.day), line.reference or NO_CASE_DE,
            KIND_DE[line.kind], str(line.minutes),
            str(line.correction_of) if line.correction_of else (
                "Nachbuchung" if line.is_correction else ""))


def write_csv_head(out: TextIO, report: QuarterReport, timezone: ZoneInfo,
                   stats: QuarterStatistics | None = None) -> Any:
    """Summary lines, an empty line, then the header of the entry table (';' for Excel)."""
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(("Abrechnung Integrationsmanagement", report.municipality_name))
    writer.writerows(summary_rows(report, timezone))
    if stats is not None:
        writer.writerow(())
        writer.writerow(("Kennzahlen für den Förderbericht", ""))
        writer.writerows(statistics_rows(stats))
    writer.writerow(())
    writer.writerow(ENTRY_HEADER)
    return writer


def csv_bytes(report: QuarterReport, entries: Iterable[EntryLine], timezone: ZoneInfo,
              stats: QuarterStatistics | None = None) -> bytes:
    """The whole CSV in UTF-8 with a byte order mark, so that Excel shows the umlauts."""
    out = io.StringIO()
    writer = write_csv_head(out, report, timezone, stats)
    writer.writerows(entry_row(line) for line in entries)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def file_name(report: QuarterReport, extension: str) -> str:
    return f"abrechnung-{report.municipality_key}-{report.quarter.key}.{extension}"
