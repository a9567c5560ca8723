"""Reminders end to end: a Ukrainian client with waste zone, settings and children; an Arabic
client reminded of an external appointment; a caseworker's /remind with bad input."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from datetime import time as dt_time
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import user_text
from bot.outbox.queue import RENDERERS
from bot.reminders.waste import BINS, sorting_guide
from bot.reminders.waste_calendar import ParsedCalendar
from bot.reminders.waste_import import import_collections
from bot.text_limits import length_hint
from models import (
    AuditLog,
    Child,
    ExternalAppointment,
    OutboxMessage,
    OutboxState,
    ReminderSettings,
    WasteZone,
)
from tests.conftest import FakeClock
from tests.support.builders import (
    BERLIN,
    add_caseworker,
    add_client,
    client_by_reference,
    municipality,
    tr,
)
from tests.support.harness import Harness, Reply, TelegramUser

NORD = {
    (date(2026, 3, 3), "restmuell", "Restmüll"), (date(2026, 3, 3), "bio", "Biotonne"),
    (date(2026, 3, 5), "papier", "Papiertonne"), (date(2026, 3, 10), "gelbe_tonne",
                                                  "Gelbe Tonne"),
    (date(2026, 3, 10), "other", "Kompostplatz"),
}


async def import_zones(sessions: async_sessionmaker[AsyncSession], now: datetime) -> None:
    async with sessions() as session, session.begin():
        town = await municipality(session, "cleebronn")
        for name, days in (("Nord", NORD), ("Süd", {(date(2026, 3, 4), "papier", "Papier")})):
            await import_collections(session, municipality=town, zone_name=name,
                                     parsed=ParsedCalendar(frozenset(days), {}, ()),
                                     source="test.ics", now=now)


async def outbox(sessions: async_sessionmaker[AsyncSession], kind: str) -> list[OutboxMessage]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == kind).order_by(OutboxMessage.due_at)))


async def reply_to_prompt(user: TelegramUser, text: str) -> list[Reply]:
    """Answer the bot's newest reply prompt, as Telegram does when the user types under it."""
    prompt = next(call.response for call in reversed(user.harness.fake.calls_to("sendMessage"))
                  if str(call.chat_id) == str(user.id)
                  and (call.params.get("reply_markup") or {}).get("force_reply"))
    message: dict[str, Any] = {"message_id": int(time.time() * 1000) % 10**9,
                               "date": int(time.time()), "chat": user.chat(),
                               "from": user.as_dict(), "text": text, "reply_to_message": prompt}
    return await user._process({"message": message})


