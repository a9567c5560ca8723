"""Change or delete one's own entries by buttons; corrections for closed quarters.

Callback data: "le:<id>" shows an entry; "le:<id>:m|k|d[:value]" changes minutes, kind or
day; "le:<id>:x" asks, "le:<id>:xx" deletes; "le:l:<offset>" lists my latest entries;
"lc:<id>[:<minutes>]" books a correction for an entry of a closed quarter.
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update

from bot.casework.contact_time import MUNICIPALITY_KINDS, quarter_label
from bot.casework.entries import (
    billed_minutes,
    book_correction,
    change_entry,
    delete_entry,
    load_entry,
    recent_entries,
)
from bot.i18n import user_text
from bot.quarters import Quarter, local_date
from bot.refusal import QuarterClosed, Refused
from handlers.casework.casework_ui import (
    KINDS_BY_CODE,
    answer_stale,
    casework_uow,
    day_buttons,
    duration,
    entry_line,
    keyboard,
    kind_buttons,
    minute_buttons,
    parse_day,
    refusal,
)
from handlers.context import LotseApp, LotseContext
from handlers.guard import button
from models import ContactEntry, ContactKind

PAGE = 8


def _entry_text(context: LotseContext, entry: ContactEntry) -> str:
    t = context.t
    text = t._("Entry no. %(number)s: %(line)s", number=str(entry.id),
               line=entry_line(t, entry))
    if entry.note:
        text += "\n" + t._("Note: %(note)s", note=user_text(entry.note))
    return text


def _edit_rows(context: LotseContext, entry: ContactEntry) -> list[list[Any]]:
    t, e = context.t, entry.id
    return [
        [InlineKeyboardButton(t._("Minutes"), callback_data=f"le:{e}:m"),
         InlineKeyboardButton(t._("Kind"), callback_data=f"le:{e}:k"),
         InlineKeyboardButton(t._("Date"), callback_data=f"le:{e}:d")],
        [InlineKeyboardButton("🗑 " + t._("Delete"), callback_data=f"le:{e}:x"),
         InlineKeyboardButton("✓ " + t._("Done"), callback_data=f"le:{e}:ok")],
    ]


def _minute_choices(current: int) -> list[int]:
    relative = [current + d for d in (-15, -5, 5, 15) if 1 <= current + d <= 600]
    return sorted({*relative, 15, 30, 45, 60, 90, 120} - {current})


async def entry_button(update: Update, context: LotseContext) -> None:
    """Show an entry with its change buttons, or apply the change that was chosen."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None
    parts = query.data.split(":")[1:]
    if parts[:1] == ["l"] and len(parts) == 2 and parts[1].isdigit():
        await query.answer()
        await _my_entries(update, context, int(parts[1]))
        return
    if not parts or not parts[0].isdigit():
        await answer_stale(update, t)
        return
    padded = [*parts, "", ""]
    entry_id, step, value = int(parts[0]), padded[1], padded[2]
    now, timezone = context.now(), context.settings.timezone
    changes: dict[str, Any] = {}
    if step == "m" and value:
        changes["minutes"] = int(value) if value.isdigit() else -1
    elif step == "k" and value:
        changes["kind"] = KINDS_BY_CODE.get(value)
    elif step == "d" and value:
        changes["day"] = parse_day(value)
    if any(v is None or v == -1 for v in changes.values()):
        await answer_stale(update, t)
        return
    try:
        async with casework_uow(context) as session:
            if step == "xx":
                await delete_entry(session, actor=context.actor, entry_id=entry_id, now=now,
                                   timezone=timezone)
            elif changes:
                await change_entry(session, actor=context.actor, entry_id=entry_id, now=now,
                                   timezone=timezone, configs=context.settings.municipalities,
                                   **changes)
            entry = await load_entry(session, actor=context.actor, entry_id=entry_id) if (
                step != "xx") else None
    except QuarterClosed as exc:
        await query.answer()
        await query.edit_message_text(refusal(t, exc), reply_markup=keyboard([[
            InlineKeyboardButton(t._("Book correction"), callback_data=f"lc:{entry_id}")]]))
        return
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    if entry is None:
        await query.edit_message_text(t._("Entry no. %(number)s was deleted.",
                                          number=str(entry_id)))
    elif step == "ok":
        await query.edit_message_text(_entry_text(context, entry))
    elif step == "m" and not value:
        await query.edit_message_text(
            _entry_text(context, entry) + "\n\n" + t._("How many minutes are right?"),
            reply_markup=keyboard(minute_buttons(f"le:{entry_id}:m",
                                                 _minute_choices(entry.minutes))))
    elif step == "k" and not value:
        kinds = list(ContactKind) if entry.case_reference else list(MUNICIPALITY_KINDS)
        await query.edit_message_text(
            _entry_text(context, entry) + "\n\n" + t._("Which kind of contact?"),
            reply_markup=keyboard(kind_buttons(t, f"le:{entry_id}:k", kinds)))
    elif step == "d" and not value:
        today = local_date(now, timezone)
        await query.edit_message_text(
            _entry_text(context, entry) + "\n\n" + t._("On which day?"),
            reply_markup=keyboard(day_buttons(t, today, f"le:{entry_id}:d")))
    elif step == "x":
        await query.edit_message_text(
            _entry_text(context, entry) + "\n\n" + t._("Delete this entry?"),
            reply_markup=keyboard([[
                InlineKeyboardButton(t._("Yes, delete"), callback_data=f"le:{entry_id}:xx"),
                InlineKeyboardButton(t._("No"), callback_data=f"le:{entry_id}:v")]]))
    else:
        saved = "\n" + t._("Saved.") if changes else ""
        await _show(update, context, entry, saved, new=not step and not changes)


