"""Time from `lotse run` to the first getUpdates call (the bot is polling), its idle memory
(RSS, 3 s after polling began) and the time to a clean stop after SIGTERM, against the fake
Bot API on a migrated SQLite database.

Run: .venv/bin/python -m benchmarks.startup
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

from models.migrate import upgrade
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.support.fakes.telegram_api import FakeTelegramAPI

RUNS = 5


IDLE_SECONDS = 3.0


def rss_mib(pid: int) -> float:
    """Resident memory of a process (Linux /proc), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


async def one_run(db: Path) -> tuple[float, float, float]:
    async with FakeTelegramAPI() as fake:
        env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": fake.base_url,
               "DATABASE_URL": f"sqlite:///{db}", "LOTSE_CONFIG": str(EXAMPLE_CONFIG)}
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        await fake.wait_for_call("getUpdates", timeout=30)
        polling = time.perf_counter() - started
        await asyncio.sleep(IDLE_SECONDS)
        idle = rss_mib(process.pid)
        stopping = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), timeout=30)
        assert code == 0, code
        return polling, time.perf_counter() - stopping, idle


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "lotse.db"
        await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{db}")
        results = [await one_run(db) for _ in range(RUNS)]
    polls = [r[0] for r in results]
    stops = [r[1] for r in results]
    print(f"start → polling: median {statistics.median(polls):.2f} s, max {max(polls):.2f} s "
          f"({RUNS} runs)")
    idle = [r[2] for r in results]
    print(f"idle RSS:        median {statistics.median(idle):.0f} MiB, max {max(idle):.0f} MiB")
    print(f"SIGTERM → exit:  median {statistics.median(stops):.2f} s, max {max(stops):.2f} s")


if __name__ == "__main__":
    asyncio.run(main())