async def test_ukrainian_client_picks_zone_toggles_reminders_and_reports_sick_child(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await import_zones(sessions, clock())
    reference = await add_client(sessions, telegram_id=5101, language="uk", now=clock())
    client_id = (await client_by_reference(sessions, reference)).id
    olena, uk = harness.user(5101, "Olena", "uk"), tr("uk")

    replies = await olena.send("/waste")
    assert uk._("Which collection zone (Abfuhrbezirk) do you live in? If you are not sure, "
                "ask your integration manager.") in olena.texts
    assert replies[0].buttons == ["Nord", "Süd"]
    await olena.press("Nord")
    assert uk._("🗑 Waste collection in %(zone)s", zone=user_text("Nord")) in olena.texts
    assert uk._("%(date)s:", date=date(2026, 3, 3)) in olena.texts
    assert uk._("Organic waste, brown bin (Biotonne)") in olena.texts
    assert "🗑 Kompostplatz" in olena.texts
    assert uk._("The bins must stand at the kerb by %(time)s on collection day.",
                time="06:00") in olena.texts
    planned = await outbox(sessions, "waste.reminder")
    assert [r.due_at for r in planned] == [datetime(2026, 3, 2, 17, tzinfo=UTC),
                                           datetime(2026, 3, 4, 17, tzinfo=UTC),
                                           datetime(2026, 3, 9, 17, tzinfo=UTC)]
    await olena.press(uk._("Residual waste, black bin (Restmüll)"))
    assert olena.texts == sorting_guide(uk, "restmuell")
    assert uk._(BINS["restmuell"].guide) in olena.texts

    await olena.send("/reminders")
    await olena.press(uk._("Waste collection"))
    assert "❌ " + uk._("Waste collection") in olena.last_replies[0].buttons
    states = {r.state for r in await outbox(sessions, "waste.reminder")}
    assert states == {OutboxState.CANCELLED}
    await olena.press(uk._("Waste collection"))
    assert {r.state for r in await outbox(sessions, "waste.reminder")} == {OutboxState.PENDING}
    await olena.press(uk._("⏸ Pause all reminders"))
    assert uk._("⏸ All reminders are paused. Nothing is sent until you resume them.") \
        in olena.texts
    async with sessions() as session:
        settings = await session.get(ReminderSettings, client_id)
        assert settings is not None and settings.paused and settings.waste
    await olena.press(uk._("▶️ Resume reminders"))
    assert len([r for r in await outbox(sessions, "waste.reminder")
                if r.state is OutboxState.PENDING]) == 3

    await olena.send("/children")
    await olena.press(uk._("➕ Child at school"))
    assert olena.last_replies[0].call.params["reply_markup"]["force_reply"] is True
    await olena.send("Hello")  # not an answer to the prompt: no child named "Hello"
    await reply_to_prompt(olena, "Ivan")
    assert uk._("• %(name)s – school", name=user_text("Ivan")) in olena.texts
    assert uk._("The new school year begins on %(date)s.", date=date(2026, 9, 14)) \
        in olena.texts
    await olena.press(uk._("🤒 %(name)s is sick", name=user_text("Ivan")))
    await olena.press(uk.ngettext("%(n)s day", "%(n)s days", 2))
    explanation, letter = olena.last_replies
    assert uk._("The rule in Baden-Württemberg: if your child is ill, you must tell the "
                "school without delay, at the latest on the second day of absence, with the "
                "reason and how long it will probably last. A written excuse (Entschuldigung) "
                "follows. If your child is ill for more than 10 school days, the school may "
                "ask for a doctor's certificate (ärztliches Attest).") in explanation.text
    assert letter.text == (
        "Sehr geehrte Damen und Herren,\n\n"
        "mein Kind Ivan ist krank und kann ab Montag, 2. März 2026 nicht zur Schule kommen.\n"
        "Ivan fehlt voraussichtlich bis einschließlich Dienstag, 3. März 2026.\n"
        "Eine schriftliche Entschuldigung reiche ich nach.\n\n"
        "Mit freundlichen Grüßen\nOlena")
    async with sessions() as session:
        children = list(await session.scalars(select(Child)))
    assert [(c.name, c.place.value) for c in children] == [("Ivan", "school")]
    await olena.press(uk._("🗑 Remove %(name)s", name=user_text("Ivan")))
    await olena.press_data(f"sick:{children[0].id}")  # a button of the removed child
    assert olena.callback_answers()[-1].params["text"] == uk._(
        "This button is no longer valid. Please start again with /children.")


async def _remind(caseworker: TelegramUser, reference: str, kind_label: str,
                  place: str = "Landratsamt Heilbronn – Ausländerbehörde\n"
                               "Lerchenstraße 40, 74072 Heilbronn") -> None:
    de = tr("de")
    await caseworker.send(f"/remind {reference}")
    await caseworker.send("04.03.2026")
    await caseworker.send("09:30")
    await caseworker.send(place)
    await caseworker.press(de._(kind_label))
    await caseworker.press(de._("✅ Save"))


async def test_arabic_client_is_reminded_with_the_german_place_isolated(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await add_caseworker(sessions, telegram_id=801, towns=("cleebronn",))
    reference = await add_client(sessions, telegram_id=5102, name="Amal", language="ar",
                                 now=clock())
    caseworker, de, ar = harness.user(801, "Anna", "de"), tr("de"), tr("ar")
    await _remind(caseworker, reference, "Immigration office (Ausländerbehörde)")
    assert de._("Saved. %(name)s (%(reference)s) has been told.", name=user_text("Amal"),
                reference=reference) in caseworker.texts
    [notice] = await outbox(sessions, "external.new")
    evening, soon = await outbox(sessions, "external.reminder")
    assert notice.chat_id == 5102 and notice.due_at == clock()
    assert evening.due_at == datetime(2026, 3, 3, 17, tzinfo=UTC)  # 18:00 the day before
    assert soon.due_at == datetime(2026, 3, 4, 6, 30, tzinfo=UTC)  # 07:30, two hours before
    text = RENDERERS[evening.kind](ar, evening.params).text
    assert ar._("⏰ Reminder: tomorrow, %(date)s, at %(time)s you have an appointment.",
                date=ar.fmt_date(date(2026, 3, 4)), time="09:30") in text
    assert ar._("Where: %(place)s", place="Landratsamt Heilbronn – Ausländerbehörde") in text
    assert "\u2068Landratsamt Heilbronn – Ausländerbehörde\u2069" in text
    assert "\u2068Lerchenstraße 40, 74072 Heilbronn\u2069" in text
    # A residence matter is not named to the client (bot.special_categories).
    assert ar._("Immigration office (Ausländerbehörde)") not in text

    # A doctor's appointment is just "an appointment" for the client (no health details).
    await _remind(caseworker, reference, "Doctor", "Praxis am Markt\nMarktplatz 2, Cleebronn")
    doctor = (await outbox(sessions, "external.reminder"))[-1]
    assert doctor.params["kind"] == "doctor"
    rendered = RENDERERS[doctor.kind](ar, doctor.params).text
    assert ar._("Doctor") not in rendered and ar._("What: %(what)s", what="") not in rendered
    async with sessions() as session:
        assert await session.scalar(select(func.count(ExternalAppointment.id))) == 2
        actions = set(await session.scalars(select(AuditLog.action)))
    assert {"case:remind", "case:remind:add"} <= actions


async def test_caseworker_remind_refuses_unknown_or_foreign_refs_and_bad_dates(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await add_caseworker(sessions, telegram_id=802, towns=("cleebronn",))
    mine = await add_client(sessions, telegram_id=5103, now=clock())
    other = await add_client(sessions, telegram_id=5104, town="brackenheim", now=clock())
    anna, de = harness.user(802, "Anna", "de"), tr("de")

    await anna.send("/remind")
    assert de._("Please add the case reference, for example: /remind C-0042") in anna.texts
    for reference in ("C-9999", other):
        await anna.send(f"/remind {reference}")
        assert de._("I find no client with the case reference %(reference)s in your towns.",
                    reference=reference) in anna.texts
    async with sessions() as session:
        refused = list(await session.scalars(select(AuditLog.detail).where(
            AuditLog.action == "case:remind", AuditLog.allowed.is_(False))))
    assert sorted(d or "" for d in refused) == ["municipality", "unknown"]

    await anna.send(f"/remind {mine}")
    for text, answer in [
        ("01.03.2026", de._("This date is in the past. Please send a date from today on.")),
        ("31.02.2026", de._("There is no such day. Please send the date as DD.MM.YYYY, for "
                            "example %(example)s.", example="09.03.2026")),
        ("tomorrow", de._("Please send the date as DD.MM.YYYY, for example %(example)s.",
                          example="09.03.2026")),
        ("29.03.2026", de._("At what time? Please send it as HH:MM, for example 09:30.")),
        ("25:00", de._("Please send the time as HH:MM, between 00:00 and 23:59, for example "
                       "09:30.")),
        ("02:30", de._("This time does not exist on that day, because the clocks go forward. "
                       "Please send another time.")),
    ]:
        await anna.send(text)
        assert anna.texts == answer, text
    await anna.send("/cancel")
    assert anna.texts == de._("Cancelled. Nothing was stored.")
    async with sessions() as session:
        assert await session.scalar(select(func.count(ExternalAppointment.id))) == 0


async def test_caseworker_remind_refuses_past_time_bad_place_and_can_cancel(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await add_caseworker(sessions, telegram_id=803, towns=("cleebronn",))
    mine = await add_client(sessions, telegram_id=5105, now=clock())
    anna, de = harness.user(803, "Anna", "de"), tr("de")
    await anna.send(f"/remind {mine}")
    await anna.send("02.03.2026")
    await anna.send("08:00")  # 10:00 in Cleebronn already
    assert anna.texts == de._("This time has already passed. Please send a later time.")
    await anna.send("17:00")
    await anna.send("X")
    assert anna.texts == de._("Please send the name of the place (2 to 120 characters) on "
                              "the first line and the address on the second line.")
    await anna.send("Jobcenter Heilbronn\nRosenbergstraße 50, 74072 Heilbronn")
    await anna.press(de._("Other"))
    await anna.send("x" * 81)
    assert anna.texts == de._("Please describe it in 1 to 80 characters.") + "\n\n" + \
        length_hint(de, 81)
    await anna.send("Termin zur Antragstellung")
    assert de._("What: %(what)s", what=user_text("Termin zur Antragstellung")) in anna.texts
    await anna.press(de._("Cancel"))
    assert anna.texts == de._("Cancelled. Nothing was stored.")
    await anna.press_data("rmc:save")  # the old button after cancelling
    assert anna.callback_answers()[-1].params.get("show_alert") is True
    async with sessions() as session:
        assert await session.scalar(select(func.count(ExternalAppointment.id))) == 0
        assert await session.scalar(select(func.count(OutboxMessage.id))) == 0


async def test_planners_run_as_nightly_job_in_local_time(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    assert harness.app.job_queue is not None
    [nightly] = harness.app.job_queue.get_jobs_by_name("planners")
    assert nightly.next_t is not None
    assert nightly.next_t.astimezone(BERLIN).time() == dt_time(3, 0)
    await import_zones(sessions, clock())
    reference = await add_client(sessions, telegram_id=5106, now=clock())
    client = await client_by_reference(sessions, reference)
    async with sessions() as session, session.begin():
        zone = await session.scalar(select(WasteZone.id).where(WasteZone.name == "Nord"))
        session.add(ReminderSettings(client_id=client.id, waste_zone_id=zone))
    await nightly.run(harness.app)
    assert len(await outbox(sessions, "waste.reminder")) == 3


async def test_forged_or_stale_reminder_buttons_change_nothing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await import_zones(sessions, clock())
    async with sessions() as session, session.begin():
        town = await municipality(session, "brackenheim")
        session.add(WasteZone(municipality_id=town.id, name="Brackenheim Mitte"))
    await add_client(sessions, telegram_id=5107, language="ar", now=clock())
    amal, ar = harness.user(5107, "Amal", "ar"), tr("ar")
    async with sessions() as session:
        other = await session.scalar(select(WasteZone.id).where(
            WasteZone.name == "Brackenheim Mitte"))
    for data, answer in [
        (f"wz:{other}", "This button is no longer valid. Please start again with /waste."),
        ("wg:plutonium", "This button is no longer valid. Please start again with /waste."),
        ("rset:everything", "This button is no longer valid. Please start again with "
                            "/reminders."),
        ("sickd:999:2", "This button is no longer valid. Please start again with /children."),
        ("rmk:doctor", "This button is not available to you."),  # a staff button
    ]:
        await amal.press_data(data)
        assert amal.callback_answers()[-1].params["text"] == ar._(answer), data
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(ReminderSettings)) == 0
        assert await session.scalar(select(func.count(OutboxMessage.id))) == 0
