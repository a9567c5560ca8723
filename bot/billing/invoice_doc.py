"""An invoice or credit note as values: parties, lines, totals; shared by PDF and XML.

Every amount is a Decimal rounded half up to cents, computed once here, so the PDF and the
XML show the same figures. A line's net is its minutes at its hourly rate, rounded to the
cent (the quantity shown is the minutes as hours, to the hundredth); the invoice net is the
sum of the line nets (EN 16931 BR-CO-10), the VAT is the net at the VAT rate, rounded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from bot.billing.billing_figures import SIXTY, QuarterReport, hours
from bot.billing.report_export import KIND_DE
from bot.config import InvoiceRecipient, IssuerConfig
from bot.quarters import Quarter, round_half_up

TYPE_INVOICE = "380"  # UNTDID 1001: commercial invoice
TYPE_CREDIT_NOTE = "381"  # UNTDID 1001: credit note


@dataclass(frozen=True)
class InvoiceLine:
    name: str  # what was done: "Integrationsmanagement – Beratung"
    minutes: int
    hourly_rate: Decimal
    refers_to: str | None = None  # a correction: the invoice number it corrects

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)

    @property
    def net(self) -> Decimal:
        return round_half_up(Decimal(self.minutes) * self.hourly_rate / SIXTY)


@dataclass(frozen=True)
class InvoiceData:
    number: str
    type_code: str  # 380 or 381
    issue_date: date
    issuer: IssuerConfig
    recipient: InvoiceRecipient
    quarter: Quarter
    lines: tuple[InvoiceLine, ...]
    vat_rate: Decimal  # a fraction: 0.19
    refers_to: str | None = None  # a credit note: the invoice it cancels
    refers_to_date: date | None = None

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == TYPE_CREDIT_NOTE

    @property
    def net(self) -> Decimal:
        return sum((line.net for line in self.lines), Decimal("0.00"))

    @property
    def vat(self) -> Decimal:
        return round_half_up(self.net * self.vat_rate)

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat

    @property
    def vat_percent(self) -> Decimal:
        return (self.vat_rate * 100).quantize(Decimal("0.01"))

    @property
    def due_date(self) -> date:
        return self.issue_date + timedelta(days=self.issuer.payment_days)

    @property
    def leitweg_id(self) -> str | None:
        return self.recipient.leitweg_id


def quarter_lines(report: QuarterReport, originals: dict[str, str]) -> tuple[InvoiceLine, ...]:
    """One line per contact kind with time, then one per corrected quarter.

    ``originals`` maps a quarter key to the number of the invoice that billed it.
    """
    lines = [InvoiceLine(f"Integrationsmanagement – {KIND_DE[line.kind]}",
                         line.minutes, report.hourly_rate)
             for line in report.kinds if line.minutes]
    for correction in report.corrections:
        number = originals.get(correction.origin.key)
        label = f"Korrektur zu {correction.origin.number}. Quartal {correction.origin.year}"
        if number:
            label += f" (Rechnung {number})"
        lines.append(InvoiceLine(label, correction.minutes, correction.hourly_rate,
                                 refers_to=number))
    return tuple(lines)


def format_number(prefix: str, year: int, sequence: int) -> str:
    return f"{prefix}-{year}-{sequence:04d}"


def line_total(lines: Iterable[InvoiceLine]) -> Decimal:
    return sum((line.net for line in lines), Decimal("0.00"))