async def _show(update: Update, context: LotseContext, entry: ContactEntry, suffix: str,
                new: bool) -> None:
    query, message = update.callback_query, update.effective_message
    assert query is not None and message is not None
    text, markup = _entry_text(context, entry) + suffix, keyboard(_edit_rows(context, entry))
    if new:  # opened from a list or a confirmation: keep that message as it is
        await message.reply_text(text, reply_markup=markup)
    else:
        await query.edit_message_text(text, reply_markup=markup)


async def _my_entries(update: Update, context: LotseContext, offset: int) -> None:
    t, message = context.t, update.effective_message
    assert message is not None
    async with casework_uow(context) as session:
        entries, total = await recent_entries(session, actor=context.actor, limit=PAGE,
                                              offset=offset)
    lines = [t._("Your entries %(first)s–%(last)s of %(total)s:", first=min(offset + 1, total),
                 last=offset + len(entries), total=total)]
    lines += [entry_line(t, entry) for entry in entries] or [t._("No entries yet.")]
    rows = [[InlineKeyboardButton("✏️ " + entry_line(t, e)[:55], callback_data=f"le:{e.id}")]
            for e in entries if not e.is_correction]
    if offset + PAGE < total:
        rows.append([InlineKeyboardButton(t._("Older entries"),
                                          callback_data=f"le:l:{offset + PAGE}")])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


async def correction_button(update: Update, context: LotseContext) -> None:
    """Ask for the right minutes of a billed entry, then book the difference."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None and update.effective_message
    parts = query.data.split(":")[1:]
    if not parts or not parts[0].isdigit() or (len(parts) > 1 and not parts[1].isdigit()):
        await answer_stale(update, t)
        return
    entry_id, now, timezone = int(parts[0]), context.now(), context.settings.timezone
    current = Quarter.of(local_date(now, timezone))
    message = update.effective_message
    try:
        async with casework_uow(context) as session:
            if len(parts) == 1:
                entry = await load_entry(session, actor=context.actor, entry_id=entry_id)
                billed = await billed_minutes(session, entry)
            else:
                correction, created = await book_correction(
                    session, actor=context.actor, entry_id=entry_id,
                    corrected_minutes=int(parts[1]), now=now, timezone=timezone,
                    telegram_key=f"b{message.chat_id}:{message.message_id}")
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    if len(parts) == 1:
        choices = [0, *_minute_choices(billed)]
        await query.edit_message_text(
            _entry_text(context, entry) + "\n\n" + t._(
                "Billed so far: %(duration)s. How many minutes are right? The difference is "
                "booked as a correction into %(quarter)s (0 removes the entry's time).",
                duration=duration(t, billed), quarter=quarter_label(current)),
            reply_markup=keyboard(minute_buttons(f"lc:{entry_id}", choices)))
        return
    text = t._("Correction booked: %(duration)s into %(quarter)s for entry no. %(number)s.",
               duration=duration(t, correction.minutes), quarter=correction.quarter,
               number=str(entry_id))
    if not created:
        text = t._("This was already recorded (entry no. %(number)s); nothing was added.",
                   number=str(correction.id))
    await query.edit_message_text(text)


def register(app: LotseApp) -> None:
    app.add_handler(button("le", entry_button))
    app.add_handler(button("lc", correction_button))
