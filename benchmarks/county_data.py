"""County-scale data for the benchmarks: 12 municipalities, 50 caseworkers with office hours,
10,000 clients, 200,000 bookings, 1,000,000 contact-time entries, 2,000,000 outbox rows
(mostly sent), conversations for the inbox and a year of waste dates for 40 zones.

The data is built once into a migrated database and kept: a SQLite file (default
/tmp/lotse-county/county.db) and a PostgreSQL database (default lotse_county_bench), with
the county's TOML file and a small JSON file naming the day the data was built around.
``--rebuild`` makes them anew. Big tables are loaded in bulk (SQLite: executemany of
prepared tuples; PostgreSQL: COPY); small ones through the models' tables.

Run: .venv/bin/python -m benchmarks.county_data [--rebuild] [--skip-postgres|--skip-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.config import load_municipalities
from bot.municipalities import sync_municipalities
from bot.quarters import Quarter
from models import (
    CaseDetails,
    Caseworker,
    Child,
    Client,
    OfficeHours,
    ReminderSettings,
    WasteCollection,
    WasteZone,
)
from models.migrate import upgrade
from models.people import caseworker_municipalities
from models.session import make_engine, make_sessionmaker

BERLIN = ZoneInfo("Europe/Berlin")
DATA_DIR = Path("/tmp/lotse-county")
POSTGRES_SERVER = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
POSTGRES_DB = "lotse_county_bench"
TOWNS = ("brackenheim", "cleebronn", "gueglingen", "pfaffenhofen", "zaberfeld", "eppingen",
         "schwaigern", "leingarten", "lauffen", "nordheim", "talheim", "flein")
# Relative size of each town (clients are spread by these weights).
WEIGHTS = (16, 5, 8, 4, 3, 20, 11, 10, 12, 8, 5, 7)
CLIENTS = 10_000
CASEWORKERS = 50
BOOKINGS = 200_000
ENTRIES = 1_000_000
OUTBOX = 2_000_000
ZONES = 40
YEARS = 4  # of history
LANGUAGES = ("uk", "ar", "ru", "fa", "tr", "en", "de")
LANGUAGE_WEIGHTS = (35, 25, 12, 12, 8, 5, 3)
FIRST_CLIENT_CHAT = 1_000_000
FIRST_STAFF_CHAT = 800_000
SLOT = timedelta(minutes=30)
BATCH = 50_000
BINS = (("restmuell", "Restmüll"), ("bio", "Biomüll"), ("papier", "Papier"),
        ("gelber_sack", "Gelber Sack"))


@dataclass
class County:
    """What the generator made, as far as the benchmarks need it."""

    today: date
    towns: dict[str, int] = field(default_factory=dict)  # key -> municipality id
    caseworkers: list[tuple[int, int, tuple[int, ...]]] = field(default_factory=list)


def data_paths(directory: Path = DATA_DIR) -> tuple[Path, Path, Path]:
    """(SQLite file, county TOML, meta JSON)."""
    return directory / "county.db", directory / "county.toml", directory / "county.json"


def sqlite_url(directory: Path = DATA_DIR) -> str:
    return f"sqlite+aiosqlite:///{data_paths(directory)[0]}"


def postgres_url(database: str = POSTGRES_DB) -> str:
    return make_url(POSTGRES_SERVER).set(database=database).render_as_string(
        hide_password=False)


def county_toml() -> str:
    """Twelve municipalities: the county's 3-year care limit in most, none in three."""
    parts = []
    for n, key in enumerate(TOWNS):
        limit = '"none"' if n % 4 == 1 else "36"
        parts.append(f"""
[[municipality]]
key = "{key}"
name = "Gemeinde {key.title()}"
hourly_rate = "{58 + n}.00"
vat_rate = "0.19"
weekly_hours = "15"
care_limit_months = {limit}
service_start = 2022-01-01
phone = "+49 7135 105-{n}"

[[municipality.location]]
key = "rathaus"
name = "Rathaus {key.title()}"
address = "Marktplatz {n + 1}, 74336 {key.title()}"
""")
    return "".join(parts)


def local(day: date, at: clock) -> datetime:
    return datetime.combine(day, at, tzinfo=BERLIN).astimezone(UTC)


