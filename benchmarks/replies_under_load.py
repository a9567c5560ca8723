"""Every answer arrives: `lotse run` and a bare PTB bot (AIORateLimiter), side by side in one
run, against a fake Bot API with Telegram's flood control modelled (30 messages/s with bursts
of 30 overall; 1/s with bursts of 3 per chat; 429 beyond).

Three scenes, each on a fresh database and a fresh fake:
* burst: 150 people write twice at the same moment (300 updates);
* broadcast: a 3,000-recipient broadcast runs while 100 people write, 2 messages/s in all;
* one chat: one person sends 10 commands within 3 s.

Run: .venv/bin/python -m benchmarks.replies_under_load [--recipients 3000] [--database-url URL]
(the default is a fresh SQLite file per scene; a PostgreSQL URL must name a server database
that may be dropped and created: the benchmark makes it anew for each scene).
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.broadcast_throughput import prepare
from bot.config import normalise_database_url
from tests.conftest import EXAMPLE_CONFIG, TOKEN, _run_on_server
from tests.support.fakes.telegram_api import FakeTelegramAPI

FIRST_RECIPIENT = 500_000  # broadcast recipients (benchmarks.bare_ptb_bot uses the same)
FIRST_WRITER = 700_000  # people who write
_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


def command(user_id: int, text: str) -> dict[str, Any]:
    user = {"id": user_id, "is_bot": False, "first_name": f"User {user_id}",
            "language_code": "uk"}
    return {"update_id": next(_update_ids), "message": {
        "message_id": next(_message_ids), "date": int(time.time()), "text": text,
        "chat": {"id": user_id, "type": "private", "first_name": user["first_name"]},
        "from": user, "entities": [{"type": "bot_command", "offset": 0, "length": len(text)}],
    }}


@dataclass
class Bot:
    """One bot under test: how to start it, given the fake's URL."""

    name: str
    start: Callable[[str, int], Any]  # (base url, broadcast size) -> awaitable process


async def _spawn(*args: str, env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, *args, env=env, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL)


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()


async def _until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        await asyncio.sleep(0.05)
    return condition()


class Lotse:
    """`lotse run` on a database made anew for each scene."""

    def __init__(self, database_url: str | None) -> None:
        self.server_url = database_url
        self.tmp = tempfile.TemporaryDirectory()

    async def database(self, recipients: int) -> str:
        if self.server_url and self.server_url.startswith("postgresql"):
            url = normalise_database_url(self.server_url)
            name = make_url(url).database
            admin = make_url(url).set(database="postgres").render_as_string(hide_password=False)
            await asyncio.to_thread(_run_on_server, admin,
                                    f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await asyncio.to_thread(_run_on_server, admin, f'CREATE DATABASE "{name}"')
        else:
            path = Path(self.tmp.name) / f"lotse-{next(_update_ids)}.db"
            url = normalise_database_url(f"sqlite:///{path}")
        await prepare(url, recipients)  # chats 500000… = FIRST_RECIPIENT
        return url

    async def start(self, base_url: str, recipients: int) -> asyncio.subprocess.Process:
        url = await self.database(recipients)
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": base_url,
               "DATABASE_URL": url, "LOTSE_CONFIG": str(EXAMPLE_CONFIG)}
        return await _spawn("-m", "bot", "run", env=env)


async def bare_start(base_url: str, recipients: int) -> asyncio.subprocess.Process:
    return await _spawn("-m", "benchmarks.bare_ptb_bot", "--base-url", base_url,
                        "--broadcast", str(recipients), env=dict(os.environ))


def flood_fake() -> FakeTelegramAPI:
    return FakeTelegramAPI(rate_limit_global=30, burst_global=30, rate_limit_per_chat=1,
                           burst_per_chat=3)


def replies_to(fake: FakeTelegramAPI, chat: int) -> list[Any]:
    return [c for c in fake.calls if c.chat_id == chat and not c.failed
            and c.method in ("sendMessage", "editMessageText")]


async def polling(fake: FakeTelegramAPI) -> None:
    await fake.wait_for_call("getUpdates", timeout=30)


async def burst(bot: Bot, people: int = 150) -> dict[str, Any]:
    async with flood_fake() as fake:
        process = await bot.start(fake.base_url, 0)
        try:
            await polling(fake)
            chats = [FIRST_WRITER + i for i in range(people)]
            started = time.monotonic()
            for _ in range(2):
                for chat in chats:
                    fake.push_update(command(chat, "/help"))
            await _until(lambda: all(len(replies_to(fake, c)) >= 2 for c in chats), 60)
            answered = sum(min(2, len(replies_to(fake, c))) for c in chats)
            last = max((r.at for c in chats for r in replies_to(fake, c)), default=started)
        finally:
            await _stop(process)
        return {"answered": answered, "of": 2 * people, "seconds": last - started,
                "429": fake.rate_limited}


