"""Mirror the configured municipalities and office locations into the database."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.config import MunicipalityConfig
from models import Location, Municipality


async def sync_municipalities(
    session: AsyncSession, configs: Iterable[MunicipalityConfig]
) -> dict[str, Municipality]:
    """Insert or update each configured municipality by key; rows are never deleted here,
    because clients and billing records refer to them."""
    existing = {
        m.key: m
        for m in await session.scalars(
            select(Municipality).options(selectinload(Municipality.locations))
        )
    }
    for config in configs:
        row = existing.get(config.key)
        if row is None:
            row = Municipality(key=config.key, locations=[])
            session.add(row)
            existing[config.key] = row
        row.name = config.name
        row.hourly_rate = config.hourly_rate
        row.vat_rate = config.vat_rate
        row.weekly_hours = config.weekly_hours
        row.care_limit_months = config.care_limit_months
        locations = {loc.key: loc for loc in row.locations}
        for location in config.locations:
            loc_row = locations.get(location.key)
            if loc_row is None:
                loc_row = Location(key=location.key)
                row.locations.append(loc_row)
            loc_row.name = location.name
            loc_row.address = location.address
    await session.flush()
    return existing


async def municipality_by_key(session: AsyncSession, key: str) -> Municipality | None:
    return await session.scalar(select(Municipality).where(Municipality.key == key))
