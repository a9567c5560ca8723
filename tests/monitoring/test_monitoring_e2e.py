"""/metrics and /healthz of the running bot, scraped over HTTP while a person uses it."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram import Update

from bot.config import Settings
from bot.outbox.queue import Rendered, enqueue, message_kind
from handlers.monitoring import server
from handlers.outbox.dispatch import JOB_NAME, dispatcher_for
from models import Broadcast
from models.session import make_engine, make_sessionmaker
from tests.conftest import FakeClock
from tests.support.harness import Harness

Sessions = async_sessionmaker[AsyncSession]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@message_kind("test.monitoring")
def _note(t: Any, params: dict[str, Any]) -> Rendered:
    return Rendered(f"note {params['n']}")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Polling mode with LOTSE_HEALTH_LISTEN=127.0.0.1:0 (any free port)."""
    return replace(settings, health_listen="127.0.0.1:0")


async def scrape(http: httpx.AsyncClient) -> Samples:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, tuple(sorted(labels.items())))
    return after.get(key, 0.0) - before.get(key, 0.0)


async def put(sessions: Sessions, key: str, chat: int, clock: FakeClock, *,
              broadcast: bool = False, **due: float) -> None:
    async with sessions() as session, session.begin():
        broadcast_id = None
        if broadcast:
            row = Broadcast(municipality_ids=[], texts={"de": "Hallo"}, total=1)
            session.add(row)
            await session.flush()
            broadcast_id = row.id
        assert await enqueue(session, key=key, chat_id=chat, kind="test.monitoring",
                             params={"n": key}, due_at=clock.now - timedelta(**due),
                             broadcast_id=broadcast_id)


def lag(samples: Samples, queue: str) -> float:
    return samples[("lotse_dispatcher_lag_seconds", (("queue", queue),))]


async def planner_runs(harness: Harness) -> float | None:
    """The at-start planner run, once the JobQueue has made it (it starts with the bot)."""
    registry = harness.app.bot_data.metrics.registry
    labels = {"planner": "reminders", "result": "ok"}
    for _ in range(200):
        runs = registry.get_sample_value("lotse_planner_runs_total", labels)
        if runs:
            return runs
        await asyncio.sleep(0.02)
    return None


async def test_metrics_count_updates_sends_and_planner_runs(
    harness: Harness, sessions: Sessions, clock: FakeClock
) -> None:
    assert await planner_runs(harness) == 1
    port = server.port(harness.app)
    assert port
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        before = await scrape(http)
        user = harness.user(5101, language_code="en")
        assert await user.send("/help")
        await user.send("hello")
        await user.press_data("pub:about")
        edited = {"message_id": 9, "date": 0, "edit_date": 1, "text": "hallo",
                  "chat": user.chat(), "from": user.as_dict()}
        await harness.app.process_update(
            Update.de_json({"update_id": 9101, "edited_message": edited}, harness.app.bot))
        harness.fake.fail_next("sendMessage", error_code=403, chat_id=5102,
                               description="Forbidden: bot was blocked by the user")
        harness.fake.fail_next("sendMessage", error_code=502, chat_id=5103,
                               description="Bad Gateway")
        for key, chat in (("m-sent", 5101), ("m-blocked", 5102), ("m-5xx", 5103)):
            await put(sessions, key, chat, clock, seconds=1)
        dispatcher = dispatcher_for(harness.app)
        assert dispatcher is not None
        await dispatcher.drain()
        nightly = harness.app.job_queue.get_jobs_by_name("planners")  # type: ignore[union-attr]
        await nightly[0].run(harness.app)
        after = await scrape(http)

    for kind in ("command", "message", "callback_query", "other"):
        assert moved(before, after, "lotse_updates_total", kind=kind) == 1, kind
    assert moved(before, after, "lotse_update_handling_seconds_count") == 4
    assert moved(before, after, "lotse_update_handling_seconds_sum") > 0
    for outcome in ("sent", "blocked", "transient"):
        assert moved(before, after, "lotse_outbox_sends_total", outcome=outcome) == 1, outcome
    assert moved(before, after, "lotse_outbox_sends_total", outcome="retry_after") == 0
    # rows by state, read from the database at the scrape (the 5xx row waits for its retry)
    for state, rows in (("sent", 1), ("blocked", 1), ("pending", 1), ("failed", 0)):
        assert after[("lotse_outbox_messages", (("state", state),))] == rows, state
    assert lag(after, "messages") == lag(after, "broadcast") == 0
    assert moved(before, after, "lotse_planner_runs_total",
                 planner="reminders", result="ok") == 1
    assert after[("lotse_bot_api_last_success_timestamp_seconds", ())] > 0


async def test_healthz_names_a_stuck_dispatcher_and_an_unreachable_database(
    harness: Harness, sessions: Sessions, clock: FakeClock, database_url: str
) -> None:
    app = harness.app
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{server.port(app)}") as http:
        healthy = await http.get("/healthz")
        assert healthy.status_code == 200, healthy.text
        assert healthy.text.splitlines()[0] == "ok database: reachable"
        assert "FAIL" not in healthy.text

        # The dispatcher stops waking up; a reminder falls due and waits 61 s.
        tick = app.job_queue.get_jobs_by_name(JOB_NAME)[0]  # type: ignore[union-attr]
        tick.enabled = False
        # A broadcast's backlog waits behind reminders by design: shown, but not a failure.
        await put(sessions, "broadcast", 5202, clock, broadcast=True, seconds=90)
        assert (await http.get("/healthz")).status_code == 200
        assert lag(await scrape(http), "broadcast") == 90
        await put(sessions, "late", 5201, clock, seconds=-30)  # due in 30 s
        assert (await http.get("/healthz")).status_code == 200
        clock.advance(seconds=91)
        stuck = await http.get("/healthz")
        assert stuck.status_code == 503
        assert "FAIL dispatcher: the oldest due message has waited 61 s (limit 60 s)" in stuck.text
        assert "ok database" in stuck.text and "ok telegram" in stuck.text
        scraped = await scrape(http)
        assert (lag(scraped, "messages"), lag(scraped, "broadcast")) == (61, 181)

        dispatcher = dispatcher_for(app)
        assert dispatcher is not None
        await dispatcher.drain()
        assert (await http.get("/healthz")).status_code == 200

        # The database stops answering (a server that refuses connections, a missing file).
        bad_url = ("postgresql+asyncpg://lotse@127.0.0.1:1/lotse" if "postgresql" in database_url
                   else "sqlite+aiosqlite:////nonexistent-directory/lotse.db")
        working, app.bot_data.sessions = app.bot_data.sessions, make_sessionmaker(
            make_engine(bad_url))
        try:
            down = await http.get("/healthz")
            await app.job_queue.get_jobs_by_name("planners")[0].run(app)  # type: ignore[union-attr]
            metrics = await http.get("/metrics")  # the counters are still served
        finally:
            app.bot_data.sessions = working
        assert down.status_code == 503
        assert "FAIL database: " in down.text and "FAIL dispatcher: unknown" in down.text
        assert metrics.status_code == 200
        assert 'lotse_planner_runs_total{planner="reminders",result="error"} 1.0' in metrics.text

        # No successful Bot API request for more than two minutes.
        calls = app.bot_data.api_calls
        assert calls.last_success is not None
        calls.last_success -= 121
        silent = await http.get("/healthz")
        assert silent.status_code == 503
        assert "FAIL telegram: last successful Bot API request 121 s ago" in silent.text
