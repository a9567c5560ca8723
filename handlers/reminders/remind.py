"""/remind <ref>: a caseworker enters an external appointment for a client, step by step:
date, time, place (German name and address), kind; then the client is told and reminded.

Nothing is stored before the caseworker confirms; bad input is answered and asked again.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.audit import audit
from bot.i18n import user_text
from bot.reminders import appointments as ext
from bot.text_limits import length_hint
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import AppointmentKind, Client

DATE, TIME, PLACE, KIND, DESCRIPTION, CONFIRM = range(6)
DRAFT = "remind_draft"
END = ConversationHandler.END


async def begin_remind(update: Update, context: LotseContext) -> int:
    """Check the case reference, then ask for the date."""
    message = update.effective_message
    assert message is not None
    t = context.t
    if not context.args:
        await message.reply_text(t._("Please add the case reference, for example: "
                                     "/remind C-0042"))
        return END
    reference = context.args[0][:20]
    async with context.uow() as session:
        found = await ext.find_client(session, actor=context.actor, reference=reference)
        client = found.client
        audit(session, actor=context.actor, action="case:remind",
              target=f"client:{client.reference}" if client else None,
              allowed=client is not None,
              detail="municipality" if found.foreign else None if client else "unknown")
    if client is None:
        await message.reply_text(t._("I find no client with the case reference %(reference)s "
                                     "in your towns.", reference=reference))
        return END
    if not ext.reachable(client):
        await message.reply_text(t._("%(name)s (%(reference)s) has not joined Lotse yet, so "
                                     "I cannot send reminders.",
                                     name=user_text(client.display_name),
                                     reference=client.reference))
        return END
    assert context.user_data is not None
    context.user_data[DRAFT] = {"client_id": client.id, "name": client.display_name,
                                "reference": client.reference}
    await message.reply_text(t._(
        "Appointment for %(name)s (%(reference)s). On which date? Please send it as "
        "DD.MM.YYYY, for example %(example)s. (/cancel stops)", name=user_text(client.display_name),
        reference=client.reference, example=_example_date(context)))
    return DATE


async def receive_date(update: Update, context: LotseContext) -> int:
    """Take the date (today or later), then ask for the time."""
    def take(text: str, draft: dict[str, Any]) -> None:
        draft["day"] = ext.parse_day(text, today=_local_now(context).date()).isoformat()

    if not await _take(update, context, take):
        return DATE
    await _reply(update, context.t._("At what time? Please send it as HH:MM, for example 09:30."))
    return TIME


async def receive_time(update: Update, context: LotseContext) -> int:
    """Take the time (not past, not skipped by the clock change), then ask for the place."""
    def take(text: str, draft: dict[str, Any]) -> None:
        draft["starts_at"] = ext.appointment_moment(
            date.fromisoformat(draft["day"]), ext.parse_time_of_day(text),
            timezone=context.settings.timezone, now=context.now()).isoformat()

    if not await _take(update, context, take):
        return TIME
    await _reply(update, context.t._(
        "Where? Please send the name of the place in German, as on the sign, on the first "
        "line and the address on the second line, for example:\n"
        "Landratsamt Heilbronn – Ausländerbehörde\nLerchenstraße 40, 74072 Heilbronn"))
    return PLACE


async def receive_place(update: Update, context: LotseContext) -> int:
    """Take the place, then offer the kinds of appointment."""
    def take(text: str, draft: dict[str, Any]) -> None:
        draft["place"] = list(ext.parse_place(text))

    if not await _take(update, context, take):
        return PLACE
    t = context.t
    buttons = [InlineKeyboardButton(t._(label), callback_data=f"rmk:{kind.value}")
               for kind, label in ext.KIND_LABELS.items()]
    await _reply(update, t._("What kind of appointment is it?"), InlineKeyboardMarkup(
        [buttons[i : i + 2] for i in range(0, len(buttons), 2)]))
    return KIND


async def choose_kind(update: Update, context: LotseContext) -> int:
    """Take the kind; "other" asks for a few words."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None
    await query.answer()
    value = query.data.removeprefix("rmk:")
    if value not in {k.value for k in AppointmentKind}:
        return KIND
    _draft(context)["kind"] = value
    if value == AppointmentKind.OTHER:
        await query.edit_message_text(t._(
            "Please describe it in a few neutral words (at most 80 characters). No health "
            "details: the text is sent by Telegram."))
        return DESCRIPTION
    await _ask_confirmation(update, context)
    return CONFIRM


async def receive_description(update: Update, context: LotseContext) -> int:
    """Take the few words of an "other" appointment, then ask to confirm."""
    def take(text: str, draft: dict[str, Any]) -> None:
        draft["description"] = ext.clean_description(text)

    if not await _take(update, context, take):
        return DESCRIPTION
    await _ask_confirmation(update, context)
    return CONFIRM


