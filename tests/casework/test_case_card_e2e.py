"""The case card brings the features together: consultations booked here, appointments
elsewhere, missed consultations and waiting reminders, next to contact time and the plan."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import Booking, BookingStatus, Client, Location
from models.reminders import AppointmentKind, ExternalAppointment
from tests.conftest import FakeClock
from tests.support.builders import add_caseworker, add_client, municipality, tr
from tests.support.harness import Harness


async def test_case_card_shows_upcoming_appointments_and_missed_ones(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    worker_id = await add_caseworker(sessions, telegram_id=851, towns=("cleebronn",))
    reference = await add_client(sessions, telegram_id=9101, now=clock())
    now = clock()
    async with sessions() as session, session.begin():
        client = await session.scalar(select(Client).where(Client.reference == reference))
        town = await municipality(session, "cleebronn")
        place = await session.scalar(select(Location).where(Location.municipality_id == town.id))
        assert client is not None and place is not None
        common = dict(client_id=client.id, caseworker_id=worker_id, municipality_id=town.id,
                      location_id=place.id)
        session.add_all([
            Booking(**common, start_at=now + timedelta(days=2),
                    end_at=now + timedelta(days=2, minutes=30), status=BookingStatus.BOOKED),
            Booking(**common, start_at=now - timedelta(days=7),
                    end_at=now - timedelta(days=7, minutes=-30),
                    status=BookingStatus.NO_SHOW),
            ExternalAppointment(client_id=client.id, caseworker_id=worker_id,
                                starts_at=now + timedelta(days=5),
                                kind=AppointmentKind.AUSLAENDERBEHOERDE,
                                place_name="Landratsamt Heilbronn", place_address="Lerchenstr. 40"),
        ])
    worker = harness.user(851, "Anna", "de")
    await worker.send(f"/case {reference}")
    de = tr("de")
    card = worker.texts
    assert de._("Appointments coming up:") in card
    assert "Bürgerhaus „Alte Schule“" in card and "Landratsamt Heilbronn" in card
    assert card.index("Bürgerhaus") < card.index("Landratsamt")  # soonest first
    assert de._("Missed consultations: %(count)s", count=1) in card
