"""Broadcast throughput of `lotse run` against a fake Bot API that enforces Telegram's limits
(30 messages per second overall, 1 per second per chat, 429 beyond): messages per second from
the first to the last delivered message, the slowest 5-second stretch, and a check that every
client got the message exactly once.

Run: .venv/bin/python -m benchmarks.broadcast_throughput [--clients 900] [--database-url URL]
(the default is a fresh SQLite file; a PostgreSQL URL must point to an empty database).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.config import load_municipalities, normalise_database_url
from bot.municipalities import sync_municipalities
from bot.outbox.broadcasts import Audience, start_broadcast
from bot.roles import Actor, Role
from models import Municipality
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.support.dispatch_helpers import add_clients
from tests.support.fakes.telegram_api import FakeTelegramAPI

GOAL = 28.5


async def prepare(url: str, clients: int) -> None:
    """Migrate the database, mirror the towns and queue a broadcast to ``clients`` clients
    (chats 500000…); with no clients, just an empty, migrated database."""
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        await sync_municipalities(session, load_municipalities(EXAMPLE_CONFIG))
    if not clients:
        await engine.dispose()
        return
    await add_clients(sessions, clients, now=now)
    async with sessions() as session, session.begin():
        towns = frozenset((await session.scalars(select(Municipality.id))).all())
        admin = Actor(telegram_id=1, role=Role.ADMIN, language="de", municipality_ids=towns)
        await start_broadcast(session, actor=admin, audience=Audience(towns),
                              # urgent: `lotse run` runs on the real clock, and in the quiet
                              # hours (21:00-07:00 Berlin) it holds non-urgent messages.
                              texts={"de": "Benchmark"}, urgent=True, now=now,
                              status_chat_id=None)
    await engine.dispose()


async def run(url: str, clients: int) -> bool:
    await prepare(url, clients)
    async with FakeTelegramAPI(
            rate_limit_global=30, burst_global=30, rate_limit_per_chat=1) as fake:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url,
               "DATABASE_URL": url, "LOTSE_CONFIG": str(EXAMPLE_CONFIG)}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        try:
            deadline = time.monotonic() + clients / 20 + 60
            while time.monotonic() < deadline:
                sent = [c for c in fake.calls_to("sendMessage") if not c.failed]
                if len({c.chat_id for c in sent}) >= clients:
                    break
                await asyncio.sleep(0.2)
            await asyncio.sleep(2)  # would anything be sent twice?
        finally:
            process.send_signal(signal.SIGTERM)
            await asyncio.wait_for(process.wait(), 30)
        sent = [c for c in fake.calls_to("sendMessage") if not c.failed]
        refused = fake.rate_limited
    times = sorted(c.at for c in sent)
    per_chat = Counter(c.chat_id for c in sent)
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span
    stretches = [sum(1 for t in times if start <= t < start + 5) / 5
                 for start in (times[0] + 5 * i for i in range(int(span // 5)))]
    lost = clients - len(per_chat)
    duplicates = sum(n - 1 for n in per_chat.values())
    print(f"{len(times)} messages to {len(per_chat)} clients in {span:.1f} s: "
          f"{rate:.2f} msg/s (goal ≥ {GOAL}); slowest 5-s stretch {min(stretches):.1f} msg/s")
    print(f"lost {lost}, duplicates {duplicates}, 429 answers {refused}")
    return rate >= GOAL and not lost and not duplicates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=900)
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = normalise_database_url(args.database_url or f"sqlite:///{Path(tmp) / 'b.db'}")
        ok = asyncio.run(run(url, args.clients))
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
