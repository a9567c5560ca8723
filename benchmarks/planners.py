"""The nightly planner run for many clients: first run (everything new) and a repeat (all
keys exist already, nothing planned twice), on SQLite and optionally PostgreSQL.

Every client has a waste zone with two collections a week, half have a child at school,
and each has one external appointment in the coming days. "Now" is 20 March 2026, so the
window holds the last school day before the Easter holidays.

Run: .venv/bin/python -m benchmarks.planners [--clients N] [--postgres URL]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bot.config import load_municipalities
from bot.municipalities import sync_municipalities
from bot.reminders.planners import plan_all, waste_times
from models import (
    AppointmentKind,
    Child,
    ChildPlace,
    Client,
    ClientStatus,
    ExternalAppointment,
    OutboxMessage,
    ReminderSettings,
    WasteCollection,
    WasteZone,
)
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker
from tests.conftest import EXAMPLE_CONFIG

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 20, 2, 0, tzinfo=UTC)


async def run(url: str, clients: int) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    configs = load_municipalities(EXAMPLE_CONFIG)
    async with sessions() as session, session.begin():
        for table in ("outbox", "external_appointments", "children", "reminder_settings",
                      "waste_collections", "waste_zones", "clients"):
            await session.execute(text(f"DELETE FROM {table}"))
        town = (await sync_municipalities(session, configs))["cleebronn"]
        zone = WasteZone(municipality_id=town.id, name="Nord")
        session.add(zone)
        await session.flush()
        session.add_all(WasteCollection(zone_id=zone.id, day=date(2026, 3, 20) + timedelta(d),
                                        kind="restmuell", name_de="Restmüll")
                        for d in range(0, 28, 3))
        for n in range(clients):
            client = Client(reference=f"C-{n + 1:05d}", display_name=f"K{n}", language="uk",
                            municipality_id=town.id, status=ClientStatus.ACTIVE,
                            telegram_user_id=10_000_000 + n)
            session.add(client)
            await session.flush()
            session.add(ReminderSettings(client_id=client.id, waste_zone_id=zone.id))
            if n % 2:
                session.add(Child(client_id=client.id, name="Kind 1", place=ChildPlace.SCHOOL))
            session.add(ExternalAppointment(
                client_id=client.id, starts_at=NOW + timedelta(days=1 + n % 10, hours=8),
                kind=AppointmentKind.JOBCENTER, place_name="Jobcenter Heilbronn"))
    for label in ("first run", "repeat"):
        started = time.perf_counter()
        async with sessions() as session, session.begin():
            planned = await plan_all(session, now=NOW, timezone=BERLIN,
                                     waste_times=waste_times(configs))
        took = time.perf_counter() - started
        print(f"{engine.dialect.name}: {label}: {planned.total} reminders planned "
              f"(waste {planned.waste}, school {planned.school}, appointments "
              f"{planned.appointments}) for {clients} clients in {took:.2f} s")
    async with sessions() as session:
        rows = await session.scalar(select(func.count(OutboxMessage.id)))
        print(f"{engine.dialect.name}: {rows} outbox rows")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--postgres", help="an empty, migrated PostgreSQL database URL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        upgrade(url)
        asyncio.run(run(url, args.clients))
    if args.postgres:
        upgrade(args.postgres)
        asyncio.run(run(args.postgres, args.clients))


if __name__ == "__main__":
    main()
