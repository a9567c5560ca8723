"""/privacy shows a client everything stored about them, in their language."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import user_text
from models import Client
from models.reminders import (
    AppointmentKind,
    Child,
    ChildPlace,
    ExternalAppointment,
    ReminderSettings,
)
from models.waste import WasteZone
from tests.conftest import FakeClock
from tests.support.builders import add_client, municipality, tr
from tests.support.harness import Harness


async def test_client_sees_children_zone_and_appointments_held_about_them(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    reference = await add_client(sessions, telegram_id=9201, name="Olena", language="uk",
                                 now=clock())
    async with sessions() as session, session.begin():
        client = await session.scalar(select(Client).where(Client.reference == reference))
        assert client is not None
        zone = WasteZone(municipality_id=(await municipality(session, "cleebronn")).id,
                         name="Cleebronn Nord")
        session.add(zone)
        await session.flush()
        session.add_all([
            Child(client_id=client.id, name="Marko", place=ChildPlace.SCHOOL),
            ReminderSettings(client_id=client.id, waste_zone_id=zone.id),
            ExternalAppointment(client_id=client.id, starts_at=clock() + timedelta(days=3),
                                kind=AppointmentKind.JOBCENTER, place_name="Jobcenter"),
        ])
    olena = harness.user(9201, "Olena", "uk")
    await olena.send("/privacy")
    uk = tr("uk")
    assert reference in olena.texts
    assert uk._("Children you told us about: %(names)s", names=user_text("Marko")) in olena.texts
    assert uk._("Waste collection zone: %(zone)s", zone=user_text("Cleebronn Nord")) in olena.texts
    assert uk._("Upcoming appointments: %(count)s", count=1) in olena.texts
