"""/help: what the bot can do for this person, and the emergency numbers, always."""

from __future__ import annotations

from telegram import Update

from bot.commands import menu_for
from bot.roles import Role
from bot.texts import command_list, emergency_numbers
from handlers.context import LotseApp, LotseContext
from handlers.guard import command
from handlers.keyboards import urgent_button


async def show_help(update: Update, context: LotseContext) -> None:
    """List the commands of the user's role and the emergency numbers."""
    t = context.t
    assert update.effective_message is not None
    # The emergency numbers first; a client can ask for urgent help with one button.
    await update.effective_message.reply_text(
        emergency_numbers(t)
        + "\n\n"
        + t._("What I can do for you:")
        + "\n"
        + command_list(t, menu_for(context.actor.role)),
        reply_markup=urgent_button(t) if context.actor.role is Role.CLIENT else None,
    )


def register(app: LotseApp) -> None:
    app.add_handler(command("help", show_help))