async def _take(update: Update, context: LotseContext,
                take: Callable[[str, dict[str, Any]], None]) -> bool:
    """Parse the text into the draft; on bad input say why (the step is asked again)."""
    message = update.effective_message
    assert message is not None and message.text is not None
    try:
        take(message.text, _draft(context))
    except ext.BadInput as problem:
        text = ext.problem_text(context.t, problem.code, example=_example_date(context))
        if problem.length is not None:
            text += "\n\n" + length_hint(context.t, problem.length)
        await message.reply_text(text)
        return False
    return True


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    assert update.effective_message is not None
    await update.effective_message.reply_text(text, reply_markup=markup)


async def _ask_confirmation(update: Update, context: LotseContext) -> None:
    t, draft = context.t, _draft(context)
    starts = datetime.fromisoformat(draft["starts_at"])
    text = "\n".join([
        t._("Please check the appointment for %(name)s (%(reference)s):",
            name=user_text(draft["name"]), reference=draft["reference"]),
        "",
        t._("When: %(date)s, %(time)s", date=t.fmt_date(starts), time=t.fmt_time(starts)),
        *ext.details(t, {"kind": draft["kind"], "description": draft.get("description"),
                         "place": draft["place"][0], "address": draft["place"][1]},
                     for_staff=True),
        "",
        t._("%(name)s gets a message now, and reminders the evening before and two hours "
            "before, in their language.", name=user_text(draft["name"])),
    ])
    assert update.effective_chat is not None
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=(
        InlineKeyboardMarkup([[
            InlineKeyboardButton(t._("✅ Save"), callback_data="rmc:save"),
            InlineKeyboardButton(t._("Cancel"), callback_data="rmc:cancel")]])))


async def confirm(update: Update, context: LotseContext) -> int:
    """Save the appointment, tell the client and plan the reminders."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None
    await query.answer()
    if query.data != "rmc:save":
        return await cancel(update, context)
    draft = _draft(context)
    async with context.uow() as session:
        client = await session.get(Client, draft["client_id"])
        if client is None or not context.actor.may_touch(client.municipality_id) \
                or not ext.reachable(client):
            await query.edit_message_text(t._("This client can no longer be reminded. Nothing "
                                              "was stored."))
            return _end(context)
        _, planned = await ext.create_appointment(
            session, client=client, caseworker_id=context.actor.caseworker_id,
            starts_at=datetime.fromisoformat(draft["starts_at"]),
            kind=AppointmentKind(draft["kind"]), description=draft.get("description"),
            place=(draft["place"][0], draft["place"][1]), now=context.now(),
            timezone=context.settings.timezone)
        audit(session, actor=context.actor, action="case:remind:add",
              target=f"client:{client.reference}")
    lines = [t._("Saved. %(name)s (%(reference)s) has been told.", name=user_text(draft["name"]),
                 reference=draft["reference"])]
    if planned:
        lines.append(t._("Reminders: %(times)s", times=", ".join(
            f"{t.fmt_date(due)} {t.fmt_time(due)}" for due in planned)))
    else:
        lines.append(t._("No reminders will be sent: the time for them has passed, or the "
                         "client has switched appointment reminders off."))
    await query.edit_message_text("\n".join(lines))
    return _end(context)


async def cancel(update: Update, context: LotseContext) -> int:
    """Stop; nothing is stored."""
    text = context.t._("Cancelled. Nothing was stored.")
    if update.callback_query is not None:
        await update.callback_query.edit_message_text(text)
    elif update.effective_message is not None:
        await update.effective_message.reply_text(text)
    return _end(context)


def _local_now(context: LotseContext) -> datetime:
    return context.now().astimezone(context.settings.timezone)


def _example_date(context: LotseContext) -> str:
    return (_local_now(context).date() + timedelta(days=7)).strftime("%d.%m.%Y")


def _draft(context: LotseContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def _end(context: LotseContext) -> int:
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    return END


def register(app: LotseApp) -> None:
    text = filters.TEXT & ~filters.COMMAND
    # Buttons are tracked per user and chat, not per message: the warning about it is moot.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        app.add_handler(ConversationHandler(
            entry_points=[command("remind", begin_remind)],
            states={
                DATE: [MessageHandler(text, receive_date)],
                TIME: [MessageHandler(text, receive_time)],
                PLACE: [MessageHandler(text, receive_place)],
                KIND: [button("rmk", choose_kind)],
                DESCRIPTION: [MessageHandler(text, receive_description)],
                CONFIRM: [button("rmc", confirm)],
            },
            fallbacks=[command("cancel", cancel)],
            conversation_timeout=15 * 60,
            allow_reentry=True,
            per_message=False,
        ))

