"""School and Kita: children of a client, the note to the school when a child is sick,
and the holiday reminders (message kind ``school.reminder``)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from anyascii import anyascii
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator, isolate
from bot.outbox.queue import Rendered, message_kind
from bot.reminders import school_calendar as cal
from bot.text_limits import telegram_length
from models import Child, ChildPlace, OutboxMessage, OutboxState

MAX_CHILDREN = 10
MAX_NAME = 40  # UTF-16 code units, as Telegram counts them
HOLIDAY_NAMES = {
    "Herbstferien": N_("Autumn holidays (Herbstferien)"),
    "Weihnachtsferien": N_("Christmas holidays (Weihnachtsferien)"),
    "Osterferien": N_("Easter holidays (Osterferien)"),
    "Pfingstferien": N_("Whitsun holidays (Pfingstferien)"),
    "Sommerferien": N_("Summer holidays (Sommerferien)"),
}
# The note to the school or Kita is always German: the parent forwards it as it is.
_LETTER = {
    ChildPlace.SCHOOL: "mein Kind {name} ist krank und kann ab {start} nicht zur Schule kommen.",
    ChildPlace.KITA: "mein Kind {name} ist krank und kann ab {start} nicht in die Kita kommen.",
}


def clean_child_name(text: str) -> str | None:
    """A first name or "child 1": one line of 1 to 40 characters (emoji count two)."""
    name = " ".join(text.split())
    return name if 1 <= telegram_length(name) <= MAX_NAME and "\n" not in text.strip() else None


def is_latin(name: str) -> bool:
    """True when every letter of the name is a Latin letter (ä, ğ, é count as Latin)."""
    return all(unicodedata.name(c, "").startswith("LATIN") for c in name if c.isalpha())


def school_spelling_suggestion(name: str) -> str:
    """A transliteration of the family's spelling into Latin letters, to be confirmed:
    "Олена" → "Olena", "يوسف" → "Ywsf" (Arabic script leaves out most vowels)."""
    if is_latin(name):
        return name
    words = " ".join(anyascii(name).split()).split(" ")
    suggestion = " ".join(w[:1].upper() + w[1:] for w in words)
    return suggestion[:MAX_NAME] or "?"


def clean_school_name(text: str) -> str | None:
    """The name as the school writes it: one line of 1 to 40 characters, Latin letters."""
    name = clean_child_name(text)
    return name if name is not None and is_latin(name) and any(
        c.isalpha() for c in name) else None


def school_name(child: Child) -> str:
    """The spelling for German texts meant for a school or an office (the suggestion only
    for a child whose spelling was never confirmed: /children asks before a sick note)."""
    return child.school_name or school_spelling_suggestion(child.name)


async def children_of(session: AsyncSession, client_id: int) -> list[Child]:
    return list(await session.scalars(
        select(Child).where(Child.client_id == client_id).order_by(Child.id)))


async def add_child(
    session: AsyncSession, *, client_id: int, name: str, place: ChildPlace, now: datetime
) -> Child | None:
    """Add a child; None when the client already has the most we keep."""
    count = await session.scalar(select(func.count(Child.id)).where(Child.client_id == client_id))
    if (count or 0) >= MAX_CHILDREN:
        return None
    child = Child(client_id=client_id, name=name, place=place, created_at=now)
    session.add(child)
    await session.flush()
    return child


async def remove_child(session: AsyncSession, *, client_id: int, child_id: int) -> Child | None:
    """Remove one of the client's children; without school children no school reminders."""
    child = await session.get(Child, child_id)
    if child is None or child.client_id != client_id:
        return None
    await session.delete(child)
    await session.flush()
    if not any(c.place is ChildPlace.SCHOOL for c in await children_of(session, client_id)):
        await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.client_id == client_id, OutboxMessage.kind == "school.reminder",
                   OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.CANCELLED]))
            .execution_options(synchronize_session=False)
        )
    return child


async def set_school_name(
    session: AsyncSession, *, client_id: int, child_id: int, name: str
) -> Child | None:
    """Store how the school writes the child's name (the family's spelling stays)."""
    child = await child_of(session, client_id=client_id, child_id=child_id)
    if child is not None:
        child.school_name = name
        await session.flush()
    return child


async def child_of(session: AsyncSession, *, client_id: int, child_id: int) -> Child | None:
    child = await session.get(Child, child_id)
    return child if child is not None and child.client_id == client_id else None


