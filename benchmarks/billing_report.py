"""The quarterly report over 1,000,000 contact time entries, on SQLite and on PostgreSQL.

All entries fall into the reported quarter and municipality (the worst case): the report's
sums are taken in SQL over the covering index, so Python never sees a single entry row.
Also timed: the funding statistics, and the CSV export that streams every entry.

Run: .venv/bin/python -m benchmarks.billing_report [--entries N] [--skip-postgres]
PostgreSQL: postgresql+asyncpg://postgres@127.0.0.1:5432/test must answer; the benchmark
creates and drops its own database (lotse_bench_billing) next to it.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import random
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.billing.billing import live_report
from bot.billing.report_export import entry_lines, entry_row, write_csv_head
from bot.billing.statistics import quarter_statistics
from bot.config import load_municipalities
from bot.municipalities import sync_municipalities
from bot.quarters import Quarter
from models import Caseworker, CaseworkerRole, Client, ClientStatus, Municipality
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker
from tests.conftest import EXAMPLE_CONFIG

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
BENCH_DB = "lotse_bench_billing"
BERLIN = ZoneInfo("Europe/Berlin")
CONFIGS = load_municipalities(EXAMPLE_CONFIG)
CLEEBRONN = next(c for c in CONFIGS if c.key == "cleebronn")
QUARTER = Quarter(2025, 1)
CLIENTS = 300
RUNS = 5
KINDS = ("consultation", "home_visit", "phone", "accompaniment", "group_event", "travel")
COLUMNS = ("caseworker_id", "client_id", "case_reference", "municipality_id", "kind",
           "minutes", "entry_date", "quarter", "is_correction", "created_at")


async def _people(engine: AsyncEngine) -> tuple[int, int]:
    """A caseworker and 300 clients of Cleebronn; returns (caseworker id, municipality id)."""
    async with make_sessionmaker(engine)() as session, session.begin():
        rows = await sync_municipalities(session, CONFIGS)
        cleebronn: Municipality = rows["cleebronn"]
        worker = Caseworker(name="Bench", role=CaseworkerRole.CASEWORKER, language="de",
                            municipalities=[cleebronn])
        session.add(worker)
        session.add_all(Client(reference=f"C-{n:04d}", display_name=f"Client {n}",
                               language="uk", municipality_id=cleebronn.id,
                               status=ClientStatus.ACTIVE) for n in range(1, CLIENTS + 1))
        await session.flush()
        return worker.id, cleebronn.id


def _rows(count: int, worker: int, municipality: int) -> list[tuple[Any, ...]]:
    rng = random.Random(2025)
    created = datetime(2025, 4, 1, tzinfo=UTC)
    days = QUARTER.days
    rows = []
    for _ in range(count):
        client = rng.randint(1, CLIENTS)
        rows.append((worker, client, f"C-{client:04d}", municipality, rng.choice(KINDS),
                     rng.randint(1, 600), QUARTER.first_day + timedelta(days=rng.randrange(days)),
                     QUARTER.key, False, created))
    return rows


async def _load(engine: AsyncEngine, rows: list[tuple[Any, ...]]) -> None:
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            raw = await connection.get_raw_connection()
            await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
                "contact_entries", records=rows, columns=list(COLUMNS))
        else:
            sqlite_rows = [(*r[:6], r[6].isoformat(), r[7], int(r[8]),
                            r[9].replace(tzinfo=None).isoformat(sep=" ")) for r in rows]
            placeholders = ", ".join("?" for _ in COLUMNS)
            await connection.exec_driver_sql(
                f"INSERT INTO contact_entries ({', '.join(COLUMNS)}) VALUES ({placeholders})",
                sqlite_rows)
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM ANALYZE contact_entries"))
    else:
        async with engine.begin() as connection:
            await connection.execute(text("ANALYZE"))


async def _timed(action: Callable[[], Awaitable[Any]]) -> tuple[float, float, Any]:
    await action()  # warm up caches, as a running bot has them
    times, result = [], None
    for _ in range(RUNS):
        started = time.perf_counter()
        result = await action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), max(times), result


async def measure(url: str, count: int) -> list[str]:
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        worker, municipality_id = await _people(engine)
        started = time.perf_counter()
        await _load(engine, _rows(count, worker, municipality_id))
        loaded = time.perf_counter() - started

        async def report() -> Any:
            async with sessions() as session:
                row = await session.get(Municipality, municipality_id)
                assert row is not None
                return await live_report(session, municipality=row, config=CLEEBRONN,
                                         quarter=QUARTER)

        async def figures() -> Any:
            async with sessions() as session:
                row = await session.get(Municipality, municipality_id)
                assert row is not None
                return await quarter_statistics(session, municipality=row, quarter=QUARTER,
                                                timezone=BERLIN)

        async def export() -> int:
            async with sessions() as session:
                out = io.StringIO()
                writer = write_csv_head(out, await report(), BERLIN)
                async for line in entry_lines(session, municipality_id, QUARTER):
                    writer.writerow(entry_row(line))
                return len(out.getvalue())

        median, worst, result = await _timed(report)
        assert result.entry_count == count, result.entry_count
        lines = [
            f"{engine.dialect.name}: {count:,} entries loaded in {loaded:.1f} s",
            f"  quarterly report (sums in SQL): median {median * 1000:.0f} ms, "
            f"max {worst * 1000:.0f} ms ({RUNS} runs); {result.total_minutes:,} min, "
            f"gross {result.gross} EUR",
        ]
        median, worst, _ = await _timed(figures)
        lines.append(f"  funding statistics: median {median * 1000:.0f} ms, "
                     f"max {worst * 1000:.0f} ms")
        started = time.perf_counter()
        size = await export()
        lines.append(f"  CSV export of every entry (streamed): {time.perf_counter() - started:.1f}"
                     f" s, {size / 1e6:.0f} MB")
        return lines
    finally:
        await engine.dispose()


async def _postgres(create: bool) -> str:
    import asyncpg

    admin = make_url(POSTGRES)
    connection = await asyncpg.connect(host=admin.host, port=admin.port or 5432,
                                       user=admin.username, database=admin.database)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        if create:
            await connection.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        await connection.close()
    return admin.set(database=BENCH_DB).render_as_string(hide_password=False)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        print("\n".join(await measure(url, args.entries)), flush=True)
    if not args.skip_postgres:
        url = await _postgres(create=True)
        try:
            print("\n".join(await measure(url, args.entries)), flush=True)
        finally:
            await _postgres(create=False)
    print(f"(quarter {QUARTER.key}, all entries in it, {date.today():%Y-%m-%d})")


if __name__ == "__main__":
    asyncio.run(main())
