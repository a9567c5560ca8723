"""Every Telegram command, who may use it and its menu text: one table for menus and guards."""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import N_
from bot.roles import ADMINS, CLIENTS, EVERYONE, STAFF, Role


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
    # Clients: consultation booking.
    CommandSpec("book", CLIENTS, N_("Book an appointment")),
    CommandSpec("appointments", CLIENTS, N_("My appointments")),
    # Clients: reminders (waste collection, school and Kita, settings).
    CommandSpec("waste", CLIENTS, N_("Waste collection and sorting")),
    CommandSpec("children", CLIENTS, N_("School and Kita: my children")),
    CommandSpec("reminders", CLIENTS, N_("Choose your reminders")),
    # Caseworkers and admins.
    CommandSpec("invite", STAFF, N_("Invite a new client")),
    CommandSpec("cancel", STAFF, N_("Cancel the current step")),
    # Caseworkers and admins: consultation booking.
    CommandSpec("today", STAFF, N_("Today's appointments")),
    CommandSpec("week", STAFF, N_("Appointments of the next 7 days")),
    CommandSpec("officehours", STAFF, N_("Office hours: list, add, remove")),
    CommandSpec("block", STAFF, N_("Block time without appointments")),
    CommandSpec("absent", STAFF, N_("Absence and substitute")),
    # Caseworkers and admins: reminders of external appointments.
    CommandSpec("remind", STAFF, N_("Remind a client of an appointment")),
    # Caseworkers (their towns) and admins (all): announcements to many clients.
    CommandSpec("broadcast", STAFF, N_("Send an announcement to clients")),
    # Casework: cases, contact time, integration plans (clients read their own), billing.
    CommandSpec("cases", STAFF, N_("My cases")),
    CommandSpec("case", STAFF, N_("Open a case: /case C-0042")),
    CommandSpec("log", STAFF, N_("Log contact time: /log C-0042 45")),
    CommandSpec("hours", STAFF, N_("My hours this week and month")),
    # Conversations with clients: waiting messages, an answer by case reference.
    CommandSpec("inbox", STAFF, N_("Messages waiting for an answer")),
    CommandSpec("reply", STAFF, N_("Answer a client: /reply C-0042 text")),
    CommandSpec("plan", CLIENTS | STAFF, N_("Integration plan")),
    CommandSpec("caseworker", ADMINS, N_("Caseworkers and their clients")),
    CommandSpec("report", ADMINS, N_("Quarterly billing report")),
    CommandSpec("close_quarter", ADMINS, N_("Close a quarter for billing")),
    CommandSpec("invoices", ADMINS, N_("Issued invoices of a town")),
)

BY_NAME = {spec.name: spec for spec in COMMANDS}

# Inline buttons: the prefix of their callback data ("prefix:...") and who may press them.
BUTTONS: dict[str, frozenset[Role]] = {
    "pub": EVERYONE,  # public menu entries
    "bc": STAFF,  # /broadcast: audience, texts, previews, confirmation (bc:<nonce>:…)
    "bcx": STAFF,  # stop a running broadcast (bcx:<broadcast id>)
    "pcm": EVERYONE,  # "please contact me": the municipality chosen
    "cl": EVERYONE,  # consent text in another language
    "cy": EVERYONE,  # consent given
    "cn": EVERYONE,  # consent declined
    "lang": EVERYONE,  # language chosen
    "invm": STAFF,  # /invite: municipality chosen
    "invl": STAFF,  # /invite: language chosen
    # Consultation booking (client): start, topic, day, slot, confirm; /appointments actions.
    "bkn": CLIENTS,
    "bkt": CLIENTS,
    "bkd": CLIENTS,
    "bks": CLIENTS,
    "bkc": CLIENTS,
    "bka": CLIENTS,
    # Consultation booking (staff): /today and /week actions, office hours, blocks, absences.
    "bkm": STAFF,
    "oh": STAFF,
    "blk": STAFF,
    "abs": STAFF,
    # Reminders (client): waste zone and sorting guide, /reminders settings, children
    # (add, remove, confirm the school's spelling of the name), "my child is sick" and its
    # expected duration.
    "wz": CLIENTS,
    "wg": CLIENTS,
    "rset": CLIENTS,
    "chadd": CLIENTS,
    "chdel": CLIENTS,
    "chlat": CLIENTS,
    "sick": CLIENTS,
    "sickd": CLIENTS,
    # Reminders (staff): /remind kind of appointment, save or cancel.
    "rmk": STAFF,
    "rmc": STAFF,
    # Casework: case list and card (cs), log time dialogue (lt), a /log for a closed quarter
    # booked as correction (lx), change an entry (le), correct a billed entry (lc), plan
    # (pl), add a goal (pa), change a goal (pg), type a goal's note (pn) or due date (pt).
    "cs": STAFF,
    "lt": STAFF,
    "lx": STAFF,
    "le": STAFF,
    "lc": STAFF,
    "pl": STAFF,
    "pa": STAFF,
    "pg": STAFF,
    "pn": STAFF,
    "pt": STAFF,
    # Conversations: quick reply (qr), done (cvd), show again (cvs), one-tap contact time
    # (ct) for staff; "I need help urgently" and its confirmation (urg) for clients.
    "qr": STAFF,
    "cvd": STAFF,
    "cvs": STAFF,
    "ct": STAFF,
    "urg": CLIENTS,
    # Privacy (client): send me my data (pv:x), delete my data, asked twice (pv:d, pv:D).
    "pv": CLIENTS,
    # Staff: erase a client's data from the case card, asked twice (er:<id>, er:<id>:y).
    "er": STAFF,
    # Admins: pages of the list (cw:p), towns (cw:t, cw:m), hand a leaving caseworker's
    # clients to a colleague (cw:d, cw:r, cw:y).
    "cw": ADMINS,
    # Billing (admin): confirm closing a quarter; an issued invoice's documents again.
    "cq": ADMINS,
    "inv": ADMINS,
}


def menu_for(role: Role) -> list[CommandSpec]:
    """The commands shown in the menu of someone with that role."""
    return [spec for spec in COMMANDS if role in spec.roles]


def staff_only() -> list[CommandSpec]:
    """Commands that clients and strangers must never be able to use."""
    return [spec for spec in COMMANDS if not spec.roles & (CLIENTS | {Role.STRANGER})]
