"""How fast are one caseworker's free slots with two years of history, on SQLite?

Builds a fresh SQLite database with the team's realistic volume (4 people, ~270 clients,
~3,200 consultations a year for two years, plus cancellations, blocks and absences), then
times ``bot.booking.availability.find_free_slots`` for one caseworker over the 14-day
booking window, and for a whole municipality (what a client sees). Goal: under 50 ms.

    .venv/bin/python benchmarks/free_slots.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time as clock
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from bot.booking.availability import find_free_slots  # noqa: E402
from bot.booking.slots import Slot, WeeklyHours, offered_slots  # noqa: E402
from bot.booking_policy import DEFAULT_POLICY  # noqa: E402
from bot.config import load_municipalities  # noqa: E402
from bot.municipalities import sync_municipalities  # noqa: E402
from models import (  # noqa: E402
    Absence,
    Booking,
    BookingStatus,
    CancelReason,
    Caseworker,
    CaseworkerRole,
    Client,
    ClientStatus,
    Location,
    OfficeHours,
    TimeBlock,
)
from models.migrate import upgrade  # noqa: E402
from models.session import make_engine, make_sessionmaker  # noqa: E402

TZ = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
HISTORY_START = date(2024, 3, 1)
PER_YEAR = 3200
# (town, place, weekday, from, to) per caseworker: two or three sessions a week each.
SCHEDULES = [
    [("cleebronn", "alte-schule", 0, 9, 12), ("cleebronn", "alte-schule", 2, 14, 17)],
    [("brackenheim", "rathaus", 1, 9, 12), ("brackenheim", "rathaus", 3, 14, 17),
     ("brackenheim", "rathaus", 4, 9, 12)],
    [("brackenheim", "rathaus", 0, 13, 16), ("brackenheim", "rathaus", 2, 9, 12),
     ("brackenheim", "rathaus", 3, 9, 12)],
    [("brackenheim", "rathaus", 1, 14, 17), ("brackenheim", "rathaus", 4, 13, 16)],
]


async def build(url: str, rng: random.Random) -> int:
    """Fill the database; returns the id of the caseworker to time."""
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    async with sessions() as session, session.begin():
        towns = await sync_municipalities(session, load_municipalities(
            ROOT / "lotse.example.toml"))
        places = {(loc.municipality_id, loc.key): loc.id
                  for loc in await session.scalars(select(Location))}
        workers = [Caseworker(name=f"Kollegin {i}", role=CaseworkerRole.CASEWORKER,
                              language="de", telegram_user_id=700 + i,
                              municipalities=list(towns.values())) for i in range(4)]
        session.add_all(workers)
        await session.flush()
        clients = [Client(reference=f"C-{i:04d}", display_name=f"Klient {i}", language="uk",
                          municipality_id=towns["cleebronn" if i % 5 == 0
                                                else "brackenheim"].id,
                          status=ClientStatus.ACTIVE, caseworker_id=workers[i % 4].id)
                   for i in range(270)]
        session.add_all(clients)
        await session.flush()
        hours: list[WeeklyHours] = []
        for worker, schedule in zip(workers, SCHEDULES, strict=True):
            for town, place, weekday, start, end in schedule:
                row = OfficeHours(
                    caseworker_id=worker.id, municipality_id=towns[town].id,
                    location_id=places[(towns[town].id, place)], weekday=weekday,
                    start_time=time(start), end_time=time(end), slot_minutes=30,
                    valid_from=HISTORY_START)
                session.add(row)
                await session.flush()
                hours.append(WeeklyHours(row.id, worker.id, row.location_id, weekday,
                                         time(start), time(end), 30, HISTORY_START))
        # History: about PER_YEAR consultations a year for the team, plus cancellations.
        past = offered_slots(hours, HISTORY_START, NOW.date() - timedelta(days=1), TZ)
        share = min(1.0, 2 * PER_YEAR / len(past))
        rows, blocks, absences = [], [], []
        for slot in past:
            client = clients[rng.randrange(len(clients))]
            if rng.random() < 0.15:  # cancelled first, then maybe booked again
                rows.append(_booking(slot, client, BookingStatus.CANCELLED, rng))
            if rng.random() < share:
                status = BookingStatus.NO_SHOW if rng.random() < 0.08 else BookingStatus.DONE
                rows.append(_booking(slot, client, status, rng))
        # The next two weeks half booked, as on a normal Monday.
        for slot in offered_slots(hours, NOW.date(), NOW.date() + timedelta(days=13), TZ):
            if rng.random() < 0.5:
                rows.append(_booking(slot, clients[rng.randrange(len(clients))],
                                     BookingStatus.BOOKED, rng))
        for worker in workers:
            for _ in range(60):  # meetings and short blocks over the two years and ahead
                start = datetime.combine(HISTORY_START, time(8), TZ) + timedelta(
                    days=rng.randrange(730 + 14), hours=rng.randrange(9))
                blocks.append({"caseworker_id": worker.id, "start_at": start,
                               "end_at": start + timedelta(hours=2), "note": "Termin"})
            for _ in range(8):  # holidays
                start = datetime.combine(HISTORY_START, time(0), TZ) + timedelta(
                    days=rng.randrange(700))
                absences.append({"caseworker_id": worker.id,
                                 "substitute_id": workers[(worker.id) % 4].id,
                                 "start_at": start, "end_at": start + timedelta(days=10)})
        await session.execute(insert(Booking), rows)
        await session.execute(insert(TimeBlock), blocks)
        await session.execute(insert(Absence), absences)
        target = workers[1].id
        print(f"history: {sum(r['status'] is not BookingStatus.CANCELLED for r in rows)} "
              f"consultations, {len(rows)} booking rows, {len(blocks)} blocks, "
              f"{len(absences)} absences, {len(clients)} clients")
    await engine.dispose()
    return target


def _booking(slot: Slot, client: Client, status: BookingStatus,
             rng: random.Random) -> dict[str, object]:
    return {
        "client_id": client.id, "caseworker_id": slot.caseworker_id,
        "municipality_id": client.municipality_id, "location_id": slot.location_id,
        "office_hours_id": slot.hours_id, "start_at": slot.start, "end_at": slot.end,
        "status": status, "created_at": slot.start - timedelta(days=rng.randrange(1, 14)),
        "cancel_reason": CancelReason.CLIENT if status is BookingStatus.CANCELLED else None,
    }


async def measure(url: str, caseworker_id: int, repeat: int) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    for label, kwargs in (("one caseworker", {"caseworker_id": caseworker_id}),
                          ("whole municipality (client's view)", {"municipality_id": 1})):
        timings, count = [], 0
        for _ in range(repeat):
            started = clock.perf_counter()
            async with sessions() as session:
                slots = await find_free_slots(session, now=NOW, policy=DEFAULT_POLICY, tz=TZ,
                                              **kwargs)
            timings.append((clock.perf_counter() - started) * 1000)
            count = len(slots)
        timings.sort()
        print(f"free slots, {label}: {count} free in 14 days; median "
              f"{statistics.median(timings):.1f} ms, p95 {timings[int(0.95 * len(timings))]:.1f}"
              f" ms, max {timings[-1]:.1f} ms over {repeat} runs (goal < 50 ms)")
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite+aiosqlite:///{Path(directory) / 'bench.db'}"
        upgrade(url)
        caseworker_id = asyncio.run(build(url, random.Random(2026)))
        asyncio.run(measure(url, caseworker_id, args.repeat))


if __name__ == "__main__":
    main()
