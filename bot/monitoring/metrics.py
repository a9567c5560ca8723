"""The Prometheus metrics of one Application, in a registry of its own.

A registry per Application (not prometheus-client's global one) lets tests build many
Applications in one process. Per update the cost is one counter increment and one histogram
observation; the outbox figures are read from the database when ``/metrics`` is scraped.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.monitoring.outbox_figures import OutboxFigures
from models import OutboxState

UPDATE_KINDS = ("message", "command", "callback_query", "other")
# Seconds; an answer under 0.1 s feels instant, over 2 s the person notices the wait.
HANDLING_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


@dataclass
class ApiCalls:
    """When the last Bot API request was answered successfully (2xx), set on every answer."""

    last_success: float | None = None  # time.monotonic(), for the health check
    last_success_at: float | None = None  # time.time(), for the metric

    def succeeded(self) -> None:
        self.last_success, self.last_success_at = time.monotonic(), time.time()

    def seconds_since_success(self) -> float | None:
        return None if self.last_success is None else time.monotonic() - self.last_success


class Metrics:
    """Every metric of the process (the README lists them under "Health and metrics")."""

    def __init__(self) -> None:
        self.registry = registry = CollectorRegistry()
        self.updates = Counter(
            "lotse_updates", "Updates handled, by kind (message, command, callback_query, other)",
            ["kind"], registry=registry)
        self.handling = Histogram(
            "lotse_update_handling_seconds",
            "Seconds from the start of an update's processing to the end of its last handler, "
            "replies included (they are awaited inside the handlers)",
            buckets=HANDLING_BUCKETS, registry=registry)
        self.sends = Counter(
            "lotse_outbox_sends", "Outbox send attempts by Telegram's answer: sent, retry_after "
            "(429), transient (network error or 5xx), uncertain (timed out), blocked, rejected "
            "(400), deferred (not tried during a long flood pause)", ["outcome"],
            registry=registry)
        self.planner_runs = Counter(
            "lotse_planner_runs", "Runs of the planning jobs by planner and result (ok, error)",
            ["planner", "result"], registry=registry)
        self.outbox_rows = Gauge(
            "lotse_outbox_messages", "Outbox rows by state, read at scrape time", ["state"],
            registry=registry)
        self.lag = Gauge(
            "lotse_dispatcher_lag_seconds", "Age of the oldest due outbox row not yet sent: "
            "queue=messages (reminders, notifications) or broadcast", ["queue"],
            registry=registry)
        self.api_success = Gauge(
            "lotse_bot_api_last_success_timestamp_seconds",
            "Unix time of the last Bot API request answered successfully", registry=registry)
        self._update_kinds = {kind: self.updates.labels(kind) for kind in UPDATE_KINDS}
        for state in OutboxState:
            self.outbox_rows.labels(state.value)
        for queue in ("messages", "broadcast"):
            self.lag.labels(queue)

    def count_update(self, kind: str, seconds: float) -> None:
        """One update handled: its kind (one of ``UPDATE_KINDS``) and how long it took."""
        self._update_kinds[kind].inc()
        self.handling.observe(seconds)

    def count_send(self, outcome: str) -> None:
        """One outbox send attempt and Telegram's answer (``bot.outbox.sender.Outcome``)."""
        self.sends.labels(outcome).inc()

    @contextmanager
    def planner_run(self, planner: str) -> Iterator[None]:
        """Count a run of a planning job: ``ok``, or ``error`` if the block raises (a run
        cancelled at shutdown is not counted)."""
        try:
            yield
        except Exception:
            self.planner_runs.labels(planner, "error").inc()
            raise
        self.planner_runs.labels(planner, "ok").inc()

    def exposition(self, outbox: OutboxFigures | None, api: ApiCalls) -> bytes:
        """The Prometheus text format, with the figures read at this scrape.

        Without outbox figures (the database did not answer) those gauges keep their values.
        """
        if outbox is not None:
            for state in OutboxState:
                self.outbox_rows.labels(state.value).set(outbox.by_state.get(state.value, 0))
            self.lag.labels("messages").set(outbox.messages_lag)
            self.lag.labels("broadcast").set(outbox.broadcast_lag)
        if api.last_success_at is not None:
            self.api_success.set(api.last_success_at)
        return generate_latest(self.registry)
