"""A query over every table: where does a value (a Telegram id, a name) still appear?"""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Integer, String, Text, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.base import Base


async def where_found(session: AsyncSession, value: int | str) -> list[str]:
    """``table.column`` for every cell that holds ``value`` (numbers exactly, text as a
    substring; JSON columns as text)."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(value, int) and isinstance(column.type, Integer | BigInteger):
                condition = column == value
            elif isinstance(column.type, String | Text):
                condition = column.contains(str(value))
            elif isinstance(column.type, JSON):
                condition = cast(column, Text).contains(str(value))
            else:
                continue
            count = await session.scalar(
                select(func.count()).select_from(table).where(condition))
            if count:
                found.append(f"{table.name}.{column.name}")
    return found
