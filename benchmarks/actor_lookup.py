"""The middleware's one database step, alone: finding who writes for 100 consenting clients
in turn, on a fresh SQLite file, both ways ``load_actor`` can go — a unit of work with
``bot.roles.identify`` (staff, admins, PostgreSQL) and the reader of its own with
``bot.roles.settle`` (clients and strangers on SQLite). Process CPU time per lookup, five runs
of 300 each.

Run: .venv/bin/python -m benchmarks.actor_lookup
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.broadcast_throughput import prepare
from bot.config import normalise_database_url
from bot.outbox.outcomes import mark_reachable
from bot.roles import identify, person_rows, settle
from models.readers import Reader
from models.session import make_engine, make_sessionmaker, unit_of_work
from tests.support.dispatch_helpers import add_clients

FIRST = 700_000
PEOPLE = 100


async def lookup(sessions: async_sessionmaker[AsyncSession], telegram_id: int) -> None:
    """What load_actor does with the database."""
    async with unit_of_work(sessions) as session:
        identity = await identify(session, telegram_id=telegram_id, first_name="User",
                                  admin_ids=frozenset())
        if identity.unreachable:
            await mark_reachable(session, telegram_id=telegram_id)


async def run() -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = normalise_database_url(f"sqlite:///{Path(directory) / 'lotse.db'}")
        await prepare(url, 0)
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        await add_clients(sessions, PEOPLE, now=datetime.now(UTC), first_chat=FIRST)
        reader = await Reader.open(engine)
        assert reader is not None

        async def settled(telegram_id: int) -> None:
            rows = await person_rows(reader, telegram_id)
            assert settle(rows, telegram_id=telegram_id, first_name="User",
                          admin_ids=frozenset()) is not None

        for name, step in (("unit of work + identify", partial(lookup, sessions)),
                           ("reader + settle", settled)):
            for n in range(50):  # warm up: connections, compiled statements
                await step(FIRST + n % PEOPLE)
            runs = []
            for _ in range(5):
                started = time.process_time()
                for n in range(300):
                    await step(FIRST + n % PEOPLE)
                runs.append((time.process_time() - started) / 300 * 1e6)
            print(f"actor lookup, {name}: median {statistics.median(runs):.0f} µs CPU per "
                  f"update (runs: {', '.join(f'{r:.0f}' for r in runs)})")
        await reader.close()
        await engine.dispose()


if __name__ == "__main__":
    asyncio.run(run())
