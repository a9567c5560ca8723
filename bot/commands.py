"""Every Telegram command, who may use it and its menu text: one table for menus and guards."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.roles import CLIENTS, EVERYONE, STAFF, Role


@dataclass(frozen=True)
class CommandSpec:
    name: str
    roles: frozenset[Role]
    description: str  # msgid, translated for each menu language


COMMANDS: tuple[CommandSpec, ...] = (
    # Everyone, including people who have no invite yet.
    CommandSpec("start", EVERYONE, N_("Start and main menu")),
    CommandSpec("help", EVERYONE, N_("Help and emergency numbers")),
    CommandSpec("language", EVERYONE, N_("Change language")),
    CommandSpec("privacy", EVERYONE, N_("What we store about you")),
    # Caseworkers and admins.
    CommandSpec("invite", STAFF, N_("Invite a new client")),
    CommandSpec("cancel", STAFF, N_("Cancel the current step")),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}

# Inline buttons: the prefix of their callback data ("prefix:...") and who may press them.
BUTTONS: dict[str, frozenset[Role]] = {
    "pub": EVERYONE,  # public menu entries
    "pcm": EVERYONE,  # "please contact me": the municipality chosen
    "cl": EVERYONE,  # consent text in another language
    "cy": EVERYONE,  # consent given
    "cn": EVERYONE,  # consent declined
    "lang": EVERYONE,  # language chosen
    "invm": STAFF,  # /invite: municipality chosen
    "invl": STAFF,  # /invite: language chosen
}


def menu_for(role: Role) -> list[CommandSpec]:
    """The commands shown in the menu of someone with that role."""
    return [spec for spec in COMMANDS if role in spec.roles]


def staff_only() -> list[CommandSpec]:
    """Commands that clients and strangers must never be able to use."""
    return [spec for spec in COMMANDS if not spec.roles & (CLIENTS | {Role.STRANGER})]
