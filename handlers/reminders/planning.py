"""The planners as JobQueue jobs: once at start and every night, in local time."""

from __future__ import annotations

import logging
from datetime import time

from bot.reminders.planners import plan_all, waste_times
from handlers.context import LotseApp, LotseContext

log = logging.getLogger("lotse.planners")
NIGHTLY = time(3, 0)  # local time; plans the next 14 days


async def run_planners(context: LotseContext) -> None:
    """Plan the reminders of the coming days (idempotent: safe next to another run)."""
    settings = context.settings
    with context.bot_data.metrics.planner_run("reminders"):
        async with context.uow() as session:
            planned = await plan_all(session, now=context.now(), timezone=settings.timezone,
                                     waste_times=waste_times(settings.municipalities))
    log.info("planned %d reminders (waste %d, school %d, appointments %d)", planned.total,
             planned.waste, planned.school, planned.appointments)


def register(app: LotseApp) -> None:
    jobs = app.job_queue
    assert jobs is not None  # python-telegram-bot[job-queue] is a dependency
    timezone = app.bot_data.settings.timezone
    jobs.run_daily(run_planners, time=NIGHTLY.replace(tzinfo=timezone), name="planners")
    # After a restart (or the first start) the coming days are planned at once.
    jobs.run_once(run_planners, when=0, name="planners-at-start")
