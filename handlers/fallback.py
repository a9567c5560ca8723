"""Last handlers: unknown commands, buttons from old messages, text nobody asked for."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, MessageHandler, filters

from bot.audit import audit
from bot.commands import BY_NAME
from bot.roles import Role
from handlers.context import LotseApp, LotseContext


async def unknown_command(update: Update, context: LotseContext) -> None:
    """Commands that do not exist look exactly like refused ones."""
    message = update.effective_message
    assert message is not None
    name = (message.text or "").split()[0].lstrip("/").split("@")[0].lower()
    # A known command that no handler took (e.g. /cancel with nothing to stop) is no refusal.
    if name not in BY_NAME:
        async with context.uow() as session:
            audit(session, actor=context.actor, action="command:unknown", allowed=False)
    await message.reply_text(
        context.t._("Sorry, I don't know this command. /help shows what I can do.")
    )


async def stale_button(update: Update, context: LotseContext) -> None:
    """A button from an old message, or one whose step has passed."""
    query = update.callback_query
    assert query is not None
    await query.answer(
        context.t._("This button is no longer valid. Please start again with /start."),
        show_alert=True,
    )


async def other_message(update: Update, context: LotseContext) -> None:
    """Free text, photos and the like that no feature expects."""
    message = update.effective_message
    assert message is not None
    t = context.t
    if context.actor.role is Role.STRANGER:
        await message.reply_text(
            t._("I can only answer through the menu. Press /start to see it.")
        )
    else:
        await message.reply_text(t._("I did not understand that. /help shows what I can do."))


def register(app: LotseApp) -> None:
    app.add_handler(MessageHandler(filters.COMMAND, unknown_command))
    app.add_handler(CallbackQueryHandler(stale_button))
    app.add_handler(MessageHandler(filters.ALL, other_message))
