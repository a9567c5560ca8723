"""The health checks behind ``/healthz``: database, dispatcher, Bot API.

* ``database``: a query answers within ``DATABASE_TIMEOUT`` seconds;
* ``dispatcher``: the oldest due reminder or notification has waited less than
  ``MAX_DISPATCH_LAG`` seconds. Broadcast rows do not count: they queue behind reminders by
  design and go at the send rate (3,000 recipients take 100 s at 30 a second), so their age
  says how long a broadcast takes, not whether the dispatcher works;
* ``telegram``: the last successful Bot API request is younger than ``MAX_API_SILENCE``
  seconds. Long polling asks every 10 s; with a webhook the bot asks ``getWebhookInfo`` every
  minute (``handlers/monitoring/webhook.py``), so the check means the same in both modes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.monitoring.metrics import ApiCalls
from bot.monitoring.outbox_figures import dispatcher_lag

DATABASE_TIMEOUT = 5.0
MAX_DISPATCH_LAG = 60.0
MAX_API_SILENCE = 120.0


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{'ok' if self.ok else 'FAIL'} {self.name}: {self.detail}"


async def check_health(
    sessions: async_sessionmaker[AsyncSession] | None, api: ApiCalls, *,
    now: Callable[[], datetime],
) -> list[Check]:
    """Every check, in a fixed order; the process is healthy if all are ok."""
    return [*await _check_database(sessions, now), _check_api(api)]


async def _check_database(sessions: async_sessionmaker[AsyncSession] | None,
                          now: Callable[[], datetime]) -> list[Check]:
    if sessions is None:
        return [Check("database", False, "not open (starting or stopping)"),
                Check("dispatcher", False, "unknown: no database")]
    try:
        async with sessions() as session:
            messages, _ = await asyncio.wait_for(dispatcher_lag(session, now=now()),
                                                 DATABASE_TIMEOUT)
    except TimeoutError:
        error = f"no answer within {DATABASE_TIMEOUT:g} s"
    except Exception as exc:  # whatever the driver raises: the database is not usable
        error = f"{type(exc).__name__}"
    else:
        dispatcher = Check("dispatcher", messages < MAX_DISPATCH_LAG,
                           f"the oldest due message has waited {messages:.0f} s "
                           f"(limit {MAX_DISPATCH_LAG:g} s)")
        return [Check("database", True, "reachable"), dispatcher]
    return [Check("database", False, error), Check("dispatcher", False, "unknown: no database")]


def _check_api(api: ApiCalls) -> Check:
    silence = api.seconds_since_success()
    if silence is None:
        return Check("telegram", False, "no successful Bot API request yet")
    return Check("telegram", silence < MAX_API_SILENCE,
                 f"last successful Bot API request {silence:.0f} s ago "
                 f"(limit {MAX_API_SILENCE:g} s)")
