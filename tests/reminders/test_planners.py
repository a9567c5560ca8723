"""Planners with a fake clock: every reminder kind planned once, at the right local time
(also across the clock changes of 29 March and 25 October 2026), in the client's language."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import ConfigError, load_municipalities
from bot.outbox.queue import RENDERERS
from bot.reminders.appointments import create_appointment
from bot.reminders.planners import Planned, hold_off_setting_changes, plan_all
from bot.reminders.reminder_settings import set_paused, settings_of, toggle
from bot.reminders.waste_calendar import ParsedCalendar
from bot.reminders.waste_import import import_collections
from models import (
    AppointmentKind,
    Child,
    ChildPlace,
    Client,
    OutboxMessage,
    OutboxState,
    WasteCollection,
    WasteZone,
)
from tests.conftest import FakeClock
from tests.support.builders import BERLIN, add_client, client_by_reference, municipality, tr


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def plan(sessions: async_sessionmaker[AsyncSession], now: datetime,
               waste_time: time | None = None, client_id: int | None = None) -> Planned:
    async with sessions() as session, session.begin():
        return await plan_all(session, now=now, timezone=BERLIN, client_id=client_id,
                              waste_times={"cleebronn": waste_time} if waste_time else {})


async def rows(sessions: async_sessionmaker[AsyncSession], kind: str | None = None,
               state: OutboxState | None = OutboxState.PENDING) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.due_at, OutboxMessage.key)
        if kind:
            query = query.where(OutboxMessage.kind == kind)
        if state:
            query = query.where(OutboxMessage.state == state)
        return list(await session.scalars(query))


def text(row: OutboxMessage, language: str) -> str:
    return RENDERERS[row.kind](tr(language), row.params).text


async def client(sessions: async_sessionmaker[AsyncSession], telegram_id: int, language: str,
                 clock: FakeClock, name: str = "Olena") -> Client:
    reference = await add_client(sessions, telegram_id=telegram_id, language=language,
                                 name=name, now=clock())
    return await client_by_reference(sessions, reference)


async def zone_with(sessions: async_sessionmaker[AsyncSession],
                    days: dict[date, list[tuple[str, str]]], *clients: Client) -> int:
    async with sessions() as session, session.begin():
        zone = WasteZone(municipality_id=(await municipality(session, "cleebronn")).id,
                         name="Nord")
        session.add(zone)
        await session.flush()
        session.add_all(WasteCollection(zone_id=zone.id, day=day, kind=kind, name_de=name)
                        for day, bins in days.items() for kind, name in bins)
        for someone in clients:
            (await settings_of(session, someone.id)).waste_zone_id = zone.id
        return zone.id


async def add_child(sessions: async_sessionmaker[AsyncSession], someone: Client,
                    place: ChildPlace = ChildPlace.SCHOOL) -> None:
    async with sessions() as session, session.begin():
        session.add(Child(client_id=someone.id, name="Ivan", place=place))


async def appointment(sessions: async_sessionmaker[AsyncSession], someone: Client,
                      local: datetime, now: datetime) -> None:
    async with sessions() as session, session.begin():
        row = await session.get(Client, someone.id)
        assert row is not None
        await create_appointment(
            session, client=row, caseworker_id=None, starts_at=local.astimezone(UTC),
            kind=AppointmentKind.AUSLAENDERBEHOERDE, description=None,
            place=("Landratsamt Heilbronn", "Lerchenstraße 40, 74072 Heilbronn"), now=now,
            timezone=BERLIN)


RESTMUELL = [("restmuell", "Restmüll")]


async def test_waste_reminder_at_18_local_across_both_clock_changes(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    olena = await client(sessions, 7001, "uk", clock)
    zone = await zone_with(sessions, {
        date(2026, 3, 28): RESTMUELL,  # evening before: Friday 27 March, winter time
        date(2026, 3, 30): [("bio", "Biotonne"), ("restmuell", "Restmüll")],  # Sunday: summer
        date(2026, 10, 24): RESTMUELL,  # Friday 23 October, summer time
        date(2026, 10, 26): [("other", "Kompostplatz")],  # Sunday 25 October: winter time
    }, olena)
    clock.now = utc(2026, 3, 20, 9)
    assert (await plan(sessions, clock())).waste == 2
    assert (await plan(sessions, clock())).waste == 0  # a second run plans nothing
    clock.now = utc(2026, 10, 15, 9)
    assert (await plan(sessions, clock())).waste == 2
    planned = await rows(sessions, "waste.reminder")
    assert [r.due_at for r in planned] == [
        utc(2026, 3, 27, 17), utc(2026, 3, 29, 16), utc(2026, 10, 23, 16), utc(2026, 10, 25, 17)]
    assert [r.expires_at for r in planned][1] == utc(2026, 3, 29, 19)  # 21:00 local
    assert planned[1].key == f"waste:{zone}:2026-03-30:{olena.id}"
    assert {r.chat_id for r in planned} == {7001} and planned[0].params["category"] == "waste"
    uk = tr("uk")
    message = text(planned[1], "uk")
    assert uk._("🗑 Tomorrow, %(date)s, is collection day:", date=date(2026, 3, 30)) in message
    assert uk._("Organic waste, brown bin (Biotonne)") in message
    assert uk._("Residual waste, black bin (Restmüll)") in message
    assert uk.ngettext("Please put it out at the kerb by %(time)s tomorrow morning.",
                       "Please put them out at the kerb by %(time)s tomorrow morning.", 2,
                       time="06:00") in message
    assert "🗑 Kompostplatz" in text(planned[3], "uk")  # unknown types in German


async def test_waste_time_per_municipality_and_late_planning_until_21(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    olena = await client(sessions, 7002, "uk", clock)
    await zone_with(sessions, {date(2026, 3, 10): RESTMUELL}, olena)
    clock.now = utc(2026, 3, 9, 20, 30)  # 21:30 local: too late for tonight
    assert (await plan(sessions, clock())).waste == 0
    clock.now = utc(2026, 3, 9, 18, 30)  # 19:30 local: still this evening, sent at once
    assert (await plan(sessions, clock(), waste_time=time(17, 30))).waste == 1
    [row] = await rows(sessions, "waste.reminder")
    assert row.due_at == utc(2026, 3, 9, 16, 30) and row.expires_at == utc(2026, 3, 9, 20)


def test_waste_reminder_time_is_configurable_in_the_toml(tmp_path: Path) -> None:
    base = ('[[municipality]]\nkey = "x"\nname = "X"\nhourly_rate = "1"\nvat_rate = "0.19"\n')
    path = tmp_path / "a.toml"
    path.write_text(base)
    assert load_municipalities(path)[0].waste_reminder_time == time(18, 0)
    path.write_text(base + 'waste_reminder_time = "19:15"\n')
    assert load_municipalities(path)[0].waste_reminder_time == time(19, 15)
    path.write_text(base + 'waste_reminder_time = "22:00"\n')
    with pytest.raises(ConfigError, match=r"a\.toml:6: waste_reminder_time must be between"):
        load_municipalities(path)


async def test_school_reminders_before_and_after_holidays_across_clock_changes(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    amal = await client(sessions, 7003, "ar", clock, "Amal")
    kita_only = await client(sessions, 7004, "uk", clock)
    await add_child(sessions, amal)
    await add_child(sessions, kita_only, ChildPlace.KITA)
    for now in (utc(2026, 3, 20, 9), utc(2026, 4, 5, 9), utc(2026, 9, 1, 9),
                utc(2026, 10, 15, 9), utc(2026, 10, 20, 9)):
        await plan(sessions, now)
    planned = await rows(sessions, "school.reminder")
    assert [(r.params["event"], r.due_at) for r in planned] == [
        ("end", utc(2026, 3, 26, 17)),  # Thursday before the last school day (27 March)
        ("start", utc(2026, 4, 12, 16)),  # Sunday before 13 April, summer time
        ("year", utc(2026, 9, 13, 16)),  # the new school year begins on 14 September
        ("end", utc(2026, 10, 22, 16)),  # last school day before Herbstferien: 23 October
        ("start", utc(2026, 11, 1, 17)),  # 2 November, winter time again
    ]
    assert {r.chat_id for r in planned} == {7003}  # Kita children have other closing days
    ar = tr("ar")
    end = text(planned[0], "ar")
    assert ar._("🏫 Tomorrow, %(date)s, is the last school day before the holidays.",
                date=date(2026, 3, 27)) in end
    assert ar._("Holidays: %(name)s, %(first)s – %(last)s.",
                name=ar._("Easter holidays (Osterferien)"), first=date(2026, 3, 30),
                last=date(2026, 4, 11)) in end
    assert ar._("School starts again on %(date)s.", date=date(2026, 4, 13)) in end
    assert ar._("Children who are new in Germany must go to school too (Schulpflicht). If "
                "your child has no school place yet, please contact your integration manager "
                "now.") in text(planned[2], "ar")


async def test_appointment_reminders_evening_before_and_two_hours_before(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    amal = await client(sessions, 7005, "ar", clock, "Amal")
    clock.now = utc(2026, 3, 20, 9)
    await appointment(sessions, amal, datetime(2026, 3, 30, 10, tzinfo=BERLIN), clock())
    await appointment(sessions, amal, datetime(2026, 10, 26, 8, tzinfo=BERLIN), clock())
    await appointment(sessions, amal, datetime(2026, 10, 27, 7, 15, tzinfo=BERLIN), clock())
    assert (await plan(sessions, clock())).appointments == 0  # planned when entered
    planned = await rows(sessions, "external.reminder")
    assert [(r.params["moment"], r.due_at) for r in planned] == [
        ("evening", utc(2026, 3, 29, 16)),  # Sunday of the clock change, 18:00 summer time
        ("soon", utc(2026, 3, 30, 6)),  # 08:00 summer time
        ("evening", utc(2026, 10, 25, 17)),  # 18:00 winter time
        ("soon", utc(2026, 10, 26, 6)),  # 06:00 would be at night: 07:00 instead
        ("evening", utc(2026, 10, 26, 17)),  # 07:15: no second reminder before 07:00
    ]
    assert [r.expires_at for r in planned][:2] == [utc(2026, 3, 30, 8)] * 2
    notices = await rows(sessions, "external.new")
    assert len(notices) == 3 and notices[0].due_at == clock()
    ar = tr("ar")
    evening = text(planned[0], "ar")
    assert ar._("⏰ Reminder: tomorrow, %(date)s, at %(time)s you have an appointment.",
                date=ar.fmt_date(date(2026, 3, 30)), time="10:00") in evening
    # The German place stays German, isolated from the Arabic text around it.
    assert "\u2068Landratsamt Heilbronn\u2069" in evening
    assert "\u2068Lerchenstraße 40, 74072 Heilbronn\u2069" in evening
    assert ar._("Immigration office (Ausländerbehörde)") not in evening  # special category


async def test_switching_off_or_pausing_cancels_and_planners_skip(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    olena = await client(sessions, 7006, "uk", clock)
    await zone_with(sessions, {date(2026, 3, 5): RESTMUELL, date(2026, 3, 12): RESTMUELL},
                    olena)
    await add_child(sessions, olena)
    clock.now = utc(2026, 3, 20, 9)
    await appointment(sessions, olena, datetime(2026, 3, 25, 10, tzinfo=BERLIN), clock())
    clock.now = utc(2026, 3, 2, 9)
    await plan(sessions, clock())
    assert len(await rows(sessions, "waste.reminder")) == 2

    async def change(**kwargs: object) -> None:
        async with sessions() as session, session.begin():
            if "category" in kwargs:
                await toggle(session, client_id=olena.id, category=str(kwargs["category"]),
                             now=clock())
            else:
                await set_paused(session, client_id=olena.id, paused=bool(kwargs["paused"]),
                                 now=clock())

    await change(category="waste")
    assert await rows(sessions, "waste.reminder") == []
    assert len(await rows(sessions, "waste.reminder", OutboxState.CANCELLED)) == 2
    assert (await plan(sessions, clock())).waste == 0  # skipped while off
    await change(category="waste")
    assert (await plan(sessions, clock(), client_id=olena.id)).waste == 2
    await change(paused=True)
    # Nothing pending but the notice of the new appointment, which is no reminder.
    assert {r.kind for r in await rows(sessions)} == {"external.new"}
    assert (await plan(sessions, clock())).total == 0
    await change(paused=False)
    assert (await plan(sessions, clock())).total == 2  # the appointment is 3 weeks ahead
    clock.now = utc(2026, 3, 20, 9)
    await plan(sessions, clock())
    assert {r.kind for r in await rows(sessions)} == {
        "waste.reminder", "school.reminder", "external.reminder", "external.new"}


async def test_reimport_drops_reminders_of_changed_dates(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    olena = await client(sessions, 7007, "uk", clock)
    await zone_with(sessions, {date(2026, 3, 5): RESTMUELL, date(2026, 3, 12): RESTMUELL},
                    olena)
    await plan(sessions, clock())
    calendar = ParsedCalendar(frozenset({(date(2026, 3, 12), "restmuell", "Restmüll"),
                                         (date(2026, 3, 12), "bio", "Biotonne")}), {}, ())
    async with sessions() as session, session.begin():
        await import_collections(session, municipality=await municipality(session, "cleebronn"),
                                 zone_name="Nord", parsed=calendar, source="x", now=clock())
    assert await rows(sessions, "waste.reminder") == []  # 5 March removed, 12 March changed
    await plan(sessions, clock())
    [row] = await rows(sessions, "waste.reminder")
    assert row.params["bins"] == [["restmuell", "Restmüll"], ["bio", "Biotonne"]]


async def test_overlapping_planner_runs_plan_nothing_twice(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    clock.now = utc(2026, 3, 16, 9)
    clients = [await client(sessions, 7100 + n, "uk", clock) for n in range(20)]
    await zone_with(sessions, {date(2026, 3, d): RESTMUELL for d in (18, 20, 24, 26)}, *clients)
    for someone in clients[:10]:
        await add_child(sessions, someone)
    runs = await asyncio.gather(*(plan(sessions, clock()) for _ in range(4)))
    assert sum(r.waste for r in runs) == 20 * 4 and sum(r.school for r in runs) == 10
    async with sessions() as session:
        total = await session.scalar(select(func.count(OutboxMessage.id)))
        keys = await session.scalar(select(func.count(func.distinct(OutboxMessage.key))))
    assert total == keys == 90


async def test_pausing_while_a_planner_runs_leaves_nothing_pending(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    olena = await client(sessions, 7200, "uk", clock)
    await zone_with(sessions, {date(2026, 3, 5): RESTMUELL, date(2026, 3, 6): RESTMUELL}, olena)
    started, go_on = asyncio.Event(), asyncio.Event()

    async def slow_planner() -> Planned:
        async with sessions() as session, session.begin():
            await hold_off_setting_changes(session, None)
            started.set()
            await go_on.wait()  # the client pauses now, while this run has begun
            return await plan_all(session, now=clock(), timezone=BERLIN, waste_times={})

    async def pause() -> None:
        await started.wait()
        async with sessions() as session, session.begin():
            await set_paused(session, client_id=olena.id, paused=True, now=clock())

    planning, pausing = asyncio.create_task(slow_planner()), asyncio.create_task(pause())
    await asyncio.sleep(0.3)
    assert not pausing.done()  # the pause waits for the running planner …
    go_on.set()
    planned, _ = await asyncio.gather(planning, pausing)
    assert planned.waste == 2
    assert await rows(sessions) == []  # … and then cancels what it planned
    assert len(await rows(sessions, "waste.reminder", OutboxState.CANCELLED)) == 2


async def test_waste_planner_in_batches_plans_every_reminder_once(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.reminders.planners.PLAN_BATCH", 2)
    people = [await client(sessions, 7100 + n, "uk", clock, name=f"K{n}") for n in range(5)]
    days = {clock().date() + timedelta(days=d): RESTMUELL for d in (2, 5)}
    await zone_with(sessions, days, *people)
    first = await plan(sessions, clock())
    again = await plan(sessions, clock())
    assert (first.waste, again.waste) == (10, 0)
    assert len(await rows(sessions, "waste.reminder")) == 10
