"""Buttons from old messages and refused bookings: always a clear answer, never an error.

Slot taken meanwhile, booking cancelled, day past, office hours removed, forged data, too
many bookings, cancelling too late.
"""

from __future__ import annotations

from datetime import UTC, date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import BookingStatus
from tests.conftest import FakeClock
from tests.support.booking_support import add_hours, berlin, bookings, no_background_jobs
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness, TelegramUser

WED = date(2026, 3, 4)

pytestmark = pytest.mark.usefixtures(no_background_jobs.__name__)


async def _setup(sessions: async_sessionmaker[AsyncSession], clock: FakeClock) -> int:
    berger = await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_hours(sessions, caseworker_id=berger, weekday=2)  # Wednesdays 09:00-12:00
    await add_client(sessions, telegram_id=5001, now=clock())
    await add_client(sessions, telegram_id=5002, name="Amal", language="ar", now=clock())
    return berger


async def _open_times(user: TelegramUser, language: str, day: date = WED) -> None:
    t = tr(language)
    await user.send("/book")
    await user.press(t._("Skip"))
    await user.press(t.fmt_date(day))


async def test_slot_taken_meanwhile_is_explained_with_the_fresh_list(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk, ar = tr("uk"), tr("ar")
    olena, amal = harness.user(5001), harness.user(5002, "Amal", "ar")
    await _open_times(olena, "uk")
    await _open_times(amal, "ar")
    await amal.press(ar.fmt_time(berlin(2026, 3, 4, 9)))  # Amal looks at 09:00 …
    await olena.press("09:00")
    await olena.press(uk._("✅ Book this appointment"))  # … Olena books it first.

    replies = await amal.press(ar._("✅ Book this appointment"))
    text = replies[0].text
    assert text.startswith(ar._("Sorry, someone else has just booked this time. Please "
                                "choose another one."))
    assert ar._("Free times on %(date)s:", date=ar.fmt_date(WED)) in text
    assert ar.fmt_time(berlin(2026, 3, 4, 9)) not in replies[0].buttons
    assert ar.fmt_time(berlin(2026, 3, 4, 9, 30)) in replies[0].buttons
    # The time list Olena had open earlier answers the same way.
    await olena.press_data(f"bks:0:-:1:{int(berlin(2026, 3, 4, 9).timestamp())}")
    assert olena.texts.startswith(uk._("Sorry, someone else has just booked this time."
                                       " Please choose another one."))
    assert len(await bookings(sessions)) == 1


async def test_buttons_of_a_cancelled_booking_answer_clearly(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk = tr("uk")
    olena = harness.user(5001)
    await _open_times(olena, "uk")
    await olena.press("10:00")
    await olena.press(uk._("✅ Book this appointment"))
    await olena.send("/appointments")
    card = harness.fake.chat_messages(5001)[-1]
    await olena.press(uk._("✖ Cancel"))
    await olena.press(uk._("Yes, cancel it"))

    await olena.press_data("bka:x:1", card)  # the old card's cancel button
    assert olena.texts == uk._("This appointment has already been cancelled.")
    await olena.press_data("bka:X:1", card)
    assert olena.texts == uk._("This appointment has already been cancelled.")
    await olena.press_data("bka:r:1", card)  # "change time": a new booking instead
    assert olena.texts.endswith(uk._("Please choose a day:"))
    await olena.press_data("bka:x:999")
    assert olena.texts == uk._("This appointment no longer exists. You can book a new one "
                               "with /book.")


async def test_buttons_for_a_day_that_has_passed(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk = tr("uk")
    olena = harness.user(5001)
    await _open_times(olena, "uk")
    times = harness.fake.chat_messages(5001)[-1]
    clock.now = berlin(2026, 3, 5, 8).astimezone(UTC)
    await olena.press("09:30")
    assert olena.texts.startswith(uk._("Sorry, this time is too soon or has already passed. "
                                       "Please choose another one."))
    assert uk._("%(date)s has already passed.", date=uk.fmt_date(WED)) in olena.texts
    await olena.press_data("bkd:0:-:20260304", times)
    assert olena.texts.startswith(uk._("%(date)s has already passed.", date=uk.fmt_date(WED)))
    assert uk.fmt_date(date(2026, 3, 11)) in olena.last_replies[0].buttons
    await olena.press_data(f"bkc:0:-:1:{int(berlin(2026, 3, 4, 11).timestamp())}", times)
    assert olena.texts.startswith(uk._("Sorry, this time is too soon or has already passed. "
                                       "Please choose another one."))
    assert await bookings(sessions) == []


async def test_buttons_after_office_hours_were_removed(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk = tr("uk")
    olena = harness.user(5001)
    await _open_times(olena, "uk")
    await olena.press("11:00")
    caseworker = harness.user(801, "Anna", "de")
    await caseworker.send("/officehours remove 1")
    replies = await olena.press(uk._("✅ Book this appointment"))
    assert replies[0].text.startswith(uk._("Sorry, this time is no longer offered. Please "
                                           "choose another one."))
    assert uk._("Sorry, there are no free appointments in the next %(n)s days. Please call "
                "us: %(phone)s", n=14, phone="+49 7135 105-0") in replies[0].text
    assert await bookings(sessions) == []


async def test_forged_or_broken_button_data_gets_a_polite_answer(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk = tr("uk")
    olena = harness.user(5001)
    await olena.send("/book")
    stale = uk._("This button is no longer valid. Please start again with /book.")
    for data in ("bkt:x", "bkt:0:99", "bkd:0:-:2026", "bks:0:-:a:b", "bkc:0:-:1:99999999999",
                 "bkn:zz"):
        await olena.press_data(data)
        assert olena.texts == stale, data
    await olena.press_data("bka:q:1")
    assert olena.texts == uk._("This button is no longer valid. Please start again with "
                               "/appointments.")
    await olena.press_data("bkn:x")
    assert olena.texts == uk._("All right, nothing was booked.")


async def test_client_may_hold_two_bookings_and_must_call_shortly_before(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk = tr("uk")
    olena = harness.user(5001)
    for time in ("09:00", "09:30"):
        await _open_times(olena, "uk")
        await olena.press(time)
        await olena.press(uk._("✅ Book this appointment"))
    replies = await olena.send("/book")
    assert replies[0].text == uk.ngettext(
        "You already have %(n)s upcoming appointment. To book another one, please cancel or "
        "change it first with /appointments.",
        "You already have %(n)s upcoming appointments. To book another one, please cancel or "
        "change one of them first with /appointments.", 2)
    # An old time list cannot get round the limit either.
    await olena.press_data(f"bkc:0:-:1:{int(berlin(2026, 3, 4, 10).timestamp())}")
    assert olena.texts.startswith(uk.ngettext(
        "You already have %(n)s upcoming appointment. To book another one, please cancel or "
        "change it first with /appointments.",
        "You already have %(n)s upcoming appointments. To book another one, please cancel or "
        "change one of them first with /appointments.", 2))

    clock.now = berlin(2026, 3, 4, 7, 30).astimezone(UTC)  # 90 minutes before 09:00
    await olena.send("/appointments")
    await olena.press_data("bka:x:1")
    too_late = uk.ngettext(
        "Your appointment begins in less than %(n)s hour, so it can no longer be changed "
        "here. Please call us instead: %(phone)s",
        "Your appointment begins in less than %(n)s hours, so it can no longer be changed "
        "here. Please call us instead: %(phone)s", 2, phone="+49 7135 105-0")
    assert olena.texts == too_late
    await olena.press_data("bka:r:1")
    assert olena.texts == too_late
    assert [b.status for b in await bookings(sessions)] == [BookingStatus.BOOKED] * 2


async def test_a_forged_button_never_shows_or_moves_someone_elses_booking(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await _setup(sessions, clock)
    uk, ar = tr("uk"), tr("ar")
    olena, amal = harness.user(5001), harness.user(5002, "Amal", "ar")
    await _open_times(olena, "uk")
    await olena.press("09:00")
    await olena.press(uk._("✅ Book this appointment"))
    ten = int(berlin(2026, 3, 4, 10).timestamp())
    await amal.press_data(f"bks:1:-:1:{ten}")  # "replaces" Olena's booking 1
    assert "09:00" not in amal.texts
    await amal.press_data(f"bkc:1:-:1:{ten}")
    assert amal.texts == ar._("This appointment no longer exists. You can book a new one "
                              "with /book.")
    for data in ("bka:x:1", "bka:X:1", "bka:r:1"):
        await amal.press_data(data)
        assert "09:00" not in amal.texts, data
    [booking] = await bookings(sessions)
    assert booking.status is BookingStatus.BOOKED and booking.start_at == berlin(
        2026, 3, 4, 9).astimezone(UTC)
