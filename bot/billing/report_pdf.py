"""The quarterly report as a PDF invoice annex: a one-page summary, then the entry list.

Uses DejaVu Sans (Unicode) where the system has it; otherwise the PDF core font Helvetica with
the Windows-1252 encoding, which covers German text, „quotes“ and the euro sign.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from zoneinfo import ZoneInfo

from fpdf import FPDF
from fpdf.fonts import FontFace

from bot.billing.billing import QuarterReport
from bot.billing.report_export import (
    ENTRY_HEADER,
    EntryLine,
    de_quarter,
    entry_row,
    summary_rows,
)
from bot.billing.statistics import QuarterStatistics, statistics_rows

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
GREY = (235, 235, 235)


class Document(FPDF):
    def __init__(self, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.annex_title = title
        self.lotse_font = self._fonts()
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.set_title(title)
        self.set_creator("Lotse")

    def _fonts(self) -> str:
        for directory in FONT_DIRS:
            regular, bold = directory / "DejaVuSans.ttf", directory / "DejaVuSans-Bold.ttf"
            if regular.is_file() and bold.is_file():
                self.add_font("DejaVu", "", str(regular))
                self.add_font("DejaVu", "B", str(bold))
                return "DejaVu"
        self.core_fonts_encoding = "windows-1252"
        return "Helvetica"

    def text_safe(self, text: str) -> str:
        if self.lotse_font != "Helvetica":
            return text
        return text.encode("cp1252", errors="replace").decode("cp1252")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.lotse_font, "", 8)
        self.cell(0, 5, self.text_safe(f"{self.annex_title} – Seite {self.page_no()} von "
                                       "{nb}"), align="C")


def report_pdf(report: QuarterReport, entries: Iterable[EntryLine], timezone: ZoneInfo,
               stats: QuarterStatistics | None = None) -> bytes:
    """The annex as PDF bytes."""
    title = f"Anlage zur Rechnung – {report.municipality_name}, {de_quarter(report.quarter)}"
    pdf = Document(title)
    write_annex(pdf, report, entries, timezone, stats)
    return bytes(pdf.output())


def write_annex(pdf: Document, report: QuarterReport, entries: Iterable[EntryLine],
                timezone: ZoneInfo, stats: QuarterStatistics | None = None,
                invoice_number: str | None = None) -> None:
    """The annex's pages (summary, then the entry list), appended to ``pdf``."""
    safe = pdf.text_safe
    pdf.add_page()
    if invoice_number is not None:
        pdf.set_font(pdf.lotse_font, "", 9)
        pdf.cell(0, 5, safe(f"Anlage zur Rechnung {invoice_number}"), new_x="LMARGIN",
                 new_y="NEXT")
    pdf.set_font(pdf.lotse_font, "B", 15)
    pdf.multi_cell(0, 8, safe("Abrechnung Integrationsmanagement"), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_font(pdf.lotse_font, "", 11)
    pdf.multi_cell(0, 6, safe(f"{report.municipality_name} · {de_quarter(report.quarter)}"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.lotse_font, "", 9.5)
    bold_rows = {"Leistungen gesamt", "Nettobetrag", "Bruttobetrag"}
    with pdf.table(col_widths=(104, 70), text_align=("LEFT", "RIGHT"), first_row_as_headings=False,
                   line_height=5.6, padding=(0.6, 1.5)) as table:
        for label, value in summary_rows(report, timezone):
            style = FontFace(emphasis="BOLD", fill_color=GREY) if label in bold_rows else None
            row = table.row(style=style)
            row.cell(safe(label))
            row.cell(safe(value))
    if stats is not None:
        pdf.ln(4)
        pdf.set_font(pdf.lotse_font, "B", 10)
        pdf.cell(0, 6, safe("Kennzahlen für den Förderbericht"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.lotse_font, "", 9.5)
        with pdf.table(col_widths=(104, 70), text_align=("LEFT", "RIGHT"),
                       first_row_as_headings=False, line_height=5.6,
                       padding=(0.6, 1.5)) as table:
            for label, value in statistics_rows(stats):
                row = table.row()
                row.cell(safe(label))
                row.cell(safe(value))
    pdf.ln(3)
    pdf.set_font(pdf.lotse_font, "", 8)
    pdf.multi_cell(0, 4, safe(
        "Beträge kaufmännisch gerundet (Netto- und Umsatzsteuerbetrag auf volle Cent). "
        "Korrekturen zu bereits abgerechneten Quartalen werden in dem Quartal ausgewiesen, in "
        "dem sie gebucht wurden, zum damals abgerechneten Stundensatz. Das Einzelnachweis-"
        "verzeichnis enthält keine Namen, nur Fallnummern."), new_x="LMARGIN", new_y="NEXT")

    pdf.add_page()
    pdf.set_font(pdf.lotse_font, "B", 12)
    pdf.cell(0, 7, safe("Einzelnachweis"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.lotse_font, "", 8.5)
    with pdf.table(col_widths=(16, 24, 24, 44, 18, 28),
                   text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"),
                   headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
                   line_height=4.6, padding=(0.3, 1.2)) as table:
        heading = table.row()
        for label in ENTRY_HEADER:
            heading.cell(safe(label))
        written = 0
        for line in entries:
            row = table.row()
            for value in entry_row(line):
                row.cell(safe(value))
            written += 1
        if not written:
            row = table.row()
            row.cell(safe("Keine Einträge in diesem Quartal."), colspan=len(ENTRY_HEADER))
