"""The bot process's memory on the county database under mixed traffic: `lotse run` against
a fake Bot API (Telegram's flood limits modelled), with clients writing /help, /appointments
and messages to their caseworker (relayed through the outbox by the dispatcher) and
caseworkers using /cases, /case and /inbox, at a modest steady rate. The process's RSS is
sampled every minute; the goal is ≤ 150 MB after an hour (``--minutes 60``).

The run works on a copy of the county data (benchmarks.county_data), so the cached
database stays as built: a copy of the SQLite file, or a PostgreSQL database created from
it as a template. LOTSE_TIMEZONE is set to a zone where it is daytime now (``--timezone``),
so that the dispatcher is outside the night's quiet hours and sends what is due.

Run: .venv/bin/python -m benchmarks.county_traffic [--minutes 60] [--rate 2]
     [--postgres] [--timezone Asia/Shanghai]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from benchmarks import county_data
from models import Client, ClientStatus
from models.session import make_engine, make_sessionmaker
from tests.conftest import TOKEN, _run_on_server
from tests.support.fakes.telegram_api import FakeTelegramAPI

RUN_DB = "lotse_county_traffic"
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def message(user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}",
            "language_code": "uk"}
    body: dict[str, Any] = {
        "message_id": next(_message_ids), "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
        "from": user}
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0,
                             "length": len(text.split()[0])}]
    return {"update_id": next(_update_ids), "message": body}


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """The process's resident memory now (VmRSS) or at its highest so far (VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def _people(url: str) -> tuple[list[int], list[tuple[int, list[str]]]]:
    """Chats of active clients; each caseworker's chat with references of their towns."""
    engine = make_engine(url)
    try:
        async with make_sessionmaker(engine)() as session:
            clients = list((await session.scalars(
                select(Client.telegram_user_id).where(
                    Client.status == ClientStatus.ACTIVE, Client.unreachable_since.is_(None),
                    Client.telegram_user_id.is_not(None)).order_by(Client.id))).all())
            rows = (await session.execute(
                select(Client.caseworker_id, Client.reference).order_by(Client.id))).all()
    finally:
        await engine.dispose()
    refs: dict[int, list[str]] = {}
    for caseworker_id, reference in rows:
        refs.setdefault(caseworker_id, []).append(reference)
    staff = [(county_data.FIRST_STAFF_CHAT + cw - 1, refs[cw]) for cw in sorted(refs)]
    return [c for c in clients if c is not None], staff


async def _database(postgres: bool, tmp: Path, name: str = RUN_DB) -> str:
    if postgres:
        server = county_data.POSTGRES_SERVER
        await asyncio.to_thread(_run_on_server, server,
                                f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await asyncio.to_thread(_run_on_server, server, f'CREATE DATABASE "{name}" '
                                f'TEMPLATE "{county_data.POSTGRES_DB}"')
        return county_data.postgres_url(name)
    target = tmp / "county-traffic.db"
    await asyncio.to_thread(shutil.copyfile, county_data.data_paths()[0], target)
    return f"sqlite+aiosqlite:///{target}"


async def run(args: argparse.Namespace) -> None:
    await county_data.ensure(sqlite=not args.postgres, postgres=args.postgres)
    with tempfile.TemporaryDirectory() as directory:
        url = await _database(args.postgres, Path(directory), args.run_database)
        clients, staff = await _people(url)
        plain_url = url.replace("+aiosqlite", "").replace("+asyncpg", "")
        async with FakeTelegramAPI(rate_limit_global=30, burst_global=30,
                                   rate_limit_per_chat=1, burst_per_chat=3) as fake:
            env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN,
                   "TELEGRAM_API_URL": fake.base_url, "DATABASE_URL": plain_url,
                   "LOTSE_CONFIG": str(county_data.data_paths()[1]),
                   "LOTSE_TIMEZONE": args.timezone}
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", env=env,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
            try:
                started = time.monotonic()
                await fake.wait_for_call("getUpdates", timeout=120)
                print(f"backend {url.split(':')[0]}, polling after "
                      f"{time.monotonic() - started:.1f} s, RSS {rss_mib(process.pid):.0f} MiB",
                      flush=True)
                await _traffic(fake, process.pid, clients, staff, args)
            finally:
                if process.returncode is None:
                    process.send_signal(signal.SIGTERM)
                    try:
                        await asyncio.wait_for(process.wait(), 60)
                    except TimeoutError:
                        process.kill()
        if args.postgres:
            await asyncio.to_thread(_run_on_server, county_data.POSTGRES_SERVER,
                                    f'DROP DATABASE IF EXISTS "{args.run_database}" '
                                    'WITH (FORCE)')


