"""/block: a caseworker blocks one-off time (a meeting, a holiday) so no slots are offered.

``/block <date> [<HH:MM-HH:MM>] [note]`` or ``/block <first day> <last day> [note]``;
``/block`` alone lists upcoming blocks with buttons to remove them.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from telegram import Update

from bot.audit import audit
from bot.booking.blocks import MAX_NOTE, BlockProblem, add_block, list_blocks, remove_block
from bot.booking.booking_texts import short_when
from bot.booking.slots import local_day_bounds
from bot.booking.staff_input import InputError, parse_date, parse_time_range
from bot.i18n import Translator, user_text
from bot.text_limits import too_long
from handlers.booking.booking_ui import Rows, capped, show
from handlers.booking.staff_texts import input_problem, usage_block
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import TimeBlock


def _span(t: Translator, block: TimeBlock) -> str:
    start, end = block.start_at, block.end_at
    note = user_text(block.note)
    if start.astimezone(t.timezone).date() == (end - timedelta(seconds=1)).astimezone(
            t.timezone).date():
        return t._("%(date)s, %(start)s–%(end)s (%(note)s)", date=t.fmt_date(start),
                   start=t.fmt_time(start), end=t.fmt_time(end), note=note)
    return t._("%(first)s to %(last)s (%(note)s)", first=short_when(t, start),
               last=short_when(t, end), note=note)


async def _listing(context: LotseContext, notice: str | None = None) -> tuple[str, Rows]:
    t = context.t
    assert context.actor.caseworker_id is not None
    async with context.uow() as session:
        blocks = await list_blocks(session, caseworker_id=context.actor.caseworker_id,
                                   now=context.now())
    parts = [notice] if notice else []
    lines, rows = capped(t, [_span(t, b) for b in blocks], [
        [(f"🗑 {t.fmt_date(b.start_at, with_weekday=False)} {t.fmt_time(b.start_at)}",
          f"blk:r:{b.id}")] for b in blocks])
    if lines:
        parts.append(t._("Blocked times:") + "\n" + "\n".join(lines))
    parts.append(usage_block(t))
    return "\n\n".join(parts), rows


def _parse(t: Translator, args: list[str], today: date
           ) -> tuple[datetime, datetime, str] | str:
    """Start, end and note; or the message naming what is wrong."""
    first = parse_date(args[0], today=today)
    if isinstance(first, InputError):
        return input_problem(t, first, args[0])
    if first < today:
        return t._("%(date)s is in the past. Please give a date from today on.",
                   date=t.fmt_date(first))
    rest = args[1:]
    start, end = local_day_bounds(first, t.timezone)
    if rest and any(c.isdigit() for c in rest[0]) and (":" in rest[0] or "-" in rest[0]) \
            and rest[0].count("-") != 2:
        times = parse_time_range(rest[0])
        if isinstance(times, InputError):
            return input_problem(t, times, rest[0])
        start = datetime.combine(first, times[0], tzinfo=t.timezone)
        end = datetime.combine(first, times[1], tzinfo=t.timezone)
        rest = rest[1:]
    elif rest and not isinstance(last := parse_date(rest[0], today=today), InputError):
        if last < first:
            return t._("The last day is before the first day.")
        _, end = local_day_bounds(last, t.timezone)
        rest = rest[1:]
    return start, end, " ".join(rest)


async def block_time(update: Update, context: LotseContext) -> None:
    """Block time, or list blocks when called without arguments."""
    t, now = context.t, context.now()
    args = context.args or []
    if not args:
        await show(update, *await _listing(context))
        return
    parsed = _parse(t, args, now.astimezone(t.timezone).date())
    if isinstance(parsed, str):
        await show(update, f"{parsed}\n\n{usage_block(t)}")
        return
    start, end, note = parsed
    assert context.actor.caseworker_id is not None
    async with context.uow() as session:
        result = await add_block(session, caseworker_id=context.actor.caseworker_id,
                                 start=start, end=end, note=note, now=now)
        if result.block is not None:
            audit(session, actor=context.actor, action="block:add",
                  target=f"time_block:{result.block.id}")
    if result.problem is BlockProblem.NOTE_TOO_LONG:  # nothing stored: they send it shorter
        await show(update, too_long(t, t._("The note is too long: at most %(max)s characters, "
                                           "please.", max=MAX_NOTE), note))
        return
    if result.block is None:
        text = (t._("This time is already over.") if result.problem is BlockProblem.PAST
                else t._("A block can last at most one year."))
        await show(update, text)
        return
    lines = [t._("Blocked: %(span)s. No appointments will be offered then.",
                 span=_span(t, result.block))]
    if result.booked_inside:
        lines.append(t.ngettext(
            "%(n)s appointment is already booked in this time. It stays booked; cancel it in "
            "/week if it cannot take place:",
            "%(n)s appointments are already booked in this time. They stay booked; cancel "
            "them in /week if they cannot take place:", len(result.booked_inside)))
        lines += [f"• {short_when(t, b.start)}: {b.client_name} ({b.client_reference})"
                  for b in result.booked_inside]
    await show(update, "\n".join(lines))


async def block_button(update: Update, context: LotseContext) -> None:
    """Remove a block (``blk:r:<id>``) and show the remaining ones."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    parts = query.data.split(":")
    notice = context.t._("This block does not exist any more.")
    if len(parts) == 3 and parts[1] == "r" and parts[2].isdigit():
        assert context.actor.caseworker_id is not None
        async with context.uow() as session:
            result = await remove_block(session, caseworker_id=context.actor.caseworker_id,
                                        block_id=int(parts[2]), now=context.now())
            if result.block is not None:
                audit(session, actor=context.actor, action="block:remove",
                      target=f"time_block:{parts[2]}")
                notice = context.t._("Block removed: %(span)s",
                                     span=_span(context.t, result.block))
    await show(update, *await _listing(context, notice))


def register(app: LotseApp) -> None:
    app.add_handler(command("block", block_time))
    app.add_handler(button("blk", block_button))

