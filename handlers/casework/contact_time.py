"""/log, the "log time" buttons of the case card, and /hours.

Callback data: "lt:<target>[:<minutes>[:<kind>[:<yyyymmdd>]]]" walks through the dialogue
(target c<client id> or m<municipality id>); "lx:<token>" books a refused /log for a closed
quarter as a correction. The key of the Telegram message is stored with the entry, so a
redelivered update or a second tap on the same dialogue never bills twice.
"""

from __future__ import annotations

import secrets
from typing import Any

from babel.dates import format_skeleton
from telegram import InlineKeyboardButton, Message, Update

from bot.casework.contact_time import (
    MUNICIPALITY_KINDS,
    Target,
    log_time,
    quarter_label,
    resolve_target,
    target_by_id,
)
from bot.casework.hours import Period, hours_summary
from bot.parsing import parse_log
from bot.quarters import Quarter, local_date
from bot.refusal import QuarterClosed, Refused
from handlers.casework.casework_ui import (
    KINDS_BY_CODE,
    MINUTE_PRESETS,
    answer_stale,
    casework_uow,
    day_buttons,
    duration,
    keyboard,
    kind_buttons,
    kind_label,
    minute_buttons,
    parse_day,
    refusal,
)
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import ContactEntry, ContactKind

LATE = "late_logs"  # refused /log commands that may be booked as corrections


def _recorded(context: LotseContext, entry: ContactEntry, target: Target) -> str:
    t = context.t
    return t._("✅ Recorded: %(duration)s %(kind)s for %(target)s on %(date)s.",
               duration=duration(t, entry.minutes), kind=kind_label(t, entry.kind),
               target=target.label, date=entry.entry_date)


def _entry_buttons(context: LotseContext, entry: ContactEntry) -> Any:
    t = context.t
    rows = [[InlineKeyboardButton("✏️ " + t._("Change or delete"),
                                  callback_data=f"le:{entry.id}")]]
    if entry.client_id:
        rows[0].append(InlineKeyboardButton("📁 " + t._("Open case"),
                                            callback_data=f"cs:o:{entry.client_id}"))
    return keyboard(rows)


async def log_command(update: Update, context: LotseContext) -> None:
    """Record contact time typed as /log <case> <minutes> [kind] [date] [note]."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t = context.t
    now, timezone = context.now(), context.settings.timezone
    key = f"m{message.chat_id}:{message.message_id}"
    arguments = message.text.split(maxsplit=1)[1] if len(message.text.split()) > 1 else ""
    try:
        request = parse_log(arguments, today=local_date(now, timezone))
        async with casework_uow(context) as session:
            target = await resolve_target(session, actor=context.actor, text=request.target)
            ids = (target.client.id if target.client else None, target.municipality.id)
            entry, created = await log_time(
                session, actor=context.actor, target=target, minutes=request.minutes,
                kind=request.kind, day=request.day, note=request.note, telegram_key=key,
                now=now, timezone=timezone, configs=context.settings.municipalities)
    except QuarterClosed as exc:
        token = secrets.token_hex(4)
        late: dict[str, Any] = context.user_data.setdefault(LATE, {})  # type: ignore[union-attr]
        late[token] = {"client": ids[0], "municipality": ids[1], "minutes": request.minutes,
                       "kind": request.kind, "day": request.day, "note": request.note,
                       "key": key}
        current = Quarter.of(local_date(now, timezone))
        await message.reply_text(refusal(t, exc), reply_markup=keyboard([[InlineKeyboardButton(
            t._("Book as correction in %(quarter)s", quarter=quarter_label(current)),
            callback_data=f"lx:{token}")]]))
        return
    except Refused as exc:
        await message.reply_text(refusal(t, exc))
        return
    text = _recorded(context, entry, target) if created else t._(
        "This message was already recorded (entry no. %(number)s); nothing was added.",
        number=str(entry.id))
    await message.reply_text(text, reply_markup=_entry_buttons(context, entry))


async def book_late(update: Update, context: LotseContext) -> None:
    """Book a /log that fell into a closed quarter as a correction in the current one."""
    query = update.callback_query
    assert query is not None and query.data is not None
    drafts: dict[str, Any] = (context.user_data or {}).get(LATE, {})
    draft = drafts.get(query.data.removeprefix("lx:"))
    if draft is None:
        await query.answer(context.t._("This button is no longer valid. Please send the /log "
                                       "command again."), show_alert=True)
        return
    await query.answer()
    await _save(update, context, draft["client"], draft["municipality"], draft["minutes"],
                draft["kind"], draft["day"], note=draft["note"], key=draft["key"],
                as_correction=True)
    drafts.pop(query.data.removeprefix("lx:"), None)


async def _save(update: Update, context: LotseContext, client_id: int | None,
                municipality_id: int | None, minutes: int, kind: ContactKind | None,
                day: Any, *, note: str | None, key: str, as_correction: bool = False) -> None:
    query, t = update.callback_query, context.t
    assert query is not None
    try:
        async with casework_uow(context) as session:
            target = await target_by_id(session, actor=context.actor, client_id=client_id,
                                        municipality_id=municipality_id)
            entry, created = await log_time(
                session, actor=context.actor, target=target, minutes=minutes, kind=kind,
                day=day, note=note, telegram_key=key, now=context.now(),
                timezone=context.settings.timezone, configs=context.settings.municipalities,
                as_correction=as_correction)
    except Refused as exc:
        await query.edit_message_text(refusal(t, exc))
        return
    text = _recorded(context, entry, target)
    if entry.is_correction:
        text += "\n" + t._("Booked as a correction into %(quarter)s.", quarter=entry.quarter)
    if not created:
        text = t._("This was already recorded (entry no. %(number)s); nothing was added.",
                   number=str(entry.id))
    await query.edit_message_text(text, reply_markup=_entry_buttons(context, entry))


async def log_button(update: Update, context: LotseContext) -> None:
    """Walk through minutes, kind and day; store on the last tap."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None and update.effective_message
    parts = query.data.split(":")[1:]
    target_code = parts[0] if parts else ""
    if target_code == "x":
        await query.answer()
        await query.edit_message_text(t._("Cancelled. Nothing was stored."))
        return
    if len(target_code) < 2 or target_code[0] not in "cm" or not target_code[1:].isdigit():
        await answer_stale(update, t)
        return
    ident = int(target_code[1:])
    client_id, municipality_id = (ident, None) if target_code[0] == "c" else (None, ident)
    minutes = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
    kind = KINDS_BY_CODE.get(parts[2]) if len(parts) > 2 else None
    day = parse_day(parts[3]) if len(parts) > 3 else None
    if (len(parts) > 1 and minutes is None) or (len(parts) > 2 and kind is None) or (
            len(parts) > 3 and day is None):
        await answer_stale(update, t)
        return
    if day is not None:
        await query.answer()
        message = update.effective_message
        await _save(update, context, client_id, municipality_id, minutes or 0, kind, day,
                    note=None, key=f"b{message.chat_id}:{message.message_id}")
        return
    try:
        async with casework_uow(context) as session:
            target = await target_by_id(session, actor=context.actor, client_id=client_id,
                                        municipality_id=municipality_id)
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    cancel = [InlineKeyboardButton(t._("Cancel"), callback_data="lt:x")]
    prefix = query.data
    if minutes is None:
        await _ask(update, context, t._("How many minutes for %(target)s?", target=target.label),
                   [*minute_buttons(prefix, MINUTE_PRESETS), cancel], new=True)
    elif kind is None:
        kinds = list(ContactKind) if target.client else list(MUNICIPALITY_KINDS)
        await _ask(update, context, t._("%(duration)s for %(target)s. What kind of contact?",
                                        duration=duration(t, minutes), target=target.label),
                   [*kind_buttons(t, prefix, kinds), cancel])
    else:
        today = local_date(context.now(), context.settings.timezone)
        await _ask(update, context, t._("%(duration)s %(kind)s for %(target)s. On which day?",
                                        duration=duration(t, minutes), kind=kind_label(t, kind),
                                        target=target.label),
                   [*day_buttons(t, today, prefix), cancel])