class Loader:
    """Bulk insert of prepared rows, the fastest way each backend offers."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"

    @staticmethod
    def _sqlite(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, dict):
            return json.dumps(value)
        return value

    async def load(self, table: str, columns: Sequence[str],
                   rows: Iterator[tuple[Any, ...]]) -> int:
        count = 0
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                count += await self._flush(table, columns, batch)
                batch = []
        if batch:
            count += await self._flush(table, columns, batch)
        return count

    async def _flush(self, table: str, columns: Sequence[str],
                     batch: list[tuple[Any, ...]]) -> int:
        if self.postgres:
            raw = await self.connection.get_raw_connection()
            records = [tuple(json.dumps(v) if isinstance(v, dict) else v for v in row)
                       for row in batch]
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                table, records=records, columns=list(columns))
        else:
            rows = [tuple(self._sqlite(v) for v in row) for row in batch]
            marks = ", ".join("?" for _ in columns)
            await self.connection.exec_driver_sql(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
        return len(batch)


async def _people(engine: AsyncEngine, county: County, rng: random.Random,
                  toml: Path) -> dict[str, Any]:
    """Municipalities, caseworkers with office hours, clients, case details, settings."""
    today = county.today
    async with make_sessionmaker(engine)() as session, session.begin():
        rows = await sync_municipalities(session, load_municipalities(toml))
        county.towns = {key: row.id for key, row in rows.items()}
        locations = {row.id: row.locations[0].id for row in rows.values()}
    town_ids = [county.towns[k] for k in TOWNS]
    start = today - timedelta(days=365 * YEARS)
    staff, links, hours = [], [], []
    for n in range(CASEWORKERS):
        towns = (town_ids[n % 12],) + ((town_ids[(n + 5) % 12],) if n % 5 == 0 else ())
        staff.append(dict(id=n + 1, name=f"IM {n + 1:02d}", role="caseworker", language="de",
                          telegram_user_id=FIRST_STAFF_CHAT + n, active=True,
                          created_at=local(start, clock(8))))
        links += [dict(caseworker_id=n + 1, municipality_id=t) for t in towns]
        for k in range(3):  # three mornings a week in the first town, 30-minute slots
            hours.append(dict(
                id=len(hours) + 1, caseworker_id=n + 1, municipality_id=towns[0],
                location_id=locations[towns[0]], weekday=(n + 2 * k) % 5,
                start_time=clock(9), end_time=clock(13), slot_minutes=30, valid_from=start,
                valid_until=None, created_at=local(start, clock(8)), removed_at=None))
    by_town: dict[int, list[int]] = {}
    for n in range(CASEWORKERS):
        by_town.setdefault(town_ids[n % 12], []).append(n + 1)
    clients, details, settings, children = [], [], [], []
    zones_of: dict[int, list[int]] = {}
    zone_rows = []
    for z in range(ZONES):
        town = town_ids[z % 12]
        zone_rows.append(dict(id=z + 1, municipality_id=town, name=f"Bezirk {z // 12 + 1}",
                              source="county_data", imported_at=local(today, clock(3))))
        zones_of.setdefault(town, []).append(z + 1)
    for n in range(1, CLIENTS + 1):
        town = rng.choices(town_ids, WEIGHTS)[0]
        created = local(start + timedelta(days=int(rng.random() ** 0.7 * 365 * YEARS)),
                        clock(10))
        roll = rng.random()
        status = "closed" if roll < 0.12 else "invited" if roll < 0.17 else "active"
        linked = status != "invited"
        clients.append(dict(
            id=n, reference=f"C-{n:04d}", display_name=f"Klient {n}",
            language=rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0], municipality_id=town,
            caseworker_id=rng.choice(by_town[town]), status=status,
            consent_at=created if linked else None,
            telegram_user_id=FIRST_CLIENT_CHAT + n if linked else None, created_at=created,
            unreachable_since=local(today, clock(1)) if rng.random() < 0.01 else None))
        if rng.random() < 0.6:
            care = created.date() - timedelta(days=rng.randrange(0, 400))
            details.append(dict(client_id=n, care_start=care,
                                care_extended=rng.random() < 0.1,
                                closed_at=created + timedelta(days=300)
                                if status == "closed" else None))
        if status == "active":
            settings.append(dict(client_id=n, appointments=True, waste=rng.random() < 0.9,
                                 school=True, paused=rng.random() < 0.03,
                                 waste_zone_id=rng.choice(zones_of[town]),
                                 updated_at=created))
            if rng.random() < 0.4:
                children.append(dict(client_id=n, name=f"Kind {n}", place="school",
                                     created_at=created))
    waste = []
    for z in range(ZONES):
        offset = z % 7
        for week in range(53):
            monday = today - timedelta(days=today.weekday() + 7 * 4) + timedelta(weeks=week)
            kind = BINS[week % 2] if week % 4 else BINS[2 + week // 4 % 2]
            waste.append(dict(zone_id=z + 1, day=monday + timedelta(days=offset % 5),
                              kind=kind[0], name_de=kind[1]))
    async with engine.begin() as connection:
        for table, values in ((Caseworker.__table__, staff),
                              (caseworker_municipalities, links),
                              (OfficeHours.__table__, hours), (WasteZone.__table__, zone_rows),
                              (Client.__table__, clients), (CaseDetails.__table__, details),
                              (ReminderSettings.__table__, settings),
                              (Child.__table__, children),
                              (WasteCollection.__table__, waste)):
            for first in range(0, len(values), 5000):
                await connection.execute(insert(table), values[first:first + 5000])
    return {"hours": hours, "clients": clients, "town_ids": town_ids, "locations": locations}


def _bookings(people: dict[str, Any], today: date, rng: random.Random
              ) -> Iterator[tuple[Any, ...]]:
    """Every slot of every caseworker's office hours, past ones mostly taken, the next two
    weeks about 40 %."""
    mine: dict[int, list[int]] = {}
    for client in people["clients"]:
        mine.setdefault(client["caseworker_id"], []).append(client["id"])
    past, future = [], []
    for hours in people["hours"]:
        day = hours["valid_from"] + timedelta(days=(hours["weekday"]
                                                    - hours["valid_from"].weekday()) % 7)
        while day <= today + timedelta(days=14):
            at = local(day, hours["start_time"])
            for k in range(8):
                (future if day >= today else past).append((hours, at + k * SLOT))
            day += timedelta(days=7)
    future = [s for s in future if rng.random() < 0.4]
    chosen = rng.sample(past, BOOKINGS - len(future)) + future
    now = local(today, clock(10))
    for n, (hours, start) in enumerate(chosen, 1):
        client = rng.choice(mine[hours["caseworker_id"]])
        roll = rng.random()
        if start < now:
            status = "cancelled" if roll < 0.1 else "no_show" if roll < 0.17 else "done"
        else:
            status = "cancelled" if roll < 0.1 else "booked"
        created = start - timedelta(days=rng.randint(1, 13))
        yield (n, client, hours["caseworker_id"], hours["municipality_id"],
               hours["location_id"], hours["id"], start, start + SLOT,
               rng.choice(("documents", "work", "housing", "school", None)), status,
               "client" if status == "cancelled" else None, created,
               created + timedelta(hours=5) if status == "cancelled" else None,
               start + SLOT if status in ("done", "no_show") else None)


BOOKING_COLUMNS = ("id", "client_id", "caseworker_id", "municipality_id", "location_id",
                   "office_hours_id", "start_at", "end_at", "topic", "status", "cancel_reason",
                   "created_at", "cancelled_at", "marked_at")
KINDS = ("consultation", "home_visit", "phone", "accompaniment", "group_event", "travel")
ENTRY_COLUMNS = ("caseworker_id", "client_id", "case_reference", "municipality_id", "kind",
                 "minutes", "entry_date", "quarter", "is_correction", "created_at",
                 "deleted_at")


def _entries(people: dict[str, Any], today: date, rng: random.Random
             ) -> Iterator[tuple[Any, ...]]:
    """Contact time over four years; clients seen more while their case is young."""
    clients = [c for c in people["clients"] if c["status"] != "invited"]
    first = today - timedelta(days=365 * YEARS)
    for _ in range(ENTRIES):
        client = rng.choice(clients)
        since = max(first, client["created_at"].date())
        day = since + timedelta(days=int(rng.random() ** 1.5 * ((today - since).days + 1)))
        group = rng.random() < 0.02
        yield (client["caseworker_id"], None if group else client["id"],
               None if group else client["reference"], client["municipality_id"],
               "group_event" if group else rng.choice(KINDS), rng.randint(5, 180), day,
               Quarter.of(day).key, False, local(day, clock(15)),
               local(day, clock(16)) if rng.random() < 0.005 else None)


OUTBOX_COLUMNS = ("key", "chat_id", "client_id", "kind", "params", "due_at", "expires_at",
                  "urgent", "state", "attempts", "created_at", "sent_at", "uncertain")


def _outbox(people: dict[str, Any], today: date, rng: random.Random
            ) -> Iterator[tuple[Any, ...]]:
    """Four years of reminders, nearly all sent; some pending ahead, 300 due right now."""
    clients = [c for c in people["clients"] if c["telegram_user_id"]]
    now = local(today, clock(10))
    span = 365 * YEARS * 86400
    for n in range(OUTBOX):
        client = rng.choice(clients)
        roll = rng.random()
        if n < 300:  # due in the last minutes, waiting for the dispatcher
            state, due = "pending", now - timedelta(seconds=rng.randint(1, 600))
        elif n < 10_300:  # planned for the coming two weeks
            state, due = "pending", now + timedelta(seconds=rng.randint(60, 14 * 86400))
        else:
            due = now - timedelta(seconds=rng.randint(3600, span))
            state = ("expired" if roll < 0.01 else "cancelled" if roll < 0.02
                     else "blocked" if roll < 0.0225 else "failed" if roll < 0.024 else "sent")
        day = (due.astimezone(BERLIN) + timedelta(days=1)).date()
        yield (f"gen:{n}", client["telegram_user_id"], client["id"], "waste.reminder",
               {"category": "waste", "date": day.isoformat(), "bins": [list(BINS[n % 4])]},
               due, due + timedelta(hours=3), False, state, 0 if state == "pending" else 1,
               due - timedelta(days=3), due + timedelta(seconds=2) if state == "sent" else None,
               False)


CONVERSATION_COLUMNS = ("id", "client_id", "opened_at", "closed_at", "urgent_at")
MESSAGE_COLUMNS = ("conversation_id", "client_id", "caseworker_id", "key", "from_client",
                   "content", "text", "file_id", "chat_id", "message_id", "created_at")
WORDS = ("Guten", "Tag", "ich", "habe", "einen", "Brief", "vom", "Jobcenter", "bekommen", "und",
         "verstehe", "ihn", "nicht", "bitte", "helfen", "Sie", "mir", "mit", "dem", "Termin")


async def _conversations(loader: Loader, people: dict[str, Any], today: date,
                         rng: random.Random) -> tuple[int, int]:
    """About three conversations per linked client; about 400 still wait for an answer."""
    clients = [c for c in people["clients"] if c["telegram_user_id"]]
    now = local(today, clock(10))
    conversations, messages = [], []
    for client in clients:
        opened = client["created_at"]
        for _ in range(rng.randint(0, 6)):
            opened = opened + timedelta(days=rng.randint(5, 120))
            if opened >= now:
                break
            waiting = opened > now - timedelta(days=14) and rng.random() < 0.5
            cid = len(conversations) + 1
            conversations.append((cid, client["id"], opened,
                                  None if waiting else opened + timedelta(hours=20),
                                  opened if waiting and rng.random() < 0.05 else None))
            for m in range(rng.randint(1, 4) + (0 if waiting else 1)):
                from_client = waiting or m % 2 == 0
                words = " ".join(rng.choices(WORDS, k=rng.randint(3, 25)))
                messages.append((cid, client["id"], None if from_client
                                 else client["caseworker_id"], f"gen:{cid}:{m}", from_client,
                                 "text", words, None, client["telegram_user_id"], cid * 10 + m,
                                 opened + timedelta(minutes=m * 30)))
    await loader.load("conversations", CONVERSATION_COLUMNS, iter(conversations))
    await loader.load("conversation_messages", MESSAGE_COLUMNS, iter(messages))
    return len(conversations), len(messages)


async def build(url: str, directory: Path, today: date) -> None:
    """Migrate an empty database and fill it."""
    _, toml, _ = data_paths(directory)
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    rng = random.Random(14)
    county = County(today=today)
    try:
        started = time.perf_counter()
        people = await _people(engine, county, rng, toml)
        print(f"  people, office hours, waste: {time.perf_counter() - started:.1f} s",
              flush=True)
        for label, table, columns, rows in (
                ("bookings", "bookings", BOOKING_COLUMNS, _bookings(people, today, rng)),
                ("contact entries", "contact_entries", ENTRY_COLUMNS,
                 _entries(people, today, rng)),
                ("outbox", "outbox", OUTBOX_COLUMNS, _outbox(people, today, rng))):
            started = time.perf_counter()
            async with engine.begin() as connection:
                count = await Loader(connection).load(table, columns, rows)
            print(f"  {label}: {count:,} in {time.perf_counter() - started:.1f} s", flush=True)
        started = time.perf_counter()
        async with engine.begin() as connection:
            talks, messages = await _conversations(Loader(connection), people, today, rng)
        print(f"  conversations: {talks:,} with {messages:,} messages in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        if engine.dialect.name == "postgresql":
            async with engine.connect() as connection:
                auto = await connection.execution_options(isolation_level="AUTOCOMMIT")
                for table in ("bookings", "conversations", "conversation_messages"):
                    await auto.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
                for table in ("caseworkers", "office_hours", "clients", "waste_zones"):
                    await auto.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT max(id) FROM {table}))"))
                await auto.execute(text("VACUUM ANALYZE"))
        else:
            async with engine.begin() as connection:
                await connection.execute(text("ANALYZE"))
    finally:
        await engine.dispose()


async def _postgres_exists(database: str) -> bool:
    import asyncpg

    server = make_url(POSTGRES_SERVER)
    connection = await asyncpg.connect(host=server.host, port=server.port or 5432,
                                       user=server.username, database=server.database)
    try:
        return bool(await connection.fetchval(
            "SELECT 1 FROM pg_database WHERE datname = $1", database))
    finally:
        await connection.close()


async def _postgres_reset(database: str, create: bool = True) -> None:
    import asyncpg

    server = make_url(POSTGRES_SERVER)
    connection = await asyncpg.connect(host=server.host, port=server.port or 5432,
                                       user=server.username, database=server.database)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        if create:
            await connection.execute(f'CREATE DATABASE "{database}"')
    finally:
        await connection.close()


async def _complete(url: str) -> bool:
    """Whether the database holds a finished build (the last table loaded has rows)."""
    engine = make_engine(url)
    try:
        async with engine.connect() as connection:
            return bool(await connection.scalar(select(func.count()).select_from(
                text("conversation_messages"))))
    except Exception:
        return False
    finally:
        await engine.dispose()


async def ensure(*, directory: Path = DATA_DIR, sqlite: bool = True, postgres: bool = True,
                 rebuild: bool = False, database: str = POSTGRES_DB) -> dict[str, Any]:
    """Build what is missing (or everything with ``rebuild``); the meta data of the build."""
    directory.mkdir(parents=True, exist_ok=True)
    db, toml, meta_path = data_paths(directory)
    meta = json.loads(meta_path.read_text()) if meta_path.exists() and not rebuild else {}
    today = date.fromisoformat(meta["today"]) if "today" in meta else datetime.now(BERLIN).date()
    toml.write_text(county_toml())
    meta["today"] = today.isoformat()
    if sqlite and (rebuild or not db.exists() or not await _complete(sqlite_url(directory))):
        db.unlink(missing_ok=True)
        print(f"building SQLite {db} around {today}", flush=True)
        started = time.perf_counter()
        await build(sqlite_url(directory), directory, today)
        meta["sqlite_build_seconds"] = round(time.perf_counter() - started, 1)
    url = postgres_url(database)
    if postgres and (rebuild or not await _postgres_exists(database)
                     or not await _complete(url)):
        await _postgres_reset(database)
        print(f"building PostgreSQL {database} around {today}", flush=True)
        started = time.perf_counter()
        await build(url, directory, today)
        meta["postgres_build_seconds"] = round(time.perf_counter() - started, 1)
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DATA_DIR)
    parser.add_argument("--database", default=POSTGRES_DB, help="PostgreSQL database name")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--drop-postgres", action="store_true",
                        help="drop the PostgreSQL database and exit")
    args = parser.parse_args()
    if args.drop_postgres:
        asyncio.run(_postgres_reset(args.database, create=False))
        return
    meta = asyncio.run(ensure(directory=args.dir, sqlite=not args.skip_sqlite,
                              postgres=not args.skip_postgres, rebuild=args.rebuild,
                              database=args.database))
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
