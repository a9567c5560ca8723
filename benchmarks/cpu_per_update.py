"""CPU time per update: `lotse run` and a bare PTB bot (AIORateLimiter), one after the other in
one run, each answering `/help` from 100 people at 20 updates/s for 20 s (400 updates) against
the fake Bot API with Telegram's flood control. The process's own CPU time (user + system, from
/proc/PID/stat) from just before the first update to the last answer, divided by the updates;
the idle CPU of each process over 5 s before the load is printed beside it.

Two bare bots are measured: one answering a short text (33 characters), and one doing the same
Bot API work as Lotse — it answers /help with exactly the message Lotse sent in the same
round (the emergency numbers and commands in Ukrainian, with the "urgent help" button) and
polls for every kind of update. The goal compares with the second, so that the ratio measures
Lotse's own machinery (middleware, actor lookup, translation, rate limiter), not the length of
its answer; both ratios are printed.

Run: .venv/bin/python -m benchmarks.cpu_per_update [--rounds 3] [--writers clients|strangers]
[--database-url URL] [--profile FILE | --steps]
(--writers clients: the 100 people are consenting clients in the database, the usual case;
strangers: nobody knows them. --profile: Lotse runs under cProfile and writes FILE at exit;
--steps: Lotse runs as ``benchmarks.timed_lotse`` and the CPU time of each step is printed.)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.replies_under_load import (
    FIRST_WRITER,
    Lotse,
    _spawn,
    _stop,
    _until,
    bare_start,
    command,
    flood_fake,
    polling,
    replies_to,
)
from models.session import make_engine, make_sessionmaker
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.support.dispatch_helpers import add_clients

RATE = 20  # updates per second
SECONDS = 20
PEOPLE = 100
IDLE_SECONDS = 5.0
GOAL = 1.3  # Lotse's CPU per update at most this many times bare PTB's
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14 and 15


class LotseWriters(Lotse):
    """`lotse run`, with the 100 writers as clients if asked, optionally under cProfile."""

    def __init__(self, database_url: str | None, *, clients: bool, profile: str | None,
                 steps: str | None) -> None:
        super().__init__(database_url)
        self.clients, self.profile, self.steps = clients, profile, steps

    async def start(self, base_url: str, recipients: int) -> asyncio.subprocess.Process:
        url = await self.database(0)
        if self.clients:
            engine = make_engine(url)
            await add_clients(make_sessionmaker(engine), PEOPLE, now=datetime.now(UTC),
                              first_chat=FIRST_WRITER)
            await engine.dispose()
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": base_url,
               "DATABASE_URL": url, "LOTSE_CONFIG": str(EXAMPLE_CONFIG)}
        if self.steps:
            return await _spawn("-m", "benchmarks.timed_lotse",
                                env={**env, "LOTSE_STEP_COSTS": self.steps})
        profile = ("-m", "cProfile", "-o", self.profile) if self.profile else ()
        return await _spawn(*profile, "-m", "bot", "run", env=env)


async def load(start: Any, *, timed: bool = False) -> dict[str, float]:
    """One bot: warm up, idle, then 20 updates/s for 20 s; CPU milliseconds per update."""
    async with flood_fake() as fake:
        process = await start(fake.base_url, 0)
        chats = [FIRST_WRITER + i for i in range(PEOPLE)]
        try:
            await polling(fake)
            for chat in chats[:10]:  # first use: imports, catalogs, connections
                fake.push_update(command(chat, "/help"))
            await _until(lambda: all(replies_to(fake, c) for c in chats[:10]), 30)
            await asyncio.sleep(1)
            idle_from, idle_at = cpu_seconds(process.pid), time.monotonic()
            await asyncio.sleep(IDLE_SECONDS)
            idle = (cpu_seconds(process.pid) - idle_from) / (time.monotonic() - idle_at)
            if timed:
                process.send_signal(signal.SIGUSR1)  # timed_lotse: count from here
            before = {c: len(replies_to(fake, c)) for c in chats}
            cpu_from, started = cpu_seconds(process.pid), time.monotonic()
            updates = RATE * SECONDS
            for n in range(updates):
                await asyncio.sleep(max(0.0, started + n / RATE - time.monotonic()))
                fake.push_update(command(chats[n % PEOPLE], "/help"))
            want = {c: before[c] + updates // PEOPLE for c in chats}
            await _until(lambda: all(len(replies_to(fake, c)) >= want[c] for c in chats), 60)
            cpu = cpu_seconds(process.pid) - cpu_from
            elapsed = time.monotonic() - started
            answered = sum(len(replies_to(fake, c)) - before[c] for c in chats)
        finally:
            await _stop(process)
        reply = replies_to(fake, chats[0])[-1].params
    return {"ms_per_update": 1000 * cpu / updates, "answered": answered, "updates": updates,
            "seconds": elapsed, "idle_ms_per_s": 1000 * idle, "429": fake.rate_limited,
            "reply": {"text": reply.get("text"), "reply_markup": reply.get("reply_markup")}}


def bare_like(reply_file: Path) -> Any:
    """A bare PTB bot that answers /help with Lotse's message and polls for every update."""
    async def start(base_url: str, recipients: int) -> asyncio.subprocess.Process:
        return await _spawn("-m", "benchmarks.bare_ptb_bot", "--base-url", base_url,
                            "--reply-file", str(reply_file), "--all-updates",
                            env=dict(os.environ))
    return start


