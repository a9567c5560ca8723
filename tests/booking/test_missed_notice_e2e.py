"""A missed appointment is told to the client kindly, with new times one tap away; the
caseworker can untick it per booking (e.g. the client had phoned)."""

from __future__ import annotations

from datetime import UTC, date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import OutboxState
from tests.conftest import FakeClock
from tests.support.booking_support import add_hours, berlin, no_background_jobs, outbox, render
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness, TelegramUser

pytestmark = pytest.mark.usefixtures(no_background_jobs.__name__)


async def _book(user: TelegramUser, language: str, day: date, time: str) -> None:
    t = tr(language)
    await user.send("/book")
    await user.press(t._("Skip"))
    await user.press(t.fmt_date(day))
    await user.press(time)
    await user.press(t._("✅ Book this appointment"))


async def test_missed_appointment_is_told_unless_unticked(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801, name="Frau Berger")
    await add_hours(sessions, caseworker_id=berger, weekday=2)  # Wednesdays 09:00–12:00
    await add_client(sessions, telegram_id=5001, now=clock())
    await add_client(sessions, telegram_id=5002, name="Amal", language="ar", now=clock())
    olena, amal = harness.user(5001), harness.user(5002, "Amal", "ar")
    await _book(olena, "uk", date(2026, 3, 4), "09:00")
    await _book(amal, "ar", date(2026, 3, 4), tr("ar").fmt_time(berlin(2026, 3, 4, 9, 30)))
    de, uk = tr("de"), tr("uk")
    staff = harness.user(801, "Anna", "de")
    clock.now = berlin(2026, 3, 4, 10, 0).astimezone(UTC)
    await staff.send("/today")

    # Olena did not come: she is told in Ukrainian a little later, with "choose a new time".
    replies = await staff.press("🚫 09:00")
    assert de._("Do not tell the client") in replies[0].buttons
    [missed] = await outbox(sessions, "booking.missed")
    assert missed.chat_id == 5001 and missed.due_at > clock()
    message = render(missed, "uk")
    assert message.text.startswith(uk._(
        "We missed you at your appointment on %(date)s at %(time)s. That can happen. If you "
        "still need advice, please choose a new time.",
        date=uk.fmt_date(date(2026, 3, 4)), time="09:00"))
    assert message.buttons == [[(uk._("Choose a new time"),
                                 f"bka:r:{missed.params['booking_id']}")]]

    # Amal had phoned: the caseworker unticks her notice.
    await staff.press("🚫 09:30")
    replies = await staff.press(de._("Do not tell the client"))
    assert de._("All right: the client is not told of the missed appointment.") in \
        replies[0].text
    pending = await outbox(sessions, "booking.missed")
    assert [row.chat_id for row in pending] == [5001]
    cancelled = await outbox(sessions, "booking.missed", state=OutboxState.CANCELLED)
    assert [row.chat_id for row in cancelled] == [5002]
