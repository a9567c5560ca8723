"""The quarterly report as values, and its exact round trip through the stored figures.

Decimals travel as strings, never as floats, so a closed quarter reads back to the cent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from bot.quarters import Quarter, round_half_up
from models import ContactKind

SIXTY = Decimal(60)


def hours(minutes: int) -> Decimal:
    """Minutes as decimal hours, to the hundredth (for display; money uses the minutes)."""
    return round_half_up(Decimal(minutes) / SIXTY)


@dataclass(frozen=True)
class KindLine:
    kind: ContactKind
    minutes: int

    @property
    def hours(self) -> Decimal:
        return hours(self.minutes)


@dataclass(frozen=True)
class CorrectionLine:
    """Corrections to one earlier quarter, valued at the rate that quarter was billed at."""

    origin: Quarter
    minutes: int
    hourly_rate: Decimal
    net: Decimal


@dataclass(frozen=True)
class QuarterReport:
    municipality_key: str
    municipality_name: str
    quarter: Quarter
    hourly_rate: Decimal
    vat_rate: Decimal
    kinds: tuple[KindLine, ...]  # ordinary entries, every kind
    correction_kinds: tuple[KindLine, ...]  # corrections booked into this quarter, by kind
    corrections: tuple[CorrectionLine, ...]  # the same, by the quarter they correct
    regular_net: Decimal
    net: Decimal
    vat: Decimal
    gross: Decimal
    entry_count: int
    service_days: int
    weekly_hours: Decimal | None
    committed_hours: Decimal | None
    annual_subsidy: Decimal | None
    subsidy_share: Decimal | None
    closed_at: datetime | None

    @property
    def regular_minutes(self) -> int:
        return sum(line.minutes for line in self.kinds)

    @property
    def correction_minutes(self) -> int:
        return sum(line.minutes for line in self.correction_kinds)

    @property
    def total_minutes(self) -> int:
        return self.regular_minutes + self.correction_minutes

    @property
    def recorded_hours(self) -> Decimal:
        return hours(self.total_minutes)

    @property
    def correction_net(self) -> Decimal:
        return self.net - self.regular_net

    @property
    def service_weeks(self) -> Decimal:
        return round_half_up(Decimal(self.service_days) / Decimal(7))


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _number(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def to_figures(report: QuarterReport) -> dict[str, Any]:
    """Every figure as JSON-safe text and integers."""
    return {
        "municipality_key": report.municipality_key,
        "municipality_name": report.municipality_name,
        "quarter": report.quarter.key,
        "hourly_rate": str(report.hourly_rate),
        "vat_rate": str(report.vat_rate),
        "kinds": {line.kind.value: line.minutes for line in report.kinds},
        "correction_kinds": {line.kind.value: line.minutes for line in report.correction_kinds},
        "corrections": [
            {"origin": line.origin.key, "minutes": line.minutes,
             "hourly_rate": str(line.hourly_rate), "net": str(line.net)}
            for line in report.corrections
        ],
        "regular_net": str(report.regular_net),
        "net": str(report.net),
        "vat": str(report.vat),
        "gross": str(report.gross),
        "entry_count": report.entry_count,
        "service_days": report.service_days,
        "weekly_hours": _text(report.weekly_hours),
        "committed_hours": _text(report.committed_hours),
        "annual_subsidy": _text(report.annual_subsidy),
        "subsidy_share": _text(report.subsidy_share),
    }


def from_figures(figures: dict[str, Any], *, closed_at: datetime | None) -> QuarterReport:
    quarter = Quarter.parse(figures["quarter"])
    assert quarter is not None
    corrections = []
    for line in figures["corrections"]:
        origin = Quarter.parse(line["origin"])
        assert origin is not None
        corrections.append(CorrectionLine(origin, int(line["minutes"]),
                                          Decimal(line["hourly_rate"]), Decimal(line["net"])))
    return QuarterReport(
        municipality_key=figures["municipality_key"],
        municipality_name=figures["municipality_name"],
        quarter=quarter,
        hourly_rate=Decimal(figures["hourly_rate"]),
        vat_rate=Decimal(figures["vat_rate"]),
        kinds=tuple(KindLine(ContactKind(k), int(m)) for k, m in figures["kinds"].items()),
        correction_kinds=tuple(KindLine(ContactKind(k), int(m))
                               for k, m in figures["correction_kinds"].items()),
        corrections=tuple(corrections),
        regular_net=Decimal(figures["regular_net"]),
        net=Decimal(figures["net"]),
        vat=Decimal(figures["vat"]),
        gross=Decimal(figures["gross"]),
        entry_count=int(figures["entry_count"]),
        service_days=int(figures["service_days"]),
        weekly_hours=_number(figures["weekly_hours"]),
        committed_hours=_number(figures["committed_hours"]),
        annual_subsidy=_number(figures["annual_subsidy"]),
        subsidy_share=_number(figures["subsidy_share"]),
        closed_at=closed_at,
    )
