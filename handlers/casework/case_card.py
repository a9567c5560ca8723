"""The case card: status, language, town, care, contact time, integration plan, buttons.

``card_text`` renders it section by section: to show more (bookings, reminders), add a
function to ``CARD_SECTIONS`` and the data it needs to ``bot.casework.cases.CaseCard``.
"""

from __future__ import annotations

from collections.abc import Callable

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.casework.cases import CaseCard
from bot.casework.contact_time import quarter_label
from bot.casework.plans import STATUS_ICONS, STATUS_LABELS
from bot.conversation.texts import QUICK_REPLIES
from bot.i18n import LANGUAGES, N_, Translator, user_text
from bot.reminders.appointments import KIND_LABELS
from bot.special_categories import shown
from bot.text_limits import truncate
from handlers.casework.casework_ui import MAX_TEXT, area_label, duration, keyboard, short_day
from models import ClientStatus
from models.reminders import AppointmentKind

CASE_STATUS = {
    ClientStatus.INVITED: N_("invited, not yet joined"),
    ClientStatus.ACTIVE: N_("active"),
    ClientStatus.CLOSED: N_("closed"),
}


def language_name(t: Translator, code: str) -> str:
    return LANGUAGES[code].native_name if code in LANGUAGES else t._("not chosen yet")


def _card_head(t: Translator, card: CaseCard) -> list[str]:
    return [
        f"📁 {t.embed(card.reference)} · {user_text(card.name)}",
        t._("Status: %(status)s", status=t._(CASE_STATUS[card.status])),
        t._("Language: %(language)s", language=language_name(t, card.language)),
        t._("Town: %(municipality)s", municipality=card.municipality),
        t._("Integration manager: %(name)s", name=user_text(card.caseworker)),
    ]


def _card_care(t: Translator, card: CaseCard) -> list[str]:
    lines = [t._("In care since: %(date)s", date=t.fmt_date(card.care_start,
                                                             with_weekday=False))]
    if card.care_until is None:
        lines.append(t._("Care limit: none for this town"))
    elif card.beyond_limit:
        lines.append(t._("⚠️ Care limit of %(months)s months passed on %(date)s",
                         months=card.care_limit_months, date=card.care_until))
    else:
        lines.append(t._("Care possible until: %(date)s (%(months)s months)",
                         date=card.care_until, months=card.care_limit_months))
    return lines


def _card_time(t: Translator, card: CaseCard) -> list[str]:
    last = short_day(t, card.last_contact) if card.last_contact else t._("none yet")
    return [
        t._("Contact time this quarter (%(quarter)s): %(duration)s",
            quarter=quarter_label(card.quarter),
            duration=duration(t, card.minutes_quarter)),
        t._("Contact time overall: %(duration)s", duration=duration(t, card.minutes_total)),
        t._("Last contact: %(date)s", date=last),
    ]


def _card_plan(t: Translator, card: CaseCard) -> list[str]:
    if not card.goals:
        return [t._("Integration plan: no goals yet")]
    lines = [t._("Integration plan:")]
    for goal in card.goals:
        lines.append(f"{STATUS_ICONS[goal.status]} " + t._(
            "%(area)s: %(status)s", area=area_label(t, goal.area, for_staff=True),
            status=t._(STATUS_LABELS[goal.status])))
    return lines


def _card_appointments(t: Translator, card: CaseCard) -> list[str]:
    if not card.appointments:
        lines = [t._("Appointments: none coming up")]
    else:
        lines = [t._("Appointments coming up:")]
        for appointment in card.appointments:
            when = f"{short_day(t, appointment.starts_at.astimezone(t.timezone).date())} " \
                f"{t.fmt_time(appointment.starts_at)}"
            kind = AppointmentKind(appointment.kind) if appointment.kind else None
            what = shown(t, kind, KIND_LABELS[kind], for_staff=True) if kind \
                else t._("consultation")
            lines.append("• " + t._("%(when)s, %(what)s, %(place)s", when=when, what=what,
                                    place=user_text(appointment.place)))
    if card.no_shows:
        lines.append(t._("Missed consultations: %(count)s", count=card.no_shows))
    lines.append(t._("Reminders waiting to be sent: %(count)s", count=card.reminders_pending))
    return lines


MESSAGE_ICONS = {"photo": "📷", "document": "📄", "voice": "🎤", "video_note": "🎥",
                 "video": "🎥", "audio": "🎵"}


def _card_messages(t: Translator, card: CaseCard) -> list[str]:
    """The last messages of the conversation (⬅ from the client, ➡ from the team)."""
    if not card.messages:
        return []
    lines = [t._("Last messages:")]
    for message in card.messages:
        arrow = "⬅" if message.from_client else "➡"
        icon = MESSAGE_ICONS.get(message.content, "")
        text = " ".join((message.text or "").split())
        if message.content == "quick":  # stored as its source text: shown in the reader's words
            text = next((t._(label) for label, source in QUICK_REPLIES if source == message.text),
                        text)
        text = text if len(text) <= 60 else text[:59] + "…"
        lines.append(f"{arrow} {short_day(t, message.at.astimezone(t.timezone).date())} "
                     f"{t.fmt_time(message.at)} {icon}{' ' if icon and text else ''}"
                     f"{t.embed(text)}".rstrip())
    return lines


CARD_SECTIONS: list[Callable[[Translator, CaseCard], list[str]]] = [
    _card_head, _card_care, _card_time, _card_appointments, _card_plan, _card_messages,
]


def card_text(t: Translator, card: CaseCard) -> str:
    """The whole card: every section in order, separated by an empty line; cut to fit one
    message (counted in UTF-16 code units, as Telegram does)."""
    sections = (section(t, card) for section in CARD_SECTIONS)
    return truncate("\n\n".join("\n".join(lines) for lines in sections if lines), MAX_TEXT)


def card_keyboard(t: Translator, card: CaseCard) -> InlineKeyboardMarkup | None:
    cid = card.client_id
    rows = [
        [InlineKeyboardButton("⏱ " + t._("Log time"), callback_data=f"lt:c{cid}"),
         InlineKeyboardButton("📋 " + t._("Plan"), callback_data=f"pl:{cid}")],
        [InlineKeyboardButton("🧾 " + t._("Entries"), callback_data=f"cs:e:{cid}:0"),
         InlineKeyboardButton("🗑 " + t._("Erase data"), callback_data=f"er:{cid}")],
        [InlineKeyboardButton("🔓 " + t._("Reopen case"), callback_data=f"cs:r:{cid}")
         if card.status is ClientStatus.CLOSED else
         InlineKeyboardButton("🔒 " + t._("Close case"), callback_data=f"cs:x:{cid}")],
    ]
    if card.care_limit_months is not None:
        label = t._("Justified extension: on") if card.extended else t._(
            "Justified extension: off")
        rows.append([InlineKeyboardButton(
            label, callback_data=f"cs:t:{cid}:{0 if card.extended else 1}")])
    return keyboard(rows)