def print_steps(path: str | None) -> None:
    """CPU microseconds per call of each step, as counted by benchmarks.timed_lotse."""
    assert path is not None
    with open(path) as handle:
        totals = json.load(handle)
    for name, (nanoseconds, calls) in totals.items():
        if calls:
            print(f"  {name:28} {nanoseconds / calls / 1000:7.0f} µs CPU per call ({calls} calls"
                  f", {nanoseconds / 1e6:.0f} ms in all)")


lotse_tmp = tempfile.TemporaryDirectory()


async def run(args: argparse.Namespace) -> bool:
    steps = str(Path(lotse_tmp.name) / "steps.json") if args.steps else None
    lotse = LotseWriters(args.database_url, clients=args.writers == "clients",
                         profile=args.profile, steps=steps)
    ratios: list[float] = []
    short_ratios: list[float] = []
    reply_file = Path(lotse_tmp.name) / "reply.json"
    for round_ in range(1, args.rounds + 1):
        ours = await load(lotse.start, timed=args.steps)
        reply_file.write_text(json.dumps(ours["reply"]))
        same = await load(bare_like(reply_file))
        if same["reply"] != ours["reply"]:
            raise SystemExit("the bare bot's answer differs from Lotse's: no fair comparison")
        bare = await load(bare_start)
        if args.steps:
            print_steps(steps)
        ratios.append(ours["ms_per_update"] / same["ms_per_update"])
        short_ratios.append(ours["ms_per_update"] / bare["ms_per_update"])
        for name, result in (("lotse", ours), ("bare PTB, the same answer", same),
                             ("bare PTB, a short answer", bare)):
            print(f"round {round_} {name:25}: {result['ms_per_update']:.2f} ms CPU/update, "
                  f"{result['answered']}/{result['updates']} answered in "
                  f"{result['seconds']:.1f} s, idle {result['idle_ms_per_s']:.1f} ms CPU/s, "
                  f"{result['429']} × 429", flush=True)
        print(f"round {round_} ratio: {ratios[-1]:.2f} to the same answer, "
              f"{short_ratios[-1]:.2f} to a short one", flush=True)
    median = statistics.median(ratios)
    print(f"{'PASS' if median <= GOAL else 'FAIL'}  CPU per update ≤ {GOAL} × a bare PTB bot "
          f"sending the same answer: median ratio {median:.2f} (min {min(ratios):.2f}, max "
          f"{max(ratios):.2f}, {args.writers}); to a bare bot with a 33-character answer: median "
          f"{statistics.median(short_ratios):.2f}")
    return median <= GOAL


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writers", choices=("clients", "strangers"), default="clients")
    parser.add_argument("--database-url", help="PostgreSQL database to (re)create per round")
    parser.add_argument("--profile", help="write Lotse's cProfile statistics to this file")
    parser.add_argument("--steps", action="store_true", help="print each step's CPU time")
    args = parser.parse_args()
    raise SystemExit(0 if asyncio.run(run(args)) else 1)


if __name__ == "__main__":
    main()