async def _traffic(fake: FakeTelegramAPI, pid: int, clients: list[int],
                   staff: list[tuple[int, list[str]]], args: argparse.Namespace) -> None:
    """Push one update every 1/rate seconds, round robin over the kinds; sample RSS."""
    kinds = ("help", "appointments", "write", "cases", "case", "inbox")
    pushed: Counter[str] = Counter()
    samples: list[tuple[float, float]] = [(0.0, rss_mib(pid))]
    started = time.monotonic()
    next_sample = started + 60
    end = started + args.minutes * 60
    print("| minute | RSS MiB | peak RSS so far MiB | updates pushed | Bot API calls | "
          "calls to staff chats |", flush=True)
    print("|---|---|---|---|---|---|", flush=True)
    print(f"| 0 | {samples[0][1]:.0f} | {rss_mib(pid, 'VmHWM'):.0f} | 0 | {len(fake.calls)} "
          "| 0 |", flush=True)
    for n in itertools.count():
        now = time.monotonic()
        if now >= end:
            break
        kind = kinds[n % len(kinds)]
        if kind in ("help", "appointments", "write"):
            chat = clients[(n * 7919) % len(clients)]
            text = {"help": "/help", "appointments": "/appointments",
                    "write": f"Guten Tag, eine Frage zu meinem Brief ({n})"}[kind]
        else:
            chat, references = staff[(n * 31) % len(staff)]
            text = {"cases": "/cases", "inbox": "/inbox",
                    "case": f"/case {references[n % len(references)]}"}[kind]
        fake.push_update(message(chat, text))
        pushed[kind] += 1
        if now >= next_sample:
            minute = round((now - started) / 60)
            samples.append((now - started, rss_mib(pid)))
            to_staff = sum(1 for c in fake.calls if c.chat_id is not None
                           and county_data.FIRST_STAFF_CHAT <= c.chat_id
                           < county_data.FIRST_CLIENT_CHAT and not c.failed)
            print(f"| {minute} | {samples[-1][1]:.0f} | {rss_mib(pid, 'VmHWM'):.0f} | "
                  f"{sum(pushed.values())} | "
                  f"{len(fake.calls)} | {to_staff} |", flush=True)
            next_sample += 60
        await asyncio.sleep(max(0.0, started + (n + 1) / args.rate - time.monotonic()))
    await asyncio.sleep(5)
    final = rss_mib(pid)
    answered = {chat for chat in (c.chat_id for c in fake.calls if not c.failed) if chat}
    print(f"\nafter {args.minutes} min ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC): RSS "
          f"{final:.0f} MiB (goal ≤ 150 MB = 143 MiB), highest of the process "
          f"{rss_mib(pid, 'VmHWM'):.0f} MiB (VmHWM); pushed {dict(pushed)}; "
          f"{len(fake.calls)} Bot API calls to {len(answered)} chats "
          f"({sum(1 for c in fake.calls if c.failed)} failed), {fake.rate_limited} answered 429",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=2.0, help="updates per second")
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--timezone", default="Asia/Shanghai")
    parser.add_argument("--run-database", default=RUN_DB,
                        help="PostgreSQL: the copy made for the run (dropped after it)")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