async def broadcast(bot: Bot, recipients: int, writers: int = 100) -> dict[str, Any]:
    async with flood_fake() as fake:
        process = await bot.start(fake.base_url, recipients)
        targets = range(FIRST_RECIPIENT, FIRST_RECIPIENT + recipients)
        try:
            await polling(fake)
            await _until(lambda: len(fake.calls_to("sendMessage")) > 60, 60)  # it is running
            pushed: list[tuple[int, float]] = []
            deadline = time.monotonic() + recipients / 25 + 30  # a broadcast that stalled
            for n in itertools.count():
                if time.monotonic() > deadline or sum(
                        1 for c in fake.calls_to("sendMessage")
                        if not c.failed and c.chat_id in targets) >= recipients * 0.9:
                    break  # the broadcast is nearly through: the last writers are its tail
                chat = FIRST_WRITER + n % writers
                fake.push_update(command(chat, "/help"))
                pushed.append((chat, time.monotonic()))
                await asyncio.sleep(0.5)
            await _until(lambda: sum(1 for c in fake.calls_to("sendMessage")
                                     if not c.failed and c.chat_id in targets
                                     ) >= recipients, 60)
            await _until(lambda: all(len(replies_to(fake, chat)) >= n for chat, n in
                                     Counter(chat for chat, _ in pushed).items()), 30)
            await asyncio.sleep(2)  # would anything be sent twice?
        finally:
            await _stop(process)
    latencies, answered = [], 0
    by_chat: dict[int, list[float]] = {}
    for chat, at in pushed:
        by_chat.setdefault(chat, []).append(at)
    for chat, times in by_chat.items():
        replies = replies_to(fake, chat)
        answered += min(len(times), len(replies))
        latencies += [r.at - t for t, r in zip(times, replies, strict=False)]
    sent = sorted(c.at for c in fake.calls_to("sendMessage")
                  if not c.failed and c.chat_id in targets)
    per_chat = Counter(c.chat_id for c in fake.calls_to("sendMessage")
                       if not c.failed and c.chat_id in targets)
    latencies.sort()
    return {
        "answered": answered, "of": len(pushed),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan"),
        "max": latencies[-1] if latencies else float("nan"),
        "rate": (len(sent) - 1) / (sent[-1] - sent[0]) if len(sent) > 1 else 0.0,
        "lost": recipients - len(per_chat), "duplicates": sum(n - 1 for n in per_chat.values()),
        "429": fake.rate_limited,
    }


async def one_chat(bot: Bot) -> dict[str, Any]:
    commands = ["/help", "/language"] * 5
    async with flood_fake() as fake:
        process = await bot.start(fake.base_url, 0)
        chat = FIRST_WRITER
        try:
            await polling(fake)
            started = time.monotonic()
            for text in commands:
                fake.push_update(command(chat, text))
                await asyncio.sleep(0.3)
            await _until(lambda: len(replies_to(fake, chat)) >= len(commands), 30)
            replies = replies_to(fake, chat)
        finally:
            await _stop(process)
    kinds = ["/language" if r.params.get("reply_markup") else "/help" for r in replies]
    return {"answered": len(replies), "of": len(commands), "in_order": kinds == commands,
            "seconds": (replies[-1].at - started) if replies else float("nan"),
            "429": fake.rate_limited}


async def run(database_url: str | None, recipients: int) -> bool:
    lotse = Lotse(database_url)
    bots = [Bot("lotse", lotse.start), Bot("bare PTB + AIORateLimiter", bare_start)]
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for bot in bots:
        results[bot.name] = {"burst": await burst(bot)}
        print(bot.name, "burst", results[bot.name]["burst"], flush=True)
    for bot in bots:
        results[bot.name]["one chat"] = await one_chat(bot)
        print(bot.name, "one chat", results[bot.name]["one chat"], flush=True)
    for bot in bots:
        results[bot.name]["broadcast"] = await broadcast(bot, recipients)
        print(bot.name, "broadcast", results[bot.name]["broadcast"], flush=True)
    ours, bare = results["lotse"], results["bare PTB + AIORateLimiter"]
    checks = {
        "burst: 300/300 answered, 0 × 429": ours["burst"]["answered"] == 300
        and ours["burst"]["429"] == 0,
        "burst: within 1.2 × bare PTB's time": ours["burst"]["seconds"]
        <= 1.2 * bare["burst"]["seconds"],
        "broadcast: every answer, p95 ≤ 2 s": ours["broadcast"]["answered"]
        == ours["broadcast"]["of"] and ours["broadcast"]["p95"] <= 2.0,
        "broadcast: ≥ 27 msg/s, 0 lost, 0 duplicates, 0 × 429": ours["broadcast"]["rate"] >= 27
        and not ours["broadcast"]["lost"] and not ours["broadcast"]["duplicates"]
        and ours["broadcast"]["429"] == 0,
        "one chat: 10 answers in order": ours["one chat"]["answered"] == 10
        and ours["one chat"]["in_order"],
    }
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return all(checks.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=3000)
    parser.add_argument("--database-url", help="PostgreSQL database to (re)create per scene")
    args = parser.parse_args()
    raise SystemExit(0 if asyncio.run(run(args.database_url, args.recipients)) else 1)


if __name__ == "__main__":
    main()
