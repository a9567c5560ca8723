"""The middleware's one database step, alone: a unit of work that finds who writes
(``bot.roles.identify``) for 100 consenting clients in turn, as ``load_actor`` does for every
update, on a fresh SQLite file. Process CPU time per lookup, five runs of 300.

Run: .venv/bin/python -m benchmarks.actor_lookup
"""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.broadcast_throughput import prepare
from bot.config import normalise_database_url
from bot.outbox.outcomes import mark_reachable
from bot.roles import identify
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
        for n in range(50):  # warm up: connections, compiled statements
            await lookup(sessions, FIRST + n % PEOPLE)
        runs = []
        for _ in range(5):
            started = time.process_time()
            for n in range(300):
                await lookup(sessions, FIRST + n % PEOPLE)
            runs.append((time.process_time() - started) / 300 * 1e6)
        await engine.dispose()
    print(f"actor lookup: median {statistics.median(runs):.0f} µs CPU per update "
          f"(runs: {', '.join(f'{r:.0f}' for r in runs)})")


if __name__ == "__main__":
    asyncio.run(run())
