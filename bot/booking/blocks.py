"""One-off blocks: time in which a caseworker offers no slots (holiday, meeting, sickness).

A block only stops new bookings; appointments already booked in it are listed so that the
caseworker can cancel them in /week (the clients are then told and can choose a new time).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.booking_info import BookingInfo, find_bookings
from bot.text_limits import telegram_length
from models import Booking, BookingStatus, TimeBlock

MAX_BLOCK = timedelta(days=366)
MAX_NOTE = 100  # UTF-16 code units, as Telegram counts them


class BlockProblem(enum.StrEnum):
    ORDER = "order"
    PAST = "past"  # ends before now
    TOO_LONG = "too_long"
    NOTE_TOO_LONG = "note_too_long"
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class BlockResult:
    problem: BlockProblem | None
    block: TimeBlock | None = None
    booked_inside: list[BookingInfo] = field(default_factory=list)


async def add_block(session: AsyncSession, *, caseworker_id: int, start: datetime,
                    end: datetime, note: str | None, now: datetime) -> BlockResult:
    if end <= start:
        return BlockResult(BlockProblem.ORDER)
    if end <= now:
        return BlockResult(BlockProblem.PAST)
    if end - start > MAX_BLOCK:
        return BlockResult(BlockProblem.TOO_LONG)
    note = (note or "").strip()
    if telegram_length(note) > MAX_NOTE:
        return BlockResult(BlockProblem.NOTE_TOO_LONG)
    block = TimeBlock(caseworker_id=caseworker_id, start_at=max(start, now), end_at=end,
                      note=note or None, created_at=now)
    session.add(block)
    await session.flush()
    inside = await find_bookings(session, Booking.caseworker_id == caseworker_id,
                                 Booking.status == BookingStatus.BOOKED,
                                 Booking.start_at < end, Booking.end_at > block.start_at)
    return BlockResult(None, block, inside)


async def list_blocks(session: AsyncSession, *, caseworker_id: int, now: datetime
                      ) -> list[TimeBlock]:
    """Blocks that have not ended yet, soonest first."""
    rows = await session.scalars(
        select(TimeBlock).where(TimeBlock.caseworker_id == caseworker_id,
                                TimeBlock.end_at > now).order_by(TimeBlock.start_at))
    return list(rows)


async def remove_block(session: AsyncSession, *, caseworker_id: int, block_id: int,
                       now: datetime) -> BlockResult:
    block = await session.get(TimeBlock, block_id)
    if block is None or block.caseworker_id != caseworker_id or block.end_at <= now:
        return BlockResult(BlockProblem.NOT_FOUND)
    await session.delete(block)
    return BlockResult(None, block)
