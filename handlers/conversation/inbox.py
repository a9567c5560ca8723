"""/inbox: conversations waiting for an answer, oldest first; show again or mark done."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.conversation.inbox import InboxItem, inbox, show_again
from bot.conversation.texts import CONTENT_ICONS, language_name
from bot.i18n import Translator, user_text
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from handlers.outbox.dispatch import deliver_now


def waiting(t: Translator, since: datetime, now: datetime) -> str:
    minutes = max(int((now - since).total_seconds() // 60), 0)
    if minutes < 60:
        return t.ngettext("%(n)s minute", "%(n)s minutes", minutes)
    hours = minutes // 60
    if hours < 48:
        return t.ngettext("%(n)s hour", "%(n)s hours", hours)
    return t.ngettext("%(n)s day", "%(n)s days", hours // 24)


def line(t: Translator, item: InboxItem, now: datetime) -> str:
    icon = CONTENT_ICONS.get(item.content, "💬")
    words = f" “{user_text(item.first_words)}”" if item.first_words else ""
    urgent = "🆘 " if item.urgent else ""
    return t._("%(urgent)s%(reference)s · %(language)s · waiting %(waiting)s · %(icon)s%(words)s",
               urgent=urgent, reference=item.reference, language=language_name(item.language),
               waiting=waiting(t, item.waiting_since, now), icon=icon, words=words)


async def show_inbox(update: Update, context: LotseContext) -> None:
    message = update.effective_message
    assert message is not None
    t, now = context.t, context.now()
    async with context.uow() as session:
        items = await inbox(session, actor=context.actor, now=now)
    if not items:
        await message.reply_text(t._("No conversation is waiting for an answer."))
        return
    text = "\n".join([t._("Waiting for an answer (oldest first):")]
                     + [line(t, item, now) for item in items])
    keyboard = InlineKeyboardMarkup([
        [InlineKeyboardButton(t._("Show %(reference)s", reference=item.reference),
                              callback_data=f"cvs:{item.conversation_id}"),
         InlineKeyboardButton(t._("✓ %(reference)s done", reference=item.reference),
                              callback_data=f"cvd:{item.conversation_id}")]
        for item in items
    ])
    await message.reply_text(text, reply_markup=keyboard)


async def show_conversation(update: Update, context: LotseContext) -> None:
    """cvs:<conversation>: relay its messages to this caseworker again, to answer them."""
    query = update.callback_query
    assert query is not None
    async with context.uow() as session:
        keys = await show_again(session, actor=context.actor,
                                conversation_id=int((query.data or "").split(":")[1]),
                                now=context.now())
    if not keys:
        await query.answer(context.t._("This conversation has been answered already."),
                           show_alert=True)
        return
    await query.answer()
    await deliver_now(context, keys)


def register(app: LotseApp) -> None:
    app.add_handler(command("inbox", show_inbox))
    app.add_handler(button("cvs", show_conversation))
