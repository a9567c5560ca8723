"""The invoice as PDF: the page with every field of § 14 (4) UStG, then the annex.

German throughout (it is the municipality's document). The amounts come from
:class:`bot.billing.invoice_doc.InvoiceData`, the same values the XML carries.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from fpdf.fonts import FontFace

from bot.billing.billing_figures import QuarterReport
from bot.billing.invoice_doc import InvoiceData
from bot.billing.report_export import EntryLine, de_date, de_euro, de_number, de_plain
from bot.billing.report_pdf import GREY, Document, write_annex
from bot.billing.statistics import QuarterStatistics


def title_of(data: InvoiceData) -> str:
    return f"{'Stornorechnung' if data.is_credit_note else 'Rechnung'} {data.number}"


def invoice_pdf(data: InvoiceData, *, created: datetime, report: QuarterReport | None = None,
                entries: Iterable[EntryLine] = (), timezone: ZoneInfo | None = None,
                stats: QuarterStatistics | None = None) -> bytes:
    """The invoice page, then (for an invoice with its report) the annex."""
    issuer, recipient = data.issuer, data.recipient
    pdf = Document(title_of(data))
    pdf.creation_date = created
    safe = pdf.text_safe
    pdf.add_page()
    font = pdf.lotse_font

    pdf.set_font(font, "", 7.5)
    pdf.cell(0, 4, safe(f"{issuer.name} · {issuer.address.street} · {issuer.address.postcode} "
                        f"{issuer.address.city}"), new_x="LMARGIN", new_y="NEXT")
    top = pdf.get_y() + 2
    pdf.set_xy(pdf.l_margin, top)
    pdf.set_font(font, "", 10.5)
    pdf.multi_cell(85, 5.2, safe("\n".join((recipient.name, *recipient.address.lines))),
                   new_x="LMARGIN", new_y="NEXT")

    facts = [("Rechnungsnummer", data.number), ("Rechnungsdatum", de_date(data.issue_date)),
             ("Leistungszeitraum", f"{de_date(data.quarter.first_day)} – "
                                   f"{de_date(data.quarter.last_day)}")]
    if issuer.tax_number:
        facts.append(("Steuernummer", issuer.tax_number))
    if issuer.vat_id:
        facts.append(("USt-IdNr.", issuer.vat_id))
    if data.leitweg_id:
        facts.append(("Leitweg-ID", data.leitweg_id))
    facts += [("Ansprechpartner", issuer.contact_name), ("Telefon", issuer.contact_phone),
              ("E-Mail", issuer.contact_email)]
    pdf.set_font(font, "", 8.5)
    y = top
    for label, value in facts:
        pdf.set_xy(104, y)
        pdf.cell(33, 4.6, safe(label + ":"))
        pdf.multi_cell(55, 4.6, safe(value), new_x="LMARGIN", new_y="NEXT")
        y = pdf.get_y()
    pdf.set_y(max(y, pdf.get_y()) + 8)

    pdf.set_font(font, "B", 15)
    pdf.cell(0, 8, safe(title_of(data)), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(font, "", 10)
    if data.is_credit_note:
        intro = (f"Hiermit stornieren wir die Rechnung {data.refers_to}"
                 + (f" vom {de_date(data.refers_to_date)}" if data.refers_to_date else "")
                 + " vollständig. Die folgenden Beträge werden gutgeschrieben.")
    else:
        intro = (f"Für die Leistungen des Integrationsmanagements für {recipient.name} im "
                 f"{data.quarter.number}. Quartal {data.quarter.year} berechnen wir:")
    pdf.multi_cell(0, 5.2, safe(intro), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)

    pdf.set_font(font, "", 9)
    with pdf.table(col_widths=(12, 80, 24, 28, 30),
                   text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
                   headings_style=FontFace(emphasis="BOLD", fill_color=GREY),
                   line_height=5.2, padding=(0.6, 1.5)) as table:
        heading = table.row()
        for label in ("Pos.", "Leistung", "Menge", "Stundensatz", "Nettobetrag"):
            heading.cell(safe(label))
        for number, line in enumerate(data.lines, 1):
            row = table.row()
            row.cell(str(number))
            row.cell(safe(line.name))
            row.cell(safe(f"{de_number(line.hours)} Std."))
            row.cell(safe(de_euro(line.hourly_rate)))
            row.cell(safe(de_euro(line.net)))
    pdf.ln(2)
    with pdf.table(col_widths=(120, 54), text_align=("RIGHT", "RIGHT"),
                   first_row_as_headings=False, line_height=5.6, padding=(0.6, 1.5),
                   borders_layout="NONE") as table:
        totals: tuple[tuple[str, Decimal, bool], ...] = (
                ("Nettobetrag", data.net, False),
                (f"Umsatzsteuer {de_plain(data.vat_percent.normalize())} %", data.vat, False),
                ("Rechnungsbetrag (brutto)" if not data.is_credit_note
                 else "Gutschriftsbetrag (brutto)", data.gross, True))
        for label, amount, bold in totals:
            row = table.row(style=FontFace(emphasis="BOLD") if bold else None)
            row.cell(safe(label))
            row.cell(safe(de_euro(amount)))
    pdf.ln(4)
    pdf.set_font(font, "", 9.5)
    if data.is_credit_note:
        payment = (f"Der Betrag von {de_euro(data.gross)} wird mit offenen Forderungen "
                   "verrechnet oder erstattet.")
    else:
        payment = (f"{issuer.payment_terms} Fällig am {de_date(data.due_date)}. Bitte "
                   f"überweisen Sie {de_euro(data.gross)} unter Angabe der Rechnungsnummer "
                   f"{data.number}.")
    pdf.multi_cell(0, 5, safe(payment), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    pdf.multi_cell(0, 5, safe(
        f"Bankverbindung: {issuer.account_holder} · IBAN {_iban(issuer.iban)} · "
        f"BIC {issuer.bic}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(font, "", 8)
    pdf.multi_cell(0, 4, safe(
        "Menge: erfasste Minuten in Stunden; der Nettobetrag jeder Position ist Minuten × "
        "Stundensatz ÷ 60, kaufmännisch auf volle Cent gerundet, die Umsatzsteuer auf den "
        "Nettobetrag ebenso. Diese Rechnung ist zugleich eine elektronische Rechnung: die "
        "Rechnungsdaten (ZUGFeRD/Factur-X, EN 16931) sind in diese PDF-Datei eingebettet."
        + ("" if data.is_credit_note or report is None
           else " Der Einzelnachweis folgt als Anlage.")), new_x="LMARGIN", new_y="NEXT")
    if report is not None and not data.is_credit_note:
        write_annex(pdf, report, entries, timezone or ZoneInfo("Europe/Berlin"), stats,
                    invoice_number=data.number)
    return bytes(pdf.output())


def _iban(iban: str) -> str:
    return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
