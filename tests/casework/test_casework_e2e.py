"""A caseworker works with cases, logs time by command and by buttons, corrects it; bad input
changes nothing; a redelivered update bills once; an Arabic client reads their plan."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.casework.contact_time import KIND_LABELS
from bot.casework.plans import AREA_LABELS, STATUS_LABELS
from bot.parsing import USAGE
from models import (
    AuditLog,
    CaseDetails,
    Client,
    ContactEntry,
    ContactKind,
    GoalStatus,
    PlanArea,
    PlanGoal,
)
from tests.conftest import ADMIN_ID, FakeClock
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness

de = tr("de")
CLOSED = ("The quarter %(quarter)s is already billed to %(municipality)s and closed, so "
          "nothing was stored. Changes to a closed quarter are booked as a correction in the "
          "current quarter %(current)s: use the button below, or open the entry in /case "
          "and choose “Book correction”.")
RANGE = ("Please give between %(min)s and %(max)s minutes (you wrote %(value)s). Longer work "
         "can be logged as several entries.")
NOT_FOUND = ("I cannot find the case %(reference)s among the cases of your towns. /cases "
             "shows them.")


def calm(harness: Harness) -> None:
    """Long stories send more than the flood limit allows in ten real seconds."""
    harness.app.bot_data.flood.clear()


async def entries(sessions: async_sessionmaker[AsyncSession]) -> list[ContactEntry]:
    async with sessions() as session:
        return list(await session.scalars(select(ContactEntry).order_by(ContactEntry.id)))


async def _setup(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> None:
    await add_caseworker(sessions, telegram_id=811, name="Frau Berger", towns=("cleebronn",))
    await add_client(sessions, telegram_id=5101, name="Olena", language="uk", now=clock())
    await add_client(sessions, telegram_id=5102, name="Amal", language="ar", now=clock())
    await add_client(sessions, telegram_id=5103, name="Hassan", town="brackenheim",
                     language="ar", now=clock())


async def test_caseworker_lists_opens_logs_by_command_and_buttons_and_edits(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    worker = harness.user(811, "Anna", "de")
    await worker.send("/cases")
    assert de._("%(reference)s · %(name)s · %(language)s · last contact: %(date)s",
                reference="C-0001", name="\u2068Olena\u2069", language="Українська",
                date=de._("none yet")) in worker.texts
    assert "C-0002 · \u2068Amal\u2069" in worker.texts
    assert "C-0003" not in worker.texts  # other town

    await worker.press("C-0001 · Olena")
    card = worker.texts
    assert "📁 C-0001 · \u2068Olena\u2069" in card
    assert de._("Care limit: none for this town") in card
    assert de._("Town: %(municipality)s", municipality="Gemeinde Cleebronn") in card

    # By command: German kind word, German date, a note; then Arabic-Indic and Persian digits.
    await worker.send("/log C-0001 45 telefon 01.03.2026 Brief vom Jobcenter")
    assert de._("✅ Recorded: %(duration)s %(kind)s for %(target)s on %(date)s.",
                duration=de._("%(minutes)s min", minutes=45),
                kind=de._(KIND_LABELS[ContactKind.PHONE]), target="C-0001",
                date=date(2026, 3, 1)) in worker.texts
    await worker.send("/log C-0001 ٣٠")
    await worker.send("/log c-1 ۱۵ beratung ۰۲.۰۳.۲۰۲۶")
    rows = await entries(sessions)
    assert [(e.minutes, e.kind, e.entry_date, e.quarter) for e in rows] == [
        (45, ContactKind.PHONE, date(2026, 3, 1), "2026Q1"),
        (30, ContactKind.CONSULTATION, date(2026, 3, 2), "2026Q1"),
        (15, ContactKind.CONSULTATION, date(2026, 3, 2), "2026Q1"),
    ]
    assert rows[0].note == "Brief vom Jobcenter" and rows[0].case_reference == "C-0001"

    # By buttons from the card: minutes, kind, day.
    calm(harness)
    await worker.press("C-0001 · Olena")
    await worker.press(de._("Log time"))
    assert de._("How many minutes for %(target)s?", target="C-0001") in worker.texts
    await worker.press("60")
    await worker.press(de._(KIND_LABELS[ContactKind.HOME_VISIT]))
    await worker.press(de._("Yesterday"))
    assert de._("✅ Recorded: %(duration)s %(kind)s for %(target)s on %(date)s.",
                duration=de._("%(hours)s h", hours=1),
                kind=de._(KIND_LABELS[ContactKind.HOME_VISIT]), target="C-0001",
                date=date(2026, 3, 1)) in worker.texts
    # A second tap on the same (now answered) dialogue bills nothing more.
    await worker.press_data(f"lt:c1:60:hv:{date(2026, 3, 1):%Y%m%d}")
    visit = (await entries(sessions))[-1]
    assert (visit.minutes, visit.kind, len(await entries(sessions))) == (
        60, ContactKind.HOME_VISIT, 4)

    # Edit the visit: 75 minutes, then delete the phone call; both stay in the audit log.
    calm(harness)
    await worker.press(de._("Change or delete"))
    await worker.press(de._("Minutes"))
    await worker.press("75")
    assert de._("Saved.") in worker.texts
    await worker.press_data(f"le:{rows[0].id}")
    await worker.press(de._("Delete"))
    await worker.press(de._("Yes, delete"))
    assert de._("Entry no. %(number)s was deleted.", number=str(rows[0].id)) in worker.texts
    after = {e.id: e for e in await entries(sessions)}
    assert after[visit.id].minutes == 75 and after[rows[0].id].deleted_at is not None
    async with sessions() as session:
        details = list(await session.scalars(select(AuditLog.detail).where(
            AuditLog.action.in_(["time:edit", "time:delete"]))))
    assert details == ["minutes 60->75", "45 min phone 2026-03-01"]

    # The card now shows the quarter's time: 30 + 15 + 75 minutes.
    calm(harness)
    await worker.send("/case C-0001")
    two_hours = de._("%(hours)s h", hours=2)
    assert de._("Contact time this quarter (%(quarter)s): %(duration)s", quarter="Q1/2026",
                duration=two_hours) in worker.texts
    await worker.send("/hours")  # Monday 2 March: the week began today, the month on Sunday
    week = de._("%(minutes)s min", minutes=45)
    line = ("• %(municipality)s: %(team)s recorded of %(committed)s h committed "
            "(you: %(mine)s)")
    assert de._(line, municipality="Gemeinde Cleebronn", team=week, committed=15,
                mine=week) in worker.texts
    assert de._(line, municipality="Gemeinde Cleebronn", team=two_hours,
                committed=Decimal("66.43"), mine=two_hours) in worker.texts
    # A prevention evening for the town, without a client, by buttons from /hours.
    await worker.press(de._("Log a group event: %(municipality)s",
                            municipality="Gemeinde Cleebronn"))
    await worker.press("90")
    await worker.press(de._(KIND_LABELS[ContactKind.GROUP_EVENT]))
    await worker.press(de._("Today"))
    event = (await entries(sessions))[-1]
    assert (event.client_id, event.kind, event.minutes) == (None, ContactKind.GROUP_EVENT, 90)
    async with sessions() as session:
        views = await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "case:view", AuditLog.target == "client:C-0001"))
    assert views == 3


async def test_bad_input_is_refused_clearly_and_stores_nothing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    worker = harness.user(811, "Anna", "de")
    refusals = {
        "/log C-0001 0": de._(RANGE, min=1, max=600, value=0),
        "/log C-0001 601": de._(RANGE, min=1, max=600, value=601),
        "/log C-0001 30 2026-03-03": de._(
            "%(date)s is in the future. Contact time can be logged for today or earlier days "
            "only.", date=date(2026, 3, 3)),
        "/log C-0003 30": de._(NOT_FOUND, reference="C-0003"),  # a Brackenheim client
        "/log C-0001 viel": de._("“%(value)s” is not a number of minutes. Please write the "
                                 "minutes as a whole number, for example 45.", value="viel"),
        "/log C-0001 30 31.02.2026": de._("“%(value)s” is not a valid date. Please write it "
                                          "as YYYY-MM-DD or DD.MM.YYYY.", value="31.02.2026"),
        "/log C-0001 30 2024-12-01": de._(
            "%(municipality)s is served from %(start)s on; %(date)s is earlier.",
            municipality="Gemeinde Cleebronn", start=date(2025, 1, 1), date=date(2024, 12, 1)),
        "/log cleebronn 90 beratung": de._(
            "Without a case reference only a group event or travel can be logged, for "
            "example: /log %(key)s 90 group", key="cleebronn"),
        "/log": de._(USAGE),
    }
    for command, expected in refusals.items():
        await worker.send(command)
        assert worker.texts == expected, command
    assert await entries(sessions) == []

    # The admin closes 2025Q4; time for it is refused, then booked as a correction.
    calm(harness)
    admin = harness.user(ADMIN_ID, "Petra", "de")
    await admin.send("/close_quarter cleebronn 2025Q4")
    await admin.press(de._("Close quarter"))
    await worker.send("/log C-0001 30 15.12.2025 Hausbesuch nachgetragen")
    assert worker.texts == de._(CLOSED, quarter="Q4/2025", municipality="Gemeinde Cleebronn",
                                current="Q1/2026")
    assert await entries(sessions) == []
    await worker.press(de._("Book as correction in %(quarter)s", quarter="Q1/2026"))
    [late] = await entries(sessions)
    assert (late.is_correction, late.quarter, late.entry_date, late.kind, late.note) == (
        True, "2026Q1", date(2025, 12, 15), ContactKind.HOME_VISIT, "nachgetragen")
    async with sessions() as session:
        refused = await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "time:log", AuditLog.allowed.is_(False)))
    assert refused == 1  # the other town's client


async def test_a_redelivered_update_bills_once(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    worker = harness.user(811, "Anna", "de")
    message: dict[str, Any] = {
        "message_id": 777001, "date": int(time.time()), "chat": worker.chat(),
        "from": worker.as_dict(), "text": "/log C-0002 50 begleitung Ausländerbehörde",
        "entities": [{"type": "bot_command", "offset": 0, "length": 4}],
    }
    for _ in range(2):  # Telegram delivers the same update again after a crash
        update = Update.de_json({"update_id": 888001, "message": message}, harness.app.bot)
        await harness.app.process_update(update)
    [entry] = await entries(sessions)
    assert entry.minutes == 50 and entry.telegram_key == f"m811:{777001}"
    answers = [c.text for c in harness.fake.calls_to("sendMessage") if c.chat_id == 811]
    assert answers[-1] == de._("This message was already recorded (entry no. %(number)s); "
                               "nothing was added.", number=str(entry.id))


async def test_case_list_filters_no_contact_and_care_limit(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await add_caseworker(sessions, telegram_id=812, towns=("brackenheim", "cleebronn"))
    old = datetime(2022, 1, 10, 9, tzinfo=UTC)
    for telegram_id, name, town in ((5201, "Iryna", "brackenheim"), (5202, "Omid", "brackenheim"),
                                    (5203, "Layla", "cleebronn")):
        await add_client(sessions, telegram_id=telegram_id, name=name, town=town, now=old)
    async with sessions() as session, session.begin():
        session.add(CaseDetails(client_id=2, care_start=date(2022, 6, 1), care_extended=True))
    worker = harness.user(812, "Jana", "de")
    await worker.send("/log C-0001 20")
    await worker.send("/cases")
    await worker.press(de._("Beyond care limit"))
    # Iryna: over 36 months; Omid: justified extension (48 months) not yet over; Cleebronn: none.
    assert "C-0001 · \u2068Iryna\u2069" in worker.texts and "Omid" not in worker.texts
    assert "Layla" not in worker.texts
    await worker.press(de._("Beyond care limit"))  # off again
    await worker.press(de._("No contact 30+ days"))
    assert "Iryna" not in worker.texts and "Omid" in worker.texts and "Layla" in worker.texts
    await worker.send("/case C-0002")
    assert de._("Care possible until: %(date)s (%(months)s months)", date=date(2026, 6, 1),
                months=48) in worker.texts
    await worker.send("/case C-0001")
    assert de._("⚠️ Care limit of %(months)s months passed on %(date)s", months=36,
                date=date(2025, 1, 10)) in worker.texts


async def test_arabic_client_sees_the_plan_the_caseworker_made(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    worker = harness.user(811, "Anna", "de")
    await worker.send("/plan C-0002")
    await worker.press(de._("Add goal"))
    await worker.press(de._(AREA_LABELS[PlanArea.GERMAN_COURSE]))
    await worker.press(de._(STATUS_LABELS[GoalStatus.IN_PROGRESS]))
    await worker.press(de._("Due date"))
    await worker.press(de.ngettext("in %(n)s month", "in %(n)s months", 3))
    await worker.press(de._("Note"))
    await worker.send("B1-Kurs an der VHS ab Mai")
    assert de._("Saved.") in worker.texts
    async with sessions() as session:
        goal = await session.scalar(select(PlanGoal))
    assert goal is not None and goal.due_date == date(2026, 6, 2)
    assert goal.note == "B1-Kurs an der VHS ab Mai"

    amal = harness.user(5102, "Amal", "ar")
    await amal.send("/plan")
    ar = tr("ar")
    area, status = AREA_LABELS[PlanArea.GERMAN_COURSE], STATUS_LABELS[GoalStatus.IN_PROGRESS]
    assert ar._("Your integration plan (%(reference)s):", reference="C-0002") in amal.texts
    assert ar._("%(area)s: %(status)s", area=ar._(area), status=ar._(status)) in amal.texts
    assert ar._("Note: %(note)s", note="B1-Kurs an der VHS ab Mai") in amal.texts
    # Another client's plan stays closed to Amal; /plan takes no reference from clients.
    await amal.send("/plan C-0001")
    assert "C-0001" not in amal.texts


async def test_billed_entry_is_corrected_in_the_next_quarter(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    worker = harness.user(811, "Anna", "de")
    await worker.send("/log C-0001 90 hausbesuch 2026-03-02")
    admin = harness.user(ADMIN_ID, "Petra", "de")
    await admin.send("/close_quarter cleebronn 2026Q1")
    assert admin.texts == de._("%(quarter)s is not over yet: it can be closed from %(date)s on.",
                               quarter="2026Q1", date=date(2026, 4, 1))
    clock.now = datetime(2026, 4, 2, 8, 0, tzinfo=UTC)
    await admin.send("/close_quarter cleebronn 2026Q1")
    await admin.press(de._("Close quarter"))
    async with sessions() as session:
        closed = await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action == "billing:close"))
    assert closed == 1

    [entry] = await entries(sessions)
    await worker.press_data(f"le:{entry.id}:m:60")
    assert worker.texts == de._(CLOSED, quarter="Q1/2026", municipality="Gemeinde Cleebronn",
                                current="Q2/2026")
    await worker.press(de._("Book correction"))
    await worker.press("75")
    rows = await entries(sessions)
    assert [(e.minutes, e.quarter, e.is_correction) for e in rows] == [
        (90, "2026Q1", False), (-15, "2026Q2", True)]
    assert rows[1].correction_of_id == entry.id

    await admin.send("/report cleebronn 2026Q2")
    documents = [c for c in harness.fake.calls_to("sendDocument") if c.chat_id == ADMIN_ID]
    assert [next(iter(c.files.values())).filename for c in documents] == [
        "IM-2026-0001.pdf", "IM-2026-0001.xml",  # the invoice, issued when Q1 was closed
        "abrechnung-cleebronn-2026Q2.csv", "abrechnung-cleebronn-2026Q2.pdf"]
    csv = next(iter(documents[2].files.values())).content.decode("utf-8-sig")
    assert "Korrekturen zum 1. Quartal 2026 (zu 62,00 €/h);-0:15 h = -15,50 €" in csv
    async with sessions() as session:
        client = await session.scalar(select(Client).where(Client.reference == "C-0001"))
    assert client is not None and "Olena" not in csv


async def test_old_or_forged_buttons_for_other_towns_show_and_change_nothing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await _setup(sessions, clock)
    await add_caseworker(sessions, telegram_id=813, name="Herr Aydin", towns=("brackenheim",))
    other = harness.user(813, "Deniz", "de")
    await other.send("/log C-0003 40")  # his own Brackenheim client
    [his] = await entries(sessions)
    worker = harness.user(811, "Anna", "de")
    await worker.press_data("cs:o:3")
    assert worker.texts == de._(NOT_FOUND, reference="–")
    await worker.press_data("cs:e:3:0")
    assert worker.texts == de._("This case does not exist or is not one of your towns.")
    for forged in ("lt:c3:45:co:20260302", f"le:{his.id}:m:90", f"le:{his.id}:xx", "cs:x:3",
                   "pl:3", "pa:3:0", "cq:1:2025Q4", "lt:c3:abc", "cs:l:x"):
        await worker.press_data(forged)
    answers = [c.params.get("text") for c in worker.callback_answers()[-9:]]
    assert de._("This button is not available to you.") in answers  # cq: admins only
    assert not [r for r in caplog.records if r.name == "lotse.errors"]
    [unchanged] = await entries(sessions)
    assert (unchanged.minutes, unchanged.deleted_at) == (40, None)
    async with sessions() as session:
        client = await session.get(Client, 3)
        refused = await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.actor_telegram_id == 811, AuditLog.allowed.is_(False)))
    assert client is not None and client.status.value == "active"
    assert refused and refused >= 6
