"""County scale: the services behind /cases, /case, /inbox, the dispatcher's claim, free
slots, the nightly planners and the quarterly report, timed on the county data
(benchmarks.county_data) on SQLite and on PostgreSQL, with the query plans they get.

Each operation runs through the same service function its handler or job calls, in its own
session, rolled back afterwards (the audit rows and claims are not kept, so every run sees
the same data): one warm-up, then ``--runs`` timed runs (50; the planners 5 by default, each
a full first run over 10,000 clients). "Now" is 10:00 Berlin time on the day the data was
built around. The plans are those of the statements the services sent in one run, caught
on the engine and explained: PostgreSQL ``EXPLAIN (ANALYZE, BUFFERS)``, SQLite
``EXPLAIN QUERY PLAN``.

Run: .venv/bin/python -m benchmarks.county_scale [--skip-postgres] [--skip-sqlite]
     [--runs 50] [--planner-runs 5] [--no-explain] [--rebuild]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from benchmarks import county_data
from bot.billing.billing import live_report
from bot.booking.availability import find_free_slots
from bot.casework.case_list import CaseFilter, StatusFilter, list_cases
from bot.casework.cases import open_case
from bot.config import load_config_file
from bot.conversation.inbox import inbox
from bot.outbox.store import QuietHours, claim_due
from bot.quarters import Quarter
from bot.reminders.planners import plan_all, waste_times
from bot.roles import Actor, Role
from models import Caseworker, Client, Municipality
from models.session import make_engine, make_sessionmaker

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Result:
    operation: str
    goal_ms: float
    backend: str
    times: list[float]
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times) * 1000

    @property
    def p95(self) -> float:  # nearest rank
        ordered = sorted(self.times)
        return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)] * 1000

    @property
    def met(self) -> bool:
        return self.p95 <= self.goal_ms


class Statements:
    """The statements the services send, caught on the engine for EXPLAIN."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.caught: list[tuple[str, Any]] | None = None
        event.listen(engine.sync_engine, "before_cursor_execute", self._catch)

    def _catch(self, conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if self.caught is not None and not executemany:
            self.caught.append((statement, parameters))


async def _explain(session: AsyncSession, caught: list[tuple[str, Any]]) -> list[str]:
    postgres = session.get_bind().dialect.name == "postgresql"
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
    lines = []
    for statement, parameters in caught:
        head = statement.lstrip().split(None, 1)[0].upper()
        if head not in ("SELECT", "UPDATE", "WITH"):
            continue
        lines.append("    -- " + " ".join(statement.split())[:160])
        result = await (await session.connection()).exec_driver_sql(
            prefix + statement, parameters)
        for row in result.all():
            if postgres:
                lines.append("    " + row[0])
            else:  # (id, parent, notused, detail)
                lines.append("    " + row[-1])
    return lines


class Bench:
    def __init__(self, url: str, meta: dict[str, Any], runs: int, planner_runs: int,
                 explain: bool) -> None:
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.statements = Statements(self.engine)
        self.backend = self.engine.dialect.name
        self.today = date.fromisoformat(meta["today"])
        self.now = datetime.combine(self.today, clock(10), tzinfo=BERLIN).astimezone(UTC)
        self.runs, self.planner_runs, self.explain = runs, planner_runs, explain
        configs, self.policy, _, _ = load_config_file(county_data.data_paths()[1])
        self.configs = {c.key: c for c in configs}
        self.results: list[Result] = []
        self.plans: list[str] = []

    async def timed(self, operation: str, goal_ms: float,
                    action: Callable[[AsyncSession, int], Awaitable[Any]],
                    runs: int | None = None, note: str = "") -> None:
        """Warm up, time the runs, then explain what one run sent."""
        times = []
        for n in range(-1, runs or self.runs):
            async with self.sessions() as session:
                started = time.perf_counter()
                await action(session, max(n, 0))
                took = time.perf_counter() - started
                await session.rollback()
            if n >= 0:
                times.append(took)
        result = Result(operation, goal_ms, self.backend, times, note)
        self.results.append(result)
        print(f"  {self.backend:10} {operation:52} median {result.median:8.1f} ms  "
              f"p95 {result.p95:8.1f} ms  goal {goal_ms:g} ms  "
              f"{'met' if result.met else 'NOT MET'}", flush=True)
        if self.explain:
            async with self.sessions() as session:
                self.statements.caught = []
                await action(session, 0)
                caught, self.statements.caught = self.statements.caught, None
                self.plans.append(f"  [{self.backend}] {operation}")
                self.plans += await _explain(session, caught)
                await session.rollback()

    async def actors(self) -> tuple[Actor, Actor, list[str]]:
        async with self.sessions() as session:
            worker = await session.scalar(select(Caseworker).where(Caseworker.id == 1))
            assert worker is not None
            await session.refresh(worker, ["municipalities"])
            towns = frozenset(m.id for m in worker.municipalities)
            everything = frozenset((await session.scalars(select(Municipality.id))).all())
            references = list((await session.scalars(
                select(Client.reference).where(Client.municipality_id.in_(towns))
                .order_by(Client.id))).all())
        caseworker = Actor(telegram_id=worker.telegram_user_id, role=Role.CASEWORKER,
                           language="de", name=worker.name, caseworker_id=worker.id,
                           municipality_ids=towns)
        admin = Actor(telegram_id=1, role=Role.ADMIN, language="de", name="Admin",
                      caseworker_id=2, municipality_ids=everything)
        step = max(1, len(references) // 60)
        return caseworker, admin, references[::step]

    async def run(self) -> None:
        caseworker, admin, references = await self.actors()
        towns = sorted(caseworker.municipality_ids)
        today, now, tz = self.today, self.now, BERLIN

        def cases(actor: Actor, flt: CaseFilter, page: int = 0
                  ) -> Callable[[AsyncSession, int], Awaitable[Any]]:
            async def action(session: AsyncSession, _: int) -> Any:
                return await list_cases(session, actor=actor, flt=flt, page=page, today=today,
                                        timezone=tz)
            return action

        label = f"caseworker, {len(towns)} towns"
        await self.timed(f"/cases first page ({label})", 30, cases(caseworker, CaseFilter()))
        await self.timed("/cases first page (admin, all 12 towns)", 30,
                         cases(admin, CaseFilter()))
        await self.timed("/cases last page (admin, all towns, all)", 30,
                         cases(admin, CaseFilter(status=StatusFilter.ALL), page=10_000))
        await self.timed("/cases filter: one town", 30,
                         cases(caseworker, CaseFilter(municipality_id=towns[0])))
        await self.timed("/cases filter: closed", 30,
                         cases(caseworker, CaseFilter(status=StatusFilter.CLOSED)))
        await self.timed("/cases filter: all", 30,
                         cases(caseworker, CaseFilter(status=StatusFilter.ALL)))
        await self.timed("/cases filter: no contact 30+ days", 30,
                         cases(caseworker, CaseFilter(no_contact=True)))
        await self.timed("/cases filter: beyond the care limit", 30,
                         cases(caseworker, CaseFilter(beyond_limit=True)))
        await self.timed("/cases filter: no contact + beyond limit (admin)", 30,
                         cases(admin, CaseFilter(no_contact=True, beyond_limit=True)))

        async def card(session: AsyncSession, n: int) -> Any:
            return await open_case(session, actor=caseworker, now=now, timezone=tz,
                                   reference=references[n % len(references)])
        await self.timed("/case (card of a client)", 30, card)

        async def waiting(session: AsyncSession, _: int) -> Any:
            return await inbox(session, actor=caseworker, now=now)
        await self.timed(f"/inbox ({label})", 30, waiting)

        async def waiting_admin(session: AsyncSession, _: int) -> Any:
            return await inbox(session, actor=admin, now=now)
        await self.timed("/inbox (admin, all towns)", 30, waiting_admin)

        quiet = QuietHours(timezone=tz)

        async def claim(session: AsyncSession, _: int) -> Any:
            result = await claim_due(session, now=now, owner=1, limit=30, quiet=quiet)
            assert result.rows, "nothing due to claim"
            return result
        await self.timed("dispatcher: claim due rows (30)", 10, claim)

        async def slots(session: AsyncSession, n: int) -> Any:
            town = towns[n % len(towns)]
            found = await find_free_slots(session, now=now, policy=self.policy, tz=tz,
                                          municipality_id=town)
            assert found
            return found
        await self.timed("free slots for a municipality (14 days)", 50, slots)

        quarter = Quarter.of(today)
        biggest = county_data.TOWNS[county_data.WEIGHTS.index(max(county_data.WEIGHTS))]

        async def report(session: AsyncSession, _: int) -> Any:
            municipality = await session.scalar(
                select(Municipality).where(Municipality.key == biggest))
            assert municipality is not None
            return await live_report(session, municipality=municipality,
                                     config=self.configs[biggest], quarter=quarter)
        await self.timed(f"quarterly report ({biggest}, {quarter.key})", 1000, report)

        times = waste_times(self.configs.values())
        planned: list[int] = []

        async def planners(session: AsyncSession, _: int) -> Any:
            result = await plan_all(session, now=now, timezone=tz, waste_times=times)
            planned.append(result.total)
            return result
        await self.timed("nightly planners, 10,000 clients (first run)", 10_000, planners,
                         runs=self.planner_runs)
        print(f"    planners planned {planned[-1]:,} reminders per run", flush=True)

    async def close(self) -> None:
        await self.engine.dispose()


def table(results: list[Result]) -> str:
    lines = ["| operation | goal | backend | median | p95 | runs | met? |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        goal = f"≤ {r.goal_ms / 1000:g} s" if r.goal_ms >= 1000 else f"≤ {r.goal_ms:g} ms"
        lines.append(f"| {r.operation} | {goal} | {r.backend} | {r.median:.1f} ms | "
                     f"{r.p95:.1f} ms | {len(r.times)} | {'yes' if r.met else '**no**'} |")
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    meta = await county_data.ensure(sqlite=not args.skip_sqlite,
                                    postgres=not args.skip_postgres, rebuild=args.rebuild)
    urls = ([] if args.skip_sqlite else [county_data.sqlite_url()]) + (
        [] if args.skip_postgres else [county_data.postgres_url()])
    results, plans = [], []
    for url in urls:
        bench = Bench(url, meta, args.runs, args.planner_runs, not args.no_explain)
        try:
            await bench.run()
        finally:
            await bench.close()
        results += bench.results
        plans += bench.plans
    print()
    print(table(results))
    print(f"\n(data built around {meta['today']}; run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    if plans:
        print("\nQuery plans of one run of each operation:\n")
        print("\n".join(plans))
    if args.out:
        Path(args.out).write_text(table(results) + "\n\n" + "\n".join(plans) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--planner-runs", type=int, default=5)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--no-explain", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--out", help="also write the table and the plans to this file")
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
