"""Bookings as plain values (who, when, where) for handlers, notifications and the case card."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models import (
    Booking,
    BookingStatus,
    CancelReason,
    Caseworker,
    Client,
    Location,
    Municipality,
    Topic,
)


@dataclass(frozen=True)
class BookingInfo:
    id: int
    status: BookingStatus
    cancel_reason: CancelReason | None
    start: datetime
    end: datetime
    topic: Topic | None
    client_id: int
    client_reference: str
    client_name: str
    client_language: str
    client_chat_id: int | None
    caseworker_id: int
    caseworker_name: str
    municipality_id: int
    municipality_key: str
    location_name: str
    address: str

    @property
    def active(self) -> bool:
        return self.status is BookingStatus.BOOKED

    def params(self) -> dict[str, Any]:
        """What an outbox message needs to render it later (JSON, no special categories:
        the topic is never included)."""
        return {
            "booking_id": self.id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "place": self.location_name,
            "address": self.address,
            "caseworker": self.caseworker_name,
            "client_name": self.client_name,
            "reference": self.client_reference,
            "language": self.client_language,
        }


def _query() -> Any:
    return (
        select(Booking, Client, Caseworker, Location, Municipality)
        .join(Client, Client.id == Booking.client_id)
        .join(Caseworker, Caseworker.id == Booking.caseworker_id)
        .join(Location, Location.id == Booking.location_id)
        .join(Municipality, Municipality.id == Booking.municipality_id)
    )


def _info(booking: Booking, client: Client, caseworker: Caseworker, location: Location,
          municipality: Municipality) -> BookingInfo:
    return BookingInfo(
        id=booking.id, status=booking.status, cancel_reason=booking.cancel_reason,
        start=booking.start_at, end=booking.end_at, topic=booking.topic,
        client_id=client.id, client_reference=client.reference,
        client_name=client.display_name, client_language=client.language,
        client_chat_id=client.telegram_user_id, caseworker_id=caseworker.id,
        caseworker_name=caseworker.name, municipality_id=municipality.id,
        municipality_key=municipality.key, location_name=location.name,
        address=location.address,
    )


async def find_bookings(session: AsyncSession, *where: ColumnElement[bool]
                        ) -> list[BookingInfo]:
    """Bookings matching the conditions, ordered by start time."""
    rows = await session.execute(_query().where(*where).order_by(Booking.start_at, Booking.id))
    return [_info(*row) for row in rows.all()]


async def booking_info(session: AsyncSession, booking_id: int) -> BookingInfo | None:
    found = await find_bookings(session, Booking.id == booking_id)
    return found[0] if found else None


async def no_show_counts(session: AsyncSession, client_ids: Sequence[int]) -> dict[int, int]:
    """How often each client missed an appointment without cancelling."""
    if not client_ids:
        return {}
    rows = await session.execute(
        select(Booking.client_id, func.count())
        .where(Booking.client_id.in_(client_ids), Booking.status == BookingStatus.NO_SHOW)
        .group_by(Booking.client_id)
    )
    return {client_id: count for client_id, count in rows.all()}
