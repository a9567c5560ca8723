"""Retention: closed cases are erased automatically ``retention_months`` after closing.

A nightly job (``handlers/onboarding/privacy.py``) and ``lotse retention [--dry-run]`` use the
same function; the erasure is ``bot.privacy.erase`` (minutes stay for billing, anonymised).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import Settings
from bot.privacy.erase import erase_client
from bot.quarters import add_months
from bot.roles import Actor, Role
from models import CaseDetails, Client, ClientStatus

# The retention job acts for the system: no Telegram id, recorded as admin in the audit log.
RETENTION_ACTOR = Actor(telegram_id=None, role=Role.ADMIN, language=None, name="retention")


def cutoff(now: datetime, months: int) -> datetime:
    """Cases closed before this moment are due."""
    day = add_months(now.date(), -months)
    return now.replace(year=day.year, month=day.month, day=day.day)


async def due_for_erasure(session: AsyncSession, *, now: datetime, months: int
                          ) -> list[Client]:
    rows = await session.scalars(
        select(Client).join(CaseDetails, CaseDetails.client_id == Client.id)
        .where(Client.status == ClientStatus.CLOSED, CaseDetails.closed_at.is_not(None),
               CaseDetails.closed_at < cutoff(now, months))
        .order_by(Client.reference))
    return list(rows)


async def run_retention(session: AsyncSession, *, now: datetime, months: int,
                        dry_run: bool) -> list[str]:
    """Erase (or, dry run, only name) the cases due; their references."""
    due = await due_for_erasure(session, now=now, months=months)
    references = [client.reference for client in due]
    if not dry_run:
        for client in due:
            await erase_client(session, client=client, actor=RETENTION_ACTOR, now=now,
                               reason=f"retention {months} months after closing")
    return references


async def retention_cli(settings: Settings, *, dry_run: bool, now: datetime) -> list[str]:
    """``lotse retention [--dry-run]``: the lines to print."""
    from bot.cli_database import open_database
    from models.session import make_sessionmaker, unit_of_work

    months = settings.retention_months
    async with (open_database(settings.database_url) as engine,
                unit_of_work(make_sessionmaker(engine)) as session):
        references = await run_retention(session, now=now, months=months, dry_run=dry_run)
    lines = [f"retention: closed cases are erased {months} months after closing"]
    if not references:
        return [*lines, "no case is due"]
    verb = "would be erased (dry run, nothing changed)" if dry_run else "erased"
    return [*lines, f"{len(references)} case(s) {verb}: {', '.join(references)}"]