async def _ask(update: Update, context: LotseContext, text: str, rows: list[Any],
               new: bool = False) -> None:
    """The first step opens a new message (the card stays); later steps edit it."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and isinstance(message, Message)
    if new:
        await message.reply_text(text, reply_markup=keyboard(rows))
    else:
        await query.edit_message_text(text, reply_markup=keyboard(rows))


def _period_lines(context: LotseContext, title: str, period: Period) -> list[str]:
    t = context.t
    lines = [title]
    for line in period.lines:
        if line.committed is None:
            lines.append(t._("• %(municipality)s: %(mine)s by you", municipality=line.municipality,
                             mine=duration(t, line.mine)))
        else:
            lines.append(t._("• %(municipality)s: %(team)s recorded of %(committed)s h committed "
                             "(you: %(mine)s)", municipality=line.municipality,
                             team=duration(t, line.team), committed=line.committed,
                             mine=duration(t, line.mine)))
    return lines


async def show_hours(update: Update, context: LotseContext) -> None:
    """My recorded time this week and this month, against the committed hours."""
    message, t = update.effective_message, context.t
    assert message is not None
    today = local_date(context.now(), context.settings.timezone)
    async with casework_uow(context) as session:
        summary = await hours_summary(session, actor=context.actor, today=today,
                                      configs=context.settings.municipalities)
    week, month = summary.week, summary.month
    lines = _period_lines(context, t._(
        "This week (%(first)s – %(last)s): %(duration)s by you",
        first=t.fmt_date(week.first, with_weekday=False),
        last=t.fmt_date(week.last, with_weekday=False), duration=duration(t, week.mine)), week)
    lines.append("")
    lines += _period_lines(context, t._(
        "This month (%(month)s): %(duration)s by you",
        month=str(format_skeleton("yMMMM", month.first, locale=t.locale)),
        duration=duration(t, month.mine)), month)
    rows = [[InlineKeyboardButton("👥 " + t._("Log a group event: %(municipality)s",
                                             municipality=line.municipality),
                                  callback_data=f"lt:m{line.municipality_id}")]
            for line in month.lines]
    rows.append([InlineKeyboardButton("🧾 " + t._("My latest entries"), callback_data="le:l:0")])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


def register(app: LotseApp) -> None:
    app.add_handler(command("log", log_command))
    app.add_handler(command("hours", show_hours))
    app.add_handler(button("lt", log_button))
    app.add_handler(button("lx", book_late))
