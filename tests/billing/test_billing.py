"""Quarterly billing: exact money for any set of entries, quarters in Berlin time (DST too),
closing a quarter and correcting it in the next one."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.billing import build_report, close_quarter, live_report, money
from bot.billing.billing_figures import QuarterReport, to_figures
from bot.casework.contact_time import Target, log_time
from bot.casework.entries import book_correction, change_entry
from bot.config import load_municipalities
from bot.quarters import Quarter, committed_hours, local_date, service_days, week_of
from bot.refusal import QuarterClosed, Refused
from bot.roles import Actor, Role
from models import Caseworker, CaseworkerRole, Client, ContactEntry, ContactKind, Municipality
from tests.conftest import EXAMPLE_CONFIG
from tests.support.builders import add_caseworker, add_client, municipality

BERLIN = ZoneInfo("Europe/Berlin")
CONFIGS = load_municipalities(EXAMPLE_CONFIG)
CLEEBRONN = next(c for c in CONFIGS if c.key == "cleebronn")
Q1 = Quarter(2025, 1)


def no_floats(value: Any, path: str = "report") -> None:
    """Walk the report (and its stored figures) and refuse any float."""
    assert not isinstance(value, float), path
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            no_floats(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            no_floats(item, f"{path}[{key}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            no_floats(item, f"{path}[{index}]")


async def _people(sessions: async_sessionmaker[AsyncSession]) -> tuple[Actor, Client]:
    worker_id = await add_caseworker(sessions, telegram_id=821, towns=("cleebronn",))
    await add_client(sessions, telegram_id=5301, now=datetime(2025, 1, 2, tzinfo=UTC))
    async with sessions() as session:
        client = await session.scalar(select(Client))
        cleebronn = await municipality(session, "cleebronn")
    assert client is not None
    return Actor(telegram_id=821, role=Role.CASEWORKER, language="de",
                 caseworker_id=worker_id, municipality_ids=frozenset({cleebronn.id})), client


async def _log(sessions: async_sessionmaker[AsyncSession], actor: Actor, client: Client,
               minutes: int, *, now: datetime, day: date | None = None,
               kind: ContactKind = ContactKind.CONSULTATION, key: str) -> ContactEntry:
    async with sessions() as session, session.begin():
        target = Target(municipality=await municipality(session, "cleebronn"), client=client)
        entry, _ = await log_time(session, actor=actor, target=target, minutes=minutes,
                                  kind=kind, day=day, note=None, telegram_key=key, now=now,
                                  timezone=BERLIN, configs=CONFIGS)
        return entry


async def _report(sessions: async_sessionmaker[AsyncSession], quarter: Quarter
                  ) -> QuarterReport:
    async with sessions() as session:
        row = await municipality(session, "cleebronn")
        return await build_report(session, municipality=row, config=CLEEBRONN, quarter=quarter)


@given(minutes=st.integers(-600_000, 600_000), cents=st.integers(0, 50_000))
def test_money_is_rounded_half_up_to_the_cent(minutes: int, cents: int) -> None:
    rate = Decimal(cents) / 100
    amount = money(minutes, rate)
    exact = Decimal(minutes) * rate / 60
    assert amount.as_tuple().exponent == -2
    assert abs(amount - exact) <= Decimal("0.005")
    assert amount == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert money(90, Decimal("0.01")) == Decimal("0.02")  # 0.015 → 0.02, not banker's 0.02/0.01


ENTRY = st.tuples(st.sampled_from(list(ContactKind)), st.integers(1, 600), st.integers(0, 89))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(entries=st.lists(ENTRY, max_size=30),
       rate=st.decimals(min_value=0, max_value=250, places=2, allow_nan=False),
       vat=st.sampled_from([Decimal("0"), Decimal("0.07"), Decimal("0.19")]))
async def test_for_any_entries_net_plus_vat_is_gross_and_totals_add_up(
    sessions: async_sessionmaker[AsyncSession], entries: list[tuple[ContactKind, int, int]],
    rate: Decimal, vat: Decimal,
) -> None:
    async with sessions() as session, session.begin():
        await session.execute(delete(ContactEntry))
        await session.execute(update(Municipality).where(Municipality.key == "cleebronn")
                              .values(hourly_rate=rate, vat_rate=vat))
        cleebronn = await municipality(session, "cleebronn")
        caseworker = await session.scalar(select(Caseworker))
        if caseworker is None:  # the database is emptied per test, not per example
            caseworker = Caseworker(name="B", role=CaseworkerRole.CASEWORKER, language="de")
            session.add(caseworker)
            await session.flush()
        for kind, minutes, offset in entries:
            day = Q1.first_day + timedelta(days=offset)
            session.add(ContactEntry(caseworker_id=caseworker.id, municipality_id=cleebronn.id,
                                     kind=kind, minutes=minutes, entry_date=day,
                                     quarter=Q1.key, is_correction=False))
    report = await _report(sessions, Q1)
    assert report.total_minutes == sum(m for _, m, _ in entries)
    for line in report.kinds:
        assert line.minutes == sum(m for k, m, _ in entries if k is line.kind)
    assert report.entry_count == len(entries)
    assert report.hourly_rate == rate and report.vat_rate == vat
    assert report.net == money(report.total_minutes, rate)
    assert report.vat == (report.net * vat).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert report.net + report.vat == report.gross
    no_floats(report)
    no_floats(to_figures(report))


@pytest.mark.parametrize(("moment", "day", "quarter"), [
    (datetime(2025, 3, 31, 21, 30, tzinfo=UTC), date(2025, 3, 31), "2025Q1"),  # 23:30 CEST
    (datetime(2025, 3, 31, 22, 30, tzinfo=UTC), date(2025, 4, 1), "2025Q2"),  # 00:30 CEST
    (datetime(2024, 12, 31, 23, 30, tzinfo=UTC), date(2025, 1, 1), "2025Q1"),  # 00:30 CET
    (datetime(2025, 3, 30, 1, 30, tzinfo=UTC), date(2025, 3, 30), "2025Q1"),  # after 02:00→03:00
])
async def test_entries_belong_to_the_quarter_of_their_berlin_date(
    sessions: async_sessionmaker[AsyncSession], moment: datetime, day: date, quarter: str
) -> None:
    actor, client = await _people(sessions)
    entry = await _log(sessions, actor, client, 30, now=moment, key=f"m1:{moment:%H%M%d}")
    assert (entry.entry_date, entry.quarter) == (day, quarter)


def test_quarter_bounds_follow_daylight_saving_time() -> None:
    start, end = Q1.bounds(BERLIN)
    assert start == datetime(2024, 12, 31, 23, tzinfo=UTC)  # CET, UTC+1
    assert end == datetime(2025, 3, 31, 22, tzinfo=UTC)  # CEST, UTC+2 since 30 March
    assert end - start == timedelta(days=90, hours=-1)
    q4_start, q4_end = Quarter(2025, 4).bounds(BERLIN)
    assert (q4_start, q4_end) == (datetime(2025, 9, 30, 22, tzinfo=UTC),
                                  datetime(2025, 12, 31, 23, tzinfo=UTC))
    assert local_date(datetime(2025, 10, 26, 23, 30, tzinfo=UTC), BERLIN) == date(2025, 10, 27)
    assert week_of(date(2025, 10, 26)) == (date(2025, 10, 20), date(2025, 10, 26))
    assert Quarter.parse("2025q4") == Quarter(2025, 4) and Quarter.parse("2025Q5") is None


def test_committed_hours_count_service_weeks_from_the_start_date() -> None:
    assert service_days(Q1.first_day, Q1.last_day, date(2025, 1, 1)) == 90
    assert committed_hours(Decimal("15"), 90) == Decimal("192.86")  # 15 h × 90/7 weeks
    assert service_days(Q1.first_day, Q1.last_day, date(2025, 3, 1)) == 31
    assert service_days(Q1.first_day, Q1.last_day, date(2025, 4, 1)) == 0


async def test_closing_locks_the_quarter_and_corrections_go_into_the_next(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    actor, client = await _people(sessions)
    march = datetime(2025, 3, 10, 9, tzinfo=UTC)
    entry = await _log(sessions, actor, client, 100, now=march, key="m1:1")
    await _log(sessions, actor, client, 50, now=march, key="m1:2", kind=ContactKind.PHONE)
    admin = dataclasses.replace(actor, role=Role.ADMIN)

    async def close(now: datetime) -> QuarterReport:
        async with sessions() as session, session.begin():
            row = await municipality(session, "cleebronn")
            return await close_quarter(session, actor=admin, municipality=row, config=CLEEBRONN,
                                       quarter=Q1, now=now, timezone=BERLIN)

    with pytest.raises(Refused):  # 31 March, 23:00 in Berlin: the quarter is not over
        await close(datetime(2025, 3, 31, 21, 0, tzinfo=UTC))
    april = datetime(2025, 4, 2, 8, tzinfo=UTC)
    closed = await close(april)
    assert (closed.total_minutes, closed.net, closed.vat, closed.gross) == (
        150, Decimal("155.00"), Decimal("29.45"), Decimal("184.45"))
    assert closed.committed_hours == Decimal("192.86")
    assert closed.subsidy_share == Decimal("2712.33")  # 11,000 € × 90/365
    with pytest.raises(Refused):
        await close(april)

    # Nothing changes the closed quarter: new time, edits; its report stays as billed.
    with pytest.raises(QuarterClosed):
        await _log(sessions, actor, client, 20, now=april, day=date(2025, 3, 20), key="m1:3")
    with pytest.raises(QuarterClosed):
        async with sessions() as session, session.begin():
            await change_entry(session, actor=actor, entry_id=entry.id, now=april,
                               timezone=BERLIN, configs=CONFIGS, minutes=90)
    async with sessions() as session, session.begin():  # a new rate from April on
        await session.execute(update(Municipality).values(hourly_rate=Decimal("70.00")))
    assert await _report(sessions, Q1) == closed

    async with sessions() as session, session.begin():
        correction, created = await book_correction(
            session, actor=actor, entry_id=entry.id, corrected_minutes=70, telegram_key="b1:9",
            now=april, timezone=BERLIN)
    assert created and (correction.minutes, correction.quarter) == (-30, "2025Q2")
    await _log(sessions, actor, client, 60, now=april, key="m1:4")
    q2 = await _report(sessions, Quarter(2025, 2))
    assert (q2.regular_minutes, q2.correction_minutes) == (60, -30)
    [line] = q2.corrections
    # The correction is valued at the rate Q1 was billed at (62.00), April's time at 70.00.
    assert (line.origin, line.hourly_rate, line.net) == (Q1, Decimal("62.00"), Decimal("-31.00"))
    assert (q2.regular_net, q2.net) == (Decimal("70.00"), Decimal("39.00"))
    assert q2.gross == q2.net + q2.vat == Decimal("46.41")
    async with sessions() as session:
        row = await municipality(session, "cleebronn")
        live = await live_report(session, municipality=row, config=CLEEBRONN, quarter=Q1)
    assert live.total_minutes == 150  # the billed entry itself was never changed
