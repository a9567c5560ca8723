"""/language: choose the language of every message, at any time."""

from __future__ import annotations

from telegram import Update

from bot.audit import audit
from bot.i18n import LANGUAGES
from bot.roles import Role
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from handlers.keyboards import language_picker
from handlers.menus import set_staff_menu
from handlers.middleware import CACHED_LANGUAGE, CHOSEN_LANGUAGE
from models import Caseworker, Client


async def ask_language(update: Update, context: LotseContext) -> None:
    """Offer every language under its own name."""
    assert update.effective_message is not None
    await update.effective_message.reply_text(
        context.t._("Choose your language:"), reply_markup=language_picker("lang")
    )


async def set_language(update: Update, context: LotseContext) -> None:
    """Store the choice (in memory only for strangers) and confirm in the new language."""
    query = update.callback_query
    assert query is not None and query.data is not None
    code = query.data.removeprefix("lang:")
    if code not in LANGUAGES:
        await query.answer()
        await query.edit_message_text(
            context.t._("This button is no longer valid. Please start again with /start.")
        )
        return
    actor = context.actor
    async with context.uow() as session:
        if actor.client_id is not None:
            client = await session.get(Client, actor.client_id)
            assert client is not None
            client.language = code
        elif actor.caseworker_id is not None:
            caseworker = await session.get(Caseworker, actor.caseworker_id)
            assert caseworker is not None
            caseworker.language = code
        if actor.role is not Role.STRANGER:
            audit(session, actor=actor, action="language:set", detail=code)
    if context.user_data is not None:
        if actor.role is Role.STRANGER:
            context.user_data[CHOSEN_LANGUAGE] = code
        context.user_data[CACHED_LANGUAGE] = code
    t = context.translator(code)
    await query.answer()
    await query.edit_message_text(
        t._("Language changed to %(language)s.", language=LANGUAGES[code].native_name)
    )
    if actor.is_staff and actor.telegram_id is not None:
        await set_staff_menu(context.bot, actor.telegram_id, actor.role, t)


def register(app: LotseApp) -> None:
    app.add_handler(command("language", ask_language))
    app.add_handler(button("lang", set_language))
