"""Builders and helpers for the booking tests: office hours, outbox rows and their texts.

Test modules use the ``no_background_jobs`` fixture (import it and mark the module with
``pytest.mark.usefixtures``)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.outbox.queue import RENDERERS, Rendered
from models import Booking, Location, OfficeHours, OutboxMessage, OutboxState
from tests.support.builders import municipality, tr
from tests.support.harness import Harness

BERLIN = ZoneInfo("Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


async def add_hours(
    sessions: async_sessionmaker[AsyncSession], *, caseworker_id: int, town: str = "cleebronn",
    place: str = "alte-schule", weekday: int = 0, start: time = time(9), end: time = time(12),
    slot_minutes: int = 30, valid_from: date = date(2026, 3, 1),
    valid_until: date | None = None,
) -> int:
    """Office hours straight into the database; returns the row id."""
    async with sessions() as session, session.begin():
        town_row = await municipality(session, town)
        location = await session.scalar(select(Location).where(
            Location.municipality_id == town_row.id, Location.key == place))
        assert location is not None
        hours = OfficeHours(
            caseworker_id=caseworker_id, municipality_id=town_row.id, location_id=location.id,
            weekday=weekday, start_time=start, end_time=end, slot_minutes=slot_minutes,
            valid_from=valid_from, valid_until=valid_until,
        )
        session.add(hours)
        await session.flush()
        return hours.id


async def outbox(sessions: async_sessionmaker[AsyncSession], kind: str | None = None,
                 state: OutboxState | None = OutboxState.PENDING) -> list[OutboxMessage]:
    async with sessions() as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if kind is not None:
            query = query.where(OutboxMessage.kind == kind)
        if state is not None:
            query = query.where(OutboxMessage.state == state)
        return list(await session.scalars(query))


async def bookings(sessions: async_sessionmaker[AsyncSession]) -> list[Booking]:
    async with sessions() as session:
        return list(await session.scalars(select(Booking).order_by(Booking.id)))


def render(row: OutboxMessage, language: str) -> Rendered:
    """The outbox row as its recipient would read it."""
    return RENDERERS[row.kind](tr(language), row.params)


@pytest.fixture
def no_background_jobs(request: pytest.FixtureRequest) -> None:
    """Stop the JobQueue's jobs (the outbox dispatcher, planners) in tests that run the bot:
    they assert on the outbox rows themselves, and a dispatcher waking mid-test would make
    them depend on time."""
    if "harness" not in request.fixturenames:
        return
    harness: Harness = request.getfixturevalue("harness")
    assert harness.app.job_queue is not None
    for job in harness.app.job_queue.jobs():
        job.schedule_removal()