@dataclass(frozen=True)
class SickNote:
    letter: str  # German, to forward to the school or Kita
    explanation: str  # in the parent's language


def sick_note(t: Translator, *, child: Child, parent: str, days: int, today: date) -> SickNote:
    """The German message for the school (days = expected school days absent, 0 unknown)."""
    kita = child.place is ChildPlace.KITA
    de = Translator("de", t.timezone)
    start = cal.next_school_day(today, kita=kita)
    # The school's spelling, in Latin letters; anything else would be isolated so that it
    # cannot turn the German sentence around.
    name = school_name(child)
    name = name if is_latin(name) else isolate(name)
    lines = ["Sehr geehrte Damen und Herren,", "",
             _LETTER[child.place].format(name=name, start=de.fmt_date(start))]
    if days > 0:
        until = cal.add_school_days(start, days, kita=kita)
        lines.append(f"{name} fehlt voraussichtlich bis einschließlich "
                     f"{de.fmt_date(until)}.")
    else:
        lines.append("Wie lange mein Kind fehlen wird, teile ich Ihnen so bald wie möglich mit.")
    if not kita:
        lines.append("Eine schriftliche Entschuldigung reiche ich nach.")
    lines += ["", "Mit freundlichen Grüßen", parent]
    if kita:
        explanation = t._("Please tell the Kita in the morning: forward the next message to "
                          "the Kita or read it out on the phone.")
    else:
        explanation = "\n\n".join([
            t._("Please tell the school today, before lessons begin if you can: forward the "
                "next message to the school (by e-mail or the school's messenger) or read it "
                "out on the phone."),
            t._("The rule in Baden-Württemberg: if your child is ill, you must tell the school "
                "without delay, at the latest on the second day of absence, with the reason "
                "and how long it will probably last. A written excuse (Entschuldigung) "
                "follows. If your child is ill for more than 10 school days, the school may "
                "ask for a doctor's certificate (ärztliches Attest)."),
            t._("The reason \"illness\" (Krankheit) is enough: you do not have to name the "
                "illness."),
        ])
    return SickNote(letter="\n".join(lines), explanation=explanation)


def holiday_name(t: Translator, name_de: str) -> str:
    msgid = HOLIDAY_NAMES.get(name_de)
    return t._(msgid) if msgid else t.embed(name_de)


def school_reminders_between(start: date, end: date) -> list[tuple[str, date, dict[str, Any]]]:
    """(event, evening, params) of the school reminders due on evenings in [start, end]:
    before the last school day before holidays, and before the first one after them."""
    found = []
    for h in cal.holidays_between(start, end + timedelta(days=1)):
        params = {"holidays": h.name_de, "first": h.first.isoformat(),
                  "last": h.last.isoformat(), "restart": h.first_school_day.isoformat()}
        back = "year" if h.summer else "start"
        for event, day in (("end", h.last_school_day), (back, h.first_school_day)):
            evening = day - timedelta(days=1)
            if start <= evening <= end:
                found.append((event, evening, {**params, "event": event,
                                               "day": day.isoformat()}))
    return found


@message_kind("school.reminder")
def render_school_reminder(t: Translator, params: dict[str, Any]) -> Rendered:
    """The evening before the last school day before holidays, or the first one after."""
    day = date.fromisoformat(params["day"])
    if params["event"] == "end":
        lines = [
            t._("🏫 Tomorrow, %(date)s, is the last school day before the holidays.", date=day),
            t._("Holidays: %(name)s, %(first)s – %(last)s.",
                name=holiday_name(t, params["holidays"]),
                first=date.fromisoformat(params["first"]),
                last=date.fromisoformat(params["last"])),
            t._("School starts again on %(date)s.", date=date.fromisoformat(params["restart"])),
            t._("Please note: taking extra days off school before or after the holidays is "
                "not allowed."),
        ]
    elif params["event"] == "year":
        lines = [
            t._("🏫 The new school year in Baden-Württemberg begins tomorrow, %(date)s.",
                date=day),
            t._("Children who are new in Germany must go to school too (Schulpflicht). If your "
                "child has no school place yet, please contact your integration manager now."),
        ]
    else:
        lines = [t._("🏫 School starts again tomorrow, %(date)s. Please check that school "
                     "bags, books and sports kit are ready.", date=day)]
    return Rendered("\n\n".join(lines))
