"""/hours: a caseworker's recorded time this week and month against the committed hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import MunicipalityConfig
from bot.quarters import committed_hours, month_of, service_days, week_of
from bot.roles import Actor
from models import ContactEntry, Municipality


@dataclass(frozen=True)
class HoursLine:
    municipality_id: int
    municipality: str
    mine: int  # minutes
    team: int  # minutes, all caseworkers
    committed: Decimal | None  # hours, where the municipality committed weekly hours


@dataclass(frozen=True)
class Period:
    first: date
    last: date
    mine: int
    lines: tuple[HoursLine, ...]


@dataclass(frozen=True)
class HoursSummary:
    week: Period
    month: Period


async def _period(
    session: AsyncSession, actor: Actor, first: date, last: date,
    municipalities: list[Municipality], configs: dict[str, MunicipalityConfig],
) -> Period:
    in_period = (ContactEntry.deleted_at.is_(None), ContactEntry.entry_date >= first,
                 ContactEntry.entry_date <= last)
    mine = dict((await session.execute(
        select(ContactEntry.municipality_id, func.sum(ContactEntry.minutes))
        .where(*in_period, ContactEntry.caseworker_id == actor.caseworker_id)
        .group_by(ContactEntry.municipality_id))).all())
    team = dict((await session.execute(
        select(ContactEntry.municipality_id, func.sum(ContactEntry.minutes))
        .where(*in_period, ContactEntry.municipality_id.in_([m.id for m in municipalities]))
        .group_by(ContactEntry.municipality_id))).all())
    lines = []
    for municipality in municipalities:
        config = configs.get(municipality.key)
        weekly = config.weekly_hours if config else None
        committed = None
        if weekly is not None:
            assert config is not None
            committed = committed_hours(weekly, service_days(first, last, config.service_start))
        lines.append(HoursLine(municipality.id, municipality.name,
                               int(mine.get(municipality.id) or 0),
                               int(team.get(municipality.id) or 0), committed))
    return Period(first, last, int(sum(mine.values()) or 0), tuple(lines))


async def hours_summary(
    session: AsyncSession, *, actor: Actor, today: date,
    configs: Iterable[MunicipalityConfig],
) -> HoursSummary:
    """My minutes of this week (Monday-Sunday) and month, per town with its commitment."""
    by_key = {c.key: c for c in configs}
    municipalities = list(await session.scalars(
        select(Municipality).where(Municipality.id.in_(actor.municipality_ids))
        .order_by(Municipality.id)))
    week = await _period(session, actor, *week_of(today), municipalities, by_key)
    month = await _period(session, actor, *month_of(today), municipalities, by_key)
    return HoursSummary(week=week, month=month)
