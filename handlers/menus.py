"""Command menus and bot descriptions per language (setMyCommands / setMyDescription)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from telegram import Bot, BotCommand, BotCommandScopeChat, BotCommandScopeDefault
from telegram.error import TelegramError

from bot.commands import menu_for
from bot.i18n import FALLBACK_LANGUAGE, LANGUAGES, Translator
from bot.roles import Role

log = logging.getLogger(__name__)


def _commands(t: Translator, role: Role) -> list[BotCommand]:
    return [BotCommand(spec.name, t._(spec.description)) for spec in menu_for(role)]


async def set_public_menus(bot: Bot, timezone: ZoneInfo) -> None:
    """Client commands and the bot description in every language, plus a default."""
    for code in [*LANGUAGES, None]:
        t = Translator(code or FALLBACK_LANGUAGE, timezone)
        await bot.set_my_commands(
            _commands(t, Role.CLIENT), scope=BotCommandScopeDefault(), language_code=code
        )
        await bot.set_my_description(
            t._(
                "Lotse connects you with the integration management of Brackenheim and "
                "Cleebronn: appointments, reminders and help in your language. Open the "
                "invitation link from your integration manager, or press Start."
            ),
            language_code=code,
        )
        await bot.set_my_short_description(
            t._("Integration management Brackenheim and Cleebronn: help in your language."),
            language_code=code,
        )


async def set_staff_menu(bot: Bot, chat_id: int, role: Role, t: Translator) -> None:
    """The caseworker's (or admin's) own command menu, in their language, in their chat."""
    await bot.set_my_commands(_commands(t, role), scope=BotCommandScopeChat(chat_id))


async def set_staff_menus(
    bot: Bot, staff: Iterable[tuple[int, Role, str]], timezone: ZoneInfo
) -> None:
    """Menus for all linked staff; one chat that fails (blocked the bot) does not stop the rest."""
    for chat_id, role, language in staff:
        try:
            await set_staff_menu(bot, chat_id, role, Translator(language, timezone))
        except TelegramError as exc:
            log.warning("staff menu not set for one chat: %s", exc)

