"""Consultation booking end to end: clients book, see, move and cancel by buttons only;
caseworkers work through /today and /week; an absence hands over to the substitute."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import icalendar
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking.availability import find_free_slots
from bot.booking.booking_notices import replan_reminders
from bot.booking.booking_texts import appointment_details
from bot.booking_policy import DEFAULT_POLICY
from bot.i18n import FSI, PDI, user_text
from bot.reminders.reminder_settings import APPOINTMENTS, toggle
from models import AuditLog, Booking, BookingStatus, CancelReason, Client, OutboxState
from tests.conftest import FakeClock
from tests.support.booking_support import (
    add_hours,
    berlin,
    bookings,
    no_background_jobs,
    outbox,
    render,
)
from tests.support.builders import add_caseworker, add_client, client_by_reference, tr
from tests.support.harness import Harness, TelegramUser

CLEEBRONN = "Bürgerhaus „Alte Schule“, 74389 Cleebronn"
BRACKENHEIM = "Rathaus Brackenheim, Marktplatz 1, 74336 Brackenheim"

pytestmark = pytest.mark.usefixtures(no_background_jobs.__name__)


async def _book(user: TelegramUser, language: str, day: date, time: str,
                topic: str | None = None) -> None:
    """Press through /book: topic (or skip), day, time, confirm."""
    t = tr(language)
    await user.send("/book")
    await user.press(t._(topic) if topic else t._("Skip"))
    await user.press(t.fmt_date(day))
    await user.press(time)
    await user.press(t._("✅ Book this appointment"))


async def test_ukrainian_client_books_sees_moves_and_cancels_by_buttons(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_hours(sessions, caseworker_id=berger, weekday=0)  # Mondays 09:00-12:00
    await add_hours(sessions, caseworker_id=berger, weekday=2)  # Wednesdays
    reference = await add_client(sessions, telegram_id=5001, now=clock())
    uk, de = tr("uk"), tr("de")
    olena = harness.user(5001)

    replies = await olena.send("/book")
    assert uk._("Documents and letters") in replies[0].buttons
    replies = await olena.press(uk._("Documents and letters"))
    assert replies[0].text == uk._("Please choose a day:")
    # Monday 2 March (later today), 4, 9 and 11 March: the next 14 days with office hours.
    assert replies[0].buttons[:4] == [uk.fmt_date(date(2026, 3, d)) for d in (2, 4, 9, 11)]
    replies = await olena.press(uk.fmt_date(date(2026, 3, 4)))
    assert replies[0].buttons[:6] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    replies = await olena.press("09:30")
    start, end = berlin(2026, 3, 4, 9, 30), berlin(2026, 3, 4, 10)
    details = appointment_details(uk, start=start, end=end, place="Bürgerhaus „Alte Schule“",
                                  address=CLEEBRONN, caseworker="Frau Berger",
                                  topic=None)
    assert details in replies[0].text and CLEEBRONN in replies[0].text
    replies = await olena.press(uk._("✅ Book this appointment"))
    assert replies[0].text.startswith(uk._("Your appointment is booked."))
    assert replies[1].method == "sendDocument"

    # The calendar file: German title and address, the description in Ukrainian.
    upload = replies[1].call.files["document"]
    assert upload.filename == "termin-2026-03-04.ics"
    event = icalendar.Calendar.from_ical(upload.content).walk("VEVENT")[0]
    assert str(event["summary"]) == de._(
        "Appointment with the integration management – %(place)s",
        place="Bürgerhaus „Alte Schule“")
    assert str(event["location"]) == CLEEBRONN
    assert uk._("Your appointment with the integration management.") in str(event["description"])
    assert event.decoded("dtstart") == start.astimezone(UTC)

    [booking] = await bookings(sessions)
    assert booking.start_at == start.astimezone(UTC) and booking.status is BookingStatus.BOOKED
    reminders = {row.key: row for row in await outbox(sessions, "booking.reminder")}
    assert reminders["booking:1:eve"].due_at == berlin(2026, 3, 3, 18).astimezone(UTC)
    assert reminders["booking:1:2h"].due_at == berlin(2026, 3, 4, 7, 30).astimezone(UTC)
    assert all(row.expires_at == start.astimezone(UTC) for row in reminders.values())
    assert render(reminders["booking:1:eve"], "uk").text.startswith(uk._(
        "Reminder: tomorrow you have an appointment with the integration management."))
    [staff] = await outbox(sessions, "booking.staff_new")
    assert staff.chat_id == 801
    assert de._("Client: %(name)s (%(reference)s), language: %(language)s", name=user_text("Olena"),
                reference=reference, language="Українська") in render(staff, "de").text

    # /appointments: change the time by buttons.
    replies = await olena.send("/appointments")
    assert replies[0].text == uk.ngettext("You have %(n)s upcoming appointment:",
                                          "You have %(n)s upcoming appointments:", 1)
    await olena.press(uk._("🔄 Change time"))
    await olena.press(uk.fmt_date(date(2026, 3, 9)))
    replies = await olena.press("11:00")
    assert uk._("Your appointment on %(when)s will be cancelled when you confirm.",
                when=uk._("%(date)s, %(time)s", date=uk.fmt_date(start),
                          time="09:30")) in replies[0].text
    replies = await olena.press(uk._("✅ Book this appointment"))
    assert replies[0].text.startswith(uk._("Your appointment has been moved."))
    old, new = await bookings(sessions)
    assert old.status is BookingStatus.CANCELLED and old.cancel_reason is CancelReason.MOVED
    assert new.rescheduled_from_id == old.id and new.start_at == berlin(2026, 3, 9, 11)
    assert {r.key for r in await outbox(sessions, "booking.reminder",
                                        OutboxState.CANCELLED)} == {"booking:1:eve",
                                                                    "booking:1:2h"}
    [moved] = await outbox(sessions, "booking.staff_moved")
    assert de._("A client moved their appointment.") in render(moved, "de").text

    # ... and cancel it, confirming first.
    await olena.send("/appointments")
    replies = await olena.press(uk._("✖ Cancel"))
    assert replies[0].text.startswith(uk._("Do you really want to cancel this appointment?"))
    replies = await olena.press(uk._("Yes, cancel it"))
    assert replies[0].text == uk._(
        "Your appointment on %(date)s at %(time)s has been cancelled. We have told your "
        "integration manager.", date=uk.fmt_date(new.start_at), time="11:00")
    assert (await bookings(sessions))[1].status is BookingStatus.CANCELLED
    assert len(await outbox(sessions, "booking.staff_cancelled")) == 1
    assert await outbox(sessions, "booking.reminder") == []  # all reminders cancelled
    replies = await olena.send("/appointments")
    assert replies[0].text == uk._("You have no upcoming appointments.")


async def test_arabic_client_books_sees_moves_and_cancels_by_buttons(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    weber = await add_caseworker(sessions, telegram_id=802, name="Herr Weber",
                                 towns=("brackenheim",))
    await add_hours(sessions, caseworker_id=weber, town="brackenheim", place="rathaus",
                    weekday=1, start=datetime(2026, 1, 1, 14).time(),
                    end=datetime(2026, 1, 1, 17).time())  # Tuesdays 14:00-17:00
    await add_client(sessions, telegram_id=5002, name="Amal", town="brackenheim",
                     language="ar", now=clock())
    ar = tr("ar")
    amal = harness.user(5002, "Amal", "ar")

    await _book(amal, "ar", date(2026, 3, 3), ar.fmt_time(berlin(2026, 3, 3, 14)),
                topic="Health")
    text = amal.last_replies[0].text
    assert text.startswith(ar._("Your appointment is booked."))
    assert f"{FSI}{BRACKENHEIM}{PDI}" in text and f"{FSI}Herr Weber{PDI}" in text
    # The client's own confirmation and every notification leave a health topic unnamed.
    assert ar._("Health") not in text
    [staff] = await outbox(sessions, "booking.staff_new")
    assert "GES" in render(staff, "de").text and tr("de")._("Health") not in render(staff,
                                                                                     "de").text
    for row in await outbox(sessions, "booking.reminder"):
        assert ar._("Health") not in render(row, "ar").text

    await amal.send("/appointments")
    await amal.press(ar._("🔄 Change time"))
    await amal.press(ar.fmt_date(date(2026, 3, 10)))
    await amal.press(ar.fmt_time(berlin(2026, 3, 10, 15, 30)))
    replies = await amal.press(ar._("✅ Book this appointment"))
    assert replies[0].text.startswith(ar._("Your appointment has been moved."))
    await amal.send("/appointments")
    await amal.press(ar._("✖ Cancel"))
    replies = await amal.press(ar._("Yes, cancel it"))
    moved = berlin(2026, 3, 10, 15, 30)
    assert replies[0].text == ar._(
        "Your appointment on %(date)s at %(time)s has been cancelled. We have told your "
        "integration manager.", date=ar.fmt_date(moved), time=ar.fmt_time(moved))
    assert [b.status for b in await bookings(sessions)] == [BookingStatus.CANCELLED] * 2
    async with sessions() as session:
        actions = set(await session.scalars(select(AuditLog.action)))
    assert {"booking:book", "booking:move", "booking:cancel"} <= actions


async def test_caseworker_marks_done_and_no_show_and_cancels_with_client_told(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_hours(sessions, caseworker_id=berger, weekday=0)
    await add_hours(sessions, caseworker_id=berger, weekday=2)
    olena_ref = await add_client(sessions, telegram_id=5001, now=clock())
    await add_client(sessions, telegram_id=5002, name="Amal", language="ar", now=clock())
    olena, amal = harness.user(5001), harness.user(5002, "Amal", "ar")
    await _book(olena, "uk", date(2026, 3, 4), "09:00", topic="Residence status")
    await _book(amal, "ar", date(2026, 3, 4), tr("ar").fmt_time(berlin(2026, 3, 4, 9, 30)))
    await _book(olena, "uk", date(2026, 3, 9), "10:00")
    de = tr("de")
    berger_chat = harness.user(801, "Anna", "de")

    replies = await berger_chat.send("/week")
    assert olena_ref in replies[0].text and "AUF" in replies[0].text
    assert "Українська" in replies[0].text and "العربية" in replies[0].text
    clock.now = berlin(2026, 3, 4, 9, 40).astimezone(UTC)
    replies = await berger_chat.send("/today")
    assert replies[0].text.startswith(de._("Your appointments today, %(date)s:",
                                           date=de.fmt_date(date(2026, 3, 4))))
    replies = await berger_chat.press("✅ 09:00")
    assert de._("✅ Marked as taken place: %(name)s, %(when)s", name=user_text("Olena"),
                when=de._("%(date)s, %(time)s", date=de.fmt_date(date(2026, 3, 4)),
                          time="09:00")) in replies[0].text
    replies = await berger_chat.press("🚫 09:30")
    assert de.ngettext("%(n)s missed appointment so far", "%(n)s missed appointments so far",
                       1) in replies[0].text
    statuses = [b.status for b in await bookings(sessions)]
    assert statuses[:2] == [BookingStatus.DONE, BookingStatus.NO_SHOW]

    # Cancel next week's appointment: Olena is told in Ukrainian and may choose anew.
    await berger_chat.send("/week")
    replies = await berger_chat.press("✖")
    assert "Olena" in replies[0].text
    await berger_chat.press(de._("Yes, cancel it"))
    assert (await bookings(sessions))[2].cancel_reason is CancelReason.STAFF
    [told] = await outbox(sessions, "booking.cancelled")
    assert told.chat_id == 5001
    message = render(told, "uk")
    assert message.text.startswith(tr("uk")._("We are sorry: the integration management had "
                                              "to cancel your appointment on %(date)s at "
                                              "%(time)s. Please choose a new time.",
                                              date=tr("uk").fmt_date(date(2026, 3, 9)),
                                              time="10:00"))
    [[(_label, data)]] = message.buttons
    replies = await olena.press_data(data)
    assert replies[0].text.endswith(tr("uk")._("Please choose a day:"))


async def test_absence_hands_over_to_substitute_and_offers_clients_a_new_slot(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_caseworker(sessions, telegram_id=803, name="Herr Aydin",
                         towns=("cleebronn", "brackenheim"))
    await add_hours(sessions, caseworker_id=berger, weekday=2)  # Wednesdays
    await add_client(sessions, telegram_id=5001, now=clock())
    await add_client(sessions, telegram_id=5002, name="Amal", language="ar", now=clock())
    olena, amal = harness.user(5001), harness.user(5002, "Amal", "ar")
    await _book(olena, "uk", date(2026, 3, 4), "09:00")
    de, uk = tr("de"), tr("uk")
    berger_chat = harness.user(801, "Anna", "de")

    replies = await berger_chat.send("/absent 3.3.2026 6.3.2026 aydin")
    assert "Olena" in replies[0].text
    await berger_chat.press(de._("Yes, enter the absence"))
    assert de._("Absence saved: %(first)s to %(last)s. Substitute: %(name)s. Your "
                "appointments are not offered during this time, and booking notifications "
                "go to %(name)s.", first=de.fmt_date(date(2026, 3, 3)),
                last=de.fmt_date(date(2026, 3, 6)),
                name=user_text("Herr Aydin")) in berger_chat.texts
    [told] = await outbox(sessions, "booking.absence")
    assert told.chat_id == 5001 and (await bookings(sessions))[0].status is \
        BookingStatus.CANCELLED
    [summary] = await outbox(sessions, "absence.substitute")
    assert summary.chat_id == 803 and "Olena" in render(summary, "de").text

    # Olena chooses anew from the message; 4 March is no longer offered.
    [[(_label, data)]] = render(told, "uk").buttons
    replies = await olena.press_data(data)
    assert uk.fmt_date(date(2026, 3, 4)) not in replies[0].buttons
    await olena.press(uk.fmt_date(date(2026, 3, 11)))
    await olena.press("09:00")
    await olena.press(uk._("✅ Book this appointment"))

    # While Frau Berger is away, Herr Aydin hears of new bookings, as her substitute.
    clock.now = berlin(2026, 3, 3, 10).astimezone(UTC)
    await _book(amal, "ar", date(2026, 3, 11), tr("ar").fmt_time(berlin(2026, 3, 11, 10)))
    new = (await outbox(sessions, "booking.staff_new"))[-1]
    assert new.chat_id == 803
    assert de._("You receive this as substitute for %(name)s.", name=user_text("Frau Berger")) in \
        render(new, "de").text

    replies = await berger_chat.send("/absent")
    assert replies[0].text.startswith(de._("You are away from %(first)s to %(last)s. "
                                           "Substitute: %(name)s.",
                                           first=de.fmt_date(date(2026, 3, 3)),
                                           last=de.fmt_date(date(2026, 3, 6)),
                                           name=user_text("Herr Aydin")))
    await berger_chat.press(de._("End absence from %(first)s", first=de.fmt_date(
        date(2026, 3, 3), with_weekday=False)))
    assert de._("Your absence has ended. Your appointments are offered again.") in \
        berger_chat.texts
    await _book(olena, "uk", date(2026, 3, 4), "11:00")
    assert (await outbox(sessions, "booking.staff_new"))[-1].chat_id == 801
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.in_(["absence:add", "absence:end"]))) == 2


async def test_clients_and_staff_cannot_use_each_others_booking_commands(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    await add_client(sessions, telegram_id=5001, now=clock())
    unknown = tr("uk")._("Sorry, I don't know this command. /help shows what I can do.")
    olena = harness.user(5001)
    for command in ("/today", "/week", "/officehours", "/block", "/absent"):
        await olena.send(command)
        assert olena.texts == unknown, command
    await harness.user(801, "Anna", "de").press_data("bkc:0:-:1:1772960400")
    assert harness.fake.calls_to("answerCallbackQuery")[-1].params["text"] == tr("de")._(
        "This button is not available to you.")


async def test_booking_reminders_follow_the_clients_reminder_settings(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801)
    await add_hours(sessions, caseworker_id=berger, weekday=2)
    reference = await add_client(sessions, telegram_id=5001, now=clock())
    client_id = (await client_by_reference(sessions, reference)).id
    olena = harness.user(5001)
    await _book(olena, "uk", date(2026, 3, 4), "09:00")
    assert len(await outbox(sessions, "booking.reminder")) == 2

    async with sessions() as session, session.begin():  # /reminders: appointments off
        await toggle(session, client_id=client_id, category=APPOINTMENTS, now=clock())
    assert await outbox(sessions, "booking.reminder") == []
    await _book(olena, "uk", date(2026, 3, 11), "09:00")
    assert await outbox(sessions, "booking.reminder") == []

    async with sessions() as session, session.begin():  # … and on again
        await toggle(session, client_id=client_id, category=APPOINTMENTS, now=clock())
        await replan_reminders(session, now=clock(), tz=tr("uk").timezone, client_id=client_id)
    assert {r.key for r in await outbox(sessions, "booking.reminder")} == {
        "booking:1:eve", "booking:1:2h", "booking:2:eve", "booking:2:2h"}


async def test_a_full_week_fits_into_one_message(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801)
    for weekday in range(5):
        await add_hours(sessions, caseworker_id=berger, weekday=weekday, start=time(8),
                        end=time(18), slot_minutes=15)
    await add_client(sessions, telegram_id=5001, now=clock())
    async with sessions() as session, session.begin():
        client = await session.scalar(select(Client))
        assert client is not None
        for slot in await find_free_slots(session, now=clock(), policy=DEFAULT_POLICY,
                                          tz=tr("de").timezone, caseworker_id=berger):
            if slot.start < clock() + timedelta(days=7):
                session.add(Booking(client_id=client.id, caseworker_id=berger,
                                    municipality_id=client.municipality_id,
                                    location_id=slot.location_id, start_at=slot.start,
                                    end_at=slot.end, status=BookingStatus.BOOKED))
    replies = await harness.user(801, "Anna", "de").send("/week")
    assert len(replies[0].text) <= 4096 and len(replies[0].buttons) <= 100  # both accepted
    assert "… " in replies[0].text
