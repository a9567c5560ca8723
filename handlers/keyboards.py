"""Inline keyboards shared by several handlers."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.config import Settings
from bot.i18n import LANGUAGES, Translator


def public_menu(t: Translator) -> InlineKeyboardMarkup:
    """What someone without an invite can do."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(t._("What is integration management?"),
                                  callback_data="pub:about")],
            [InlineKeyboardButton(t._("Office hours and places"), callback_data="pub:hours")],
            [InlineKeyboardButton(t._("Emergency numbers"), callback_data="pub:sos")],
            [InlineKeyboardButton(t._("Please contact me"), callback_data="pub:contact")],
            [InlineKeyboardButton("🌐 " + t._("Language"), callback_data="pub:language")],
        ]
    )


def urgent_button(t: Translator) -> InlineKeyboardMarkup:
    """“I need help urgently” (handlers/conversation/urgent.py asks once to confirm)."""
    return InlineKeyboardMarkup([[InlineKeyboardButton("🆘 " + t._("I need help urgently"),
                                                       callback_data="urg:ask")]])


def client_menu(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("🆘 " + t._("I need help urgently"), callback_data="urg:ask")],
            [InlineKeyboardButton(t._("Office hours and places"), callback_data="pub:hours")],
            [InlineKeyboardButton(t._("Emergency numbers"), callback_data="pub:sos")],
            [InlineKeyboardButton(t._("What we store about you"), callback_data="pub:privacy")],
            [InlineKeyboardButton("🌐 " + t._("Language"), callback_data="pub:language")],
        ]
    )


def language_picker(prefix: str, suffix: str = "") -> InlineKeyboardMarkup:
    """Each language under its own name, two per row."""
    buttons = [
        InlineKeyboardButton(lang.native_name, callback_data=f"{prefix}:{lang.code}{suffix}")
        for lang in LANGUAGES.values()
    ]
    return InlineKeyboardMarkup([buttons[i : i + 2] for i in range(0, len(buttons), 2)])


def municipality_picker(
    settings: Settings, prefix: str, keys: set[str] | None = None
) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(m.name, callback_data=f"{prefix}:{m.key}")]
            for m in settings.municipalities
            if keys is None or m.key in keys
        ]
    )
