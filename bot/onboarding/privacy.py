"""What Lotse holds about a client beyond the case itself, for /privacy (transparency)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import Booking, BookingStatus, StoredMessage
from models.reminders import Child, ExternalAppointment, ReminderSettings
from models.waste import WasteZone


@dataclass(frozen=True)
class DataHeld:
    children: tuple[str, ...]
    waste_zone: str | None
    upcoming_appointments: int
    messages: int = 0  # of conversations with the team (files only as Telegram file ids)
    files: int = 0


async def data_held(session: AsyncSession, *, client_id: int, now: datetime) -> DataHeld:
    """Children, waste zone and upcoming appointments stored for the client."""
    children = tuple(await session.scalars(
        select(Child.name).where(Child.client_id == client_id).order_by(Child.id)))
    zone = await session.scalar(
        select(WasteZone.name).join(ReminderSettings, ReminderSettings.waste_zone_id
                                    == WasteZone.id).where(ReminderSettings.client_id
                                                           == client_id))
    booked = await session.scalar(select(func.count()).select_from(Booking).where(
        Booking.client_id == client_id, Booking.status == BookingStatus.BOOKED,
        Booking.start_at > now))
    elsewhere = await session.scalar(select(func.count()).select_from(ExternalAppointment).where(
        ExternalAppointment.client_id == client_id, ExternalAppointment.starts_at > now))
    messages, files = (await session.execute(
        select(func.count(), func.count(StoredMessage.file_id))
        .where(StoredMessage.client_id == client_id))).one()
    return DataHeld(children=children, waste_zone=zone,
                    upcoming_appointments=int(booked or 0) + int(elsewhere or 0),
                    messages=int(messages or 0), files=int(files or 0))
