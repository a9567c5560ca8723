"""“I need help urgently”: one confirmation, then the caseworker is told at once."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.conversation.relay import urgent_request
from bot.i18n import Translator
from bot.texts import emergency_numbers
from handlers.context import LotseApp, LotseContext
from handlers.guard import button
from handlers.outbox.dispatch import deliver_now


def numbers_now(t: Translator) -> str:
    """The numbers to call now, with the real hours of each (the texts of /help)."""
    return emergency_numbers(t, t._("Call now if you are in danger:"))


async def urgent(update: Update, context: LotseContext) -> None:
    """urg:ask → confirmation; urg:yes → tell the caseworker; urg:no → nothing happens."""
    query = update.callback_query
    assert query is not None
    t, step = context.t, (query.data or "").split(":")[1]
    await query.answer()
    if step == "ask":
        await query.edit_message_text(
            t._("Do you need help urgently? Your integration manager will be told at once, "
                "also at night and at the weekend.") + "\n\n" + numbers_now(t),
            reply_markup=InlineKeyboardMarkup([
                [InlineKeyboardButton(t._("Yes, I need help urgently"),
                                      callback_data="urg:yes")],
                [InlineKeyboardButton(t._("No, back"), callback_data="urg:no")],
            ]))
        return
    if step != "yes" or context.actor.client_id is None:
        await query.edit_message_text(t._("All right. Nothing has been sent."))
        return
    async with context.uow() as session:
        keys = await urgent_request(session, client_id=context.actor.client_id,
                                    now=context.now())
    await deliver_now(context, keys)
    await query.edit_message_text(
        t._("Your integration manager (Integrationsmanager/in) has been told that you need "
            "help urgently and will contact you as soon as possible. You can write here what "
            "happened.") + "\n\n" + numbers_now(t))


def register(app: LotseApp) -> None:
    app.add_handler(button("urg", urgent))
