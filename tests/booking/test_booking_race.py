"""No slot is ever given twice: two clients press the same slot at the same moment, many
times over, through the real handlers; exactly one wins and the other gets the fresh list."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, time, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, BookingStatus, Client, Location
from tests.conftest import FakeClock
from tests.support.booking_support import add_hours, berlin, bookings, no_background_jobs
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness, TelegramUser

ROUNDS = 12
WED = date(2026, 3, 4)

pytestmark = pytest.mark.usefixtures(no_background_jobs.__name__)


async def _to_confirmation(user: TelegramUser, language: str, slot: str) -> None:
    t = tr(language)
    await user.send("/book")
    await user.press(t._("Skip"))
    await user.press(t.fmt_date(WED))
    await user.press(slot)


async def test_two_clients_pressing_the_same_slot_at_once_get_it_exactly_once(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801)
    await add_hours(sessions, caseworker_id=berger, weekday=2, start=time(9), end=time(12),
                    slot_minutes=15)  # 12 slots on Wednesday
    uk, ar = tr("uk"), tr("ar")
    taken = uk._("Sorry, someone else has just booked this time. Please choose another one.")
    taken_ar = ar._("Sorry, someone else has just booked this time. Please choose another "
                    "one.")
    for round_ in range(ROUNDS):
        start = berlin(2026, 3, 4, 9) + timedelta(minutes=15 * round_)
        olena = harness.user(6000 + 2 * round_, "Olena", "uk")
        amal = harness.user(6001 + 2 * round_, "Amal", "ar")
        await add_client(sessions, telegram_id=olena.id, now=clock())
        await add_client(sessions, telegram_id=amal.id, name="Amal", language="ar",
                         now=clock())
        await _to_confirmation(olena, "uk", uk.fmt_time(start))
        await _to_confirmation(amal, "ar", ar.fmt_time(start))

        first, second = (olena, amal) if round_ % 2 else (amal, olena)
        await asyncio.gather(first.press("✅"), second.press("✅"))

        winners = [u for u, t in ((olena, uk), (amal, ar))
                   if u.texts.startswith(t._("Your appointment is booked."))]
        losers = [u for u in (olena, amal) if u.texts.startswith((taken, taken_ar))]
        assert len(winners) == 1 and len(losers) == 1, (olena.texts, amal.texts)
        loser_t = uk if losers[0] is olena else ar
        assert loser_t.fmt_time(start) not in losers[0].last_replies[0].buttons
        fresh = losers[0].last_replies[0].buttons
        if round_ < ROUNDS - 1:  # the free times left, and "other day"
            assert len(fresh) == ROUNDS - round_ - 1 + 1
        else:  # Wednesday is full: the other days
            assert loser_t.fmt_date(WED) not in fresh

    rows = await bookings(sessions)
    assert len(rows) == ROUNDS
    assert len({row.start_at for row in rows}) == ROUNDS


async def test_one_client_pressing_two_slots_at_once_stays_within_the_limit(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801)
    await add_hours(sessions, caseworker_id=berger, weekday=2)
    await add_client(sessions, telegram_id=5001, now=clock())
    olena = harness.user(5001)
    uk = tr("uk")
    await _to_confirmation(olena, "uk", "09:00")
    await olena.press(uk._("✅ Book this appointment"))
    stamps = [int(berlin(2026, 3, 4, h, 30).timestamp()) for h in (10, 11)]
    for _ in range(5):
        await asyncio.gather(*(olena.press_data(f"bkc:0:-:{berger}:{s}") for s in stamps))
    rows = [b for b in await bookings(sessions) if b.status is BookingStatus.BOOKED]
    assert len(rows) == 2  # the default limit, never more


async def test_the_database_itself_refuses_a_second_active_booking_of_a_slot(
    sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    berger = await add_caseworker(sessions, telegram_id=801)
    for telegram_id in (5001, 5002, 5003):
        await add_client(sessions, telegram_id=telegram_id, now=clock())
    start = berlin(2026, 3, 4, 9).astimezone(UTC)

    async def insert(telegram_id: int, status: BookingStatus) -> None:
        async with sessions() as session, session.begin():
            client = await session.scalar(select(Client).where(
                Client.telegram_user_id == telegram_id))
            location = await session.scalar(select(Location))
            assert client is not None and location is not None
            session.add(Booking(
                client_id=client.id, caseworker_id=berger, municipality_id=client.municipality_id,
                location_id=location.id, start_at=start, end_at=start + timedelta(minutes=30),
                status=status))

    await insert(5001, BookingStatus.CANCELLED)
    await insert(5002, BookingStatus.BOOKED)  # a cancelled booking does not hold the slot
    with pytest.raises(IntegrityError):
        await insert(5003, BookingStatus.BOOKED)
