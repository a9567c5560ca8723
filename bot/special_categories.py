"""The special-category rule, in one place (DESIGN "Privacy and safety").

Health and residence/asylum matters never travel in Telegram messages. Every message that
shows a plan area, a booking topic or the kind of an external appointment asks this module
how to word it: clients get a neutral word ("area 5", no kind at all), staff get a short code
(GES for health, AUF for residence status). Free-text notes on such goals are never sent;
the message says the note is held at the office.
"""

from __future__ import annotations

from bot.i18n import N_, Translator
from models import AppointmentKind, PlanArea, Topic

# Short codes staff see (German: Gesundheit, Aufenthalt).
GES, AUF = "GES", "AUF"
CODES: dict[PlanArea | Topic | AppointmentKind, str] = {
    PlanArea.HEALTH: GES, PlanArea.RESIDENCE: AUF,
    Topic.HEALTH: GES, Topic.RESIDENCE: AUF,
    AppointmentKind.DOCTOR: GES, AppointmentKind.AUSLAENDERBEHOERDE: AUF,
}
NOTE_HELD = N_("note held at the office")


def is_special(value: PlanArea | Topic | AppointmentKind | None) -> bool:
    return value is not None and value in CODES


def shown(t: Translator, value: PlanArea | Topic | AppointmentKind, label: str, *,
          for_staff: bool) -> str | None:
    """How ``value`` (whose catalog label is ``label``) appears in a Telegram message.

    Not special: the translated label. Special: for staff the code, for clients a neutral
    word for plan areas ("area 5") and nothing (``None``) for topics and appointment kinds,
    which the message then leaves out."""
    if not is_special(value):
        return t._(label)
    if for_staff:
        if isinstance(value, Topic):
            return t._("confidential, code %(code)s", code=CODES[value])
        return CODES[value]
    if isinstance(value, PlanArea):
        return t._("area %(number)s", number=list(PlanArea).index(value) + 1)
    return None


def shown_note(t: Translator, value: PlanArea | Topic | AppointmentKind | None,
               note: str | None, *, for_staff: bool) -> str | None:
    """A free-text note on a goal or entry of a special category never travels by Telegram,
    neither to the client nor to staff: the message says it is held at the office. ``None``
    when there is no note. (``for_staff`` is kept so that every caller states its reader.)"""
    del for_staff
    if not note:
        return None
    return t._(NOTE_HELD) if is_special(value) else note
