"""Quarterly billing: hours per kind, net, VAT and gross, and closing a quarter for good.

Sums are taken in SQL. Money is Decimal throughout, rounded half up to cents at the net and
at the VAT line. A closed quarter's report is read back from the figures stored at closing;
later changes to its entries are booked as corrections into the current quarter, shown on
that quarter's report separately and valued at the rate their own quarter was billed at.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.billing.billing_figures import (
    SIXTY,
    CorrectionLine,
    KindLine,
    QuarterReport,
    from_figures,
    to_figures,
)
from bot.config import MunicipalityConfig
from bot.i18n import N_
from bot.quarters import Quarter, committed_hours, local_date, round_half_up, service_days
from bot.refusal import Refused
from bot.roles import Actor
from models import ClosedQuarter, ContactEntry, ContactKind, Municipality

__all__ = ["CorrectionLine", "KindLine", "QuarterReport", "build_report", "close_quarter"]


def money(minutes: int, rate: Decimal) -> Decimal:
    """The price of ``minutes`` at an hourly rate, rounded half up to the cent."""
    return round_half_up(Decimal(minutes) * rate / SIXTY)


async def _sums(session: AsyncSession, municipality_id: int, quarter: Quarter
                ) -> tuple[dict[ContactKind, int], dict[ContactKind, int], int]:
    """Minutes per kind of ordinary entries and of corrections, and the number of entries."""
    rows = await session.execute(
        select(ContactEntry.kind, ContactEntry.is_correction, func.sum(ContactEntry.minutes),
               func.count())
        .where(ContactEntry.municipality_id == municipality_id,
               ContactEntry.quarter == quarter.key, ContactEntry.deleted_at.is_(None))
        .group_by(ContactEntry.is_correction, ContactEntry.kind)  # the index's order
    )
    regular: dict[ContactKind, int] = {}
    corrections: dict[ContactKind, int] = {}
    count = 0
    for kind, is_correction, minutes, number in rows:
        (corrections if is_correction else regular)[kind] = int(minutes)
        count += int(number)
    return regular, corrections, count


async def _correction_lines(session: AsyncSession, municipality: Municipality,
                            quarter: Quarter) -> tuple[CorrectionLine, ...]:
    """Corrections grouped by the quarter of the work, each at that quarter's billed rate."""
    rows = await session.execute(
        select(ContactEntry.entry_date, ContactEntry.minutes).where(
            ContactEntry.municipality_id == municipality.id, ContactEntry.quarter == quarter.key,
            ContactEntry.is_correction.is_(True), ContactEntry.deleted_at.is_(None)))
    by_origin: dict[Quarter, int] = {}
    for day, minutes in rows:
        origin = Quarter.of(day)
        by_origin[origin] = by_origin.get(origin, 0) + int(minutes)
    rates = dict((await session.execute(
        select(ClosedQuarter.quarter, ClosedQuarter.hourly_rate).where(
            ClosedQuarter.municipality_id == municipality.id,
            ClosedQuarter.quarter.in_([q.key for q in by_origin])))).all())
    lines = []
    for origin in sorted(by_origin):
        rate = Decimal(rates.get(origin.key, municipality.hourly_rate))
        minutes = by_origin[origin]
        lines.append(CorrectionLine(origin=origin, minutes=minutes, hourly_rate=rate,
                                    net=money(minutes, rate)))
    return tuple(lines)


async def live_report(session: AsyncSession, *, municipality: Municipality,
                      config: MunicipalityConfig | None, quarter: Quarter) -> QuarterReport:
    """The report from the entries as they are now."""
    regular, corrected, count = await _sums(session, municipality.id, quarter)
    rate, vat_rate = Decimal(municipality.hourly_rate), Decimal(municipality.vat_rate)
    corrections = await _correction_lines(session, municipality, quarter) if corrected else ()
    regular_minutes = sum(regular.values())
    regular_net = money(regular_minutes, rate)
    net = regular_net + sum((line.net for line in corrections), Decimal("0.00"))
    vat = round_half_up(net * vat_rate)
    days = service_days(quarter.first_day, quarter.last_day,
                        config.service_start if config else None)
    weekly = config.weekly_hours if config else None
    subsidy = config.annual_subsidy if config else None
    year_days = 366 if quarter.year % 4 == 0 and (
        quarter.year % 100 != 0 or quarter.year % 400 == 0) else 365
    return QuarterReport(
        municipality_key=municipality.key, municipality_name=municipality.name,
        quarter=quarter, hourly_rate=rate, vat_rate=vat_rate,
        kinds=tuple(KindLine(kind, regular.get(kind, 0)) for kind in ContactKind),
        correction_kinds=tuple(KindLine(kind, corrected[kind]) for kind in ContactKind
                               if kind in corrected),
        corrections=corrections, regular_net=regular_net, net=net, vat=vat, gross=net + vat,
        entry_count=count, service_days=days, weekly_hours=weekly,
        committed_hours=committed_hours(weekly, days) if weekly is not None else None,
        annual_subsidy=subsidy,
        subsidy_share=round_half_up(subsidy * days / year_days) if subsidy is not None
        else None,
        closed_at=None,
    )


async def build_report(session: AsyncSession, *, municipality: Municipality,
                       config: MunicipalityConfig | None, quarter: Quarter) -> QuarterReport:
    """The quarter's report: the stored figures once it is closed, else computed now."""
    closed = await session.scalar(select(ClosedQuarter).where(
        ClosedQuarter.municipality_id == municipality.id, ClosedQuarter.quarter == quarter.key))
    if closed is not None:
        return from_figures(closed.figures, closed_at=closed.closed_at)
    return await live_report(session, municipality=municipality, config=config, quarter=quarter)


def check_closable(quarter: Quarter, *, now: datetime, timezone: ZoneInfo) -> None:
    """A quarter can be closed once it is over, in local time."""
    if local_date(now, timezone) <= quarter.last_day:
        raise Refused(N_("%(quarter)s is not over yet: it can be closed from %(date)s on."),
                      quarter=quarter.key, date=quarter.next().first_day)


async def close_quarter(session: AsyncSession, *, actor: Actor, municipality: Municipality,
                        config: MunicipalityConfig | None, quarter: Quarter, now: datetime,
                        timezone: ZoneInfo) -> QuarterReport:
    """Store the quarter's totals and lock its entries; refused before the quarter ends."""
    check_closable(quarter, now=now, timezone=timezone)
    # Nobody logs time into this municipality while the totals are taken (PostgreSQL).
    await session.execute(select(Municipality.id).where(
        Municipality.id == municipality.id).with_for_update())
    closed = await session.scalar(select(ClosedQuarter).where(
        ClosedQuarter.municipality_id == municipality.id, ClosedQuarter.quarter == quarter.key))
    if closed is not None:
        raise Refused(N_("%(quarter)s of %(municipality)s was already closed on %(date)s."),
                      quarter=quarter.key, municipality=municipality.name, date=closed.closed_at)
    report = await live_report(session, municipality=municipality, config=config,
                               quarter=quarter)
    session.add(ClosedQuarter(
        municipality_id=municipality.id, quarter=quarter.key, closed_at=now,
        closed_by_id=actor.caseworker_id, total_minutes=report.total_minutes,
        hourly_rate=report.hourly_rate, vat_rate=report.vat_rate, net=report.net,
        vat=report.vat, gross=report.gross, figures=to_figures(report),
    ))
    await session.flush()
    audit(session, actor=actor, action="billing:close", target=f"municipality:{municipality.key}",
          detail=f"{quarter.key}: {report.total_minutes} min, gross {report.gross}")
    return from_figures(to_figures(report), closed_at=now)
