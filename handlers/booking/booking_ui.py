"""Screens of the client's booking flow: topics, days, times, confirmation.

The whole state travels in the callback data (``bkd:<replaces>:<topic>:<yyyymmdd>`` …, always
under 64 bytes), so a restart loses nothing and a button from an old message is simply
checked again against the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.booking.availability import find_free_slots
from bot.booking.booking_texts import TOPICS, topic_label
from bot.booking.bookings import Outcome
from bot.booking.slots import Slot
from bot.i18n import Translator
from bot.text_limits import telegram_length
from handlers.context import LotseContext
from models import Client, Municipality, Topic

Rows = list[list[tuple[str, str]]]


@dataclass(frozen=True)
class Draft:
    """A booking being chosen: the booking it replaces (0: none) and the topic."""

    replaces: int = 0
    topic: Topic | None = None

    def code(self) -> str:
        return f"{self.replaces}:{TOPICS.index(self.topic) if self.topic else '-'}"

    @classmethod
    def parse(cls, replaces: str, topic: str) -> Draft | None:
        if not replaces.isdigit() or not (topic == "-" or (topic.isdigit()
                                                            and int(topic) < len(TOPICS))):
            return None
        return cls(int(replaces), None if topic == "-" else TOPICS[int(topic)])


def markup(rows: Rows) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(label, callback_data=data) for label, data in row]
         for row in rows]
    )


LIST_UNITS = 3000  # UTF-16 code units of a list, leaving room for a notice and the usage
LIST_ITEMS = 40  # one 🗑 button each; Telegram takes at most 100 buttons in a message


def capped(t: Translator, lines: list[str], rows: Rows) -> tuple[list[str], Rows]:
    """The lines (and their buttons) that fit into one message, then "… and N more"."""
    used = 0
    for index, line in enumerate(lines):
        used += telegram_length(line) + 1
        if index == LIST_ITEMS or used > LIST_UNITS:
            more = t.ngettext("… and %(n)s more entry: too many for one message.",
                              "… and %(n)s more entries: too many for one message.",
                              len(lines) - index)
            return [*lines[:index], more], rows[:index]
    return lines, rows


async def show(update: Update, text: str, rows: Rows | None = None) -> None:
    """Replace the pressed message (or answer a command) with this screen."""
    query, message = update.callback_query, update.effective_message
    reply_markup = markup(rows) if rows else None
    if query is not None:
        try:
            await query.edit_message_text(text, reply_markup=reply_markup)
        except BadRequest as exc:  # pressed twice: the screen is already shown
            if "not modified" not in str(exc).lower():
                raise
        return
    assert message is not None
    await message.reply_text(text, reply_markup=reply_markup)


def topic_rows(t: Translator, replaces: int) -> Rows:
    rows = [[(topic_label(t, topic), f"bkt:{Draft(replaces, topic).code()}")]
            for topic in TOPICS]
    rows.append([(t._("Skip"), f"bkt:{Draft(replaces).code()}")])
    rows.append([(t._("✖ Stop"), "bkn:x")])
    return rows


def parse_day(text: str) -> date | None:
    try:
        return datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def parse_moment(text: str) -> datetime | None:
    return datetime.fromtimestamp(int(text), UTC) if text.isdigit() and len(text) <= 10 else None


async def client_of(session: AsyncSession, context: LotseContext) -> Client:
    client = await session.get(Client, context.actor.client_id)
    assert client is not None
    return client


async def phone_of(session: AsyncSession, context: LotseContext, municipality_id: int) -> str:
    municipality = await session.get(Municipality, municipality_id)
    config = context.settings.municipality(municipality.key) if municipality else None
    return config.phone if config and config.phone else "–"


async def free_for(session: AsyncSession, context: LotseContext, client: Client,
                   day: date | None = None) -> list[Slot]:
    """Free slots in the client's municipality, one per start time: their own caseworker's
    if free, else the first colleague's."""
    slots = await find_free_slots(
        session, now=context.now(), policy=context.settings.booking,
        tz=context.settings.timezone, municipality_id=client.municipality_id, day=day)
    chosen: dict[datetime, Slot] = {}
    for slot in slots:
        if slot.start not in chosen or slot.caseworker_id == client.caseworker_id:
            chosen[slot.start] = slot
    return sorted(chosen.values())


async def day_screen(session: AsyncSession, context: LotseContext, draft: Draft,
                     notice: str | None = None) -> tuple[str, Rows]:
    """The days with free times, or how to reach the team if there are none."""
    t = context.t
    client = await client_of(session, context)
    days = sorted({s.start.astimezone(t.timezone).date() for s in
                   await free_for(session, context, client)})
    parts = [notice] if notice else []
    if not days:
        parts.append(t._("Sorry, there are no free appointments in the next %(n)s days. "
                         "Please call us: %(phone)s",
                         n=context.settings.booking.days_ahead,
                         phone=await phone_of(session, context, client.municipality_id)))
        return "\n\n".join(parts), []
    parts.append(t._("Please choose a day:"))
    rows = [[(t.fmt_date(day), f"bkd:{draft.code()}:{day:%Y%m%d}")] for day in days]
    rows.append([(t._("✖ Stop"), "bkn:x")])
    return "\n\n".join(parts), rows


async def time_screen(session: AsyncSession, context: LotseContext, draft: Draft, day: date,
                      notice: str | None = None) -> tuple[str, Rows]:
    """The free times of one day; the days again if that day has none left."""
    t = context.t
    slots = await free_for(session, context, await client_of(session, context), day)
    if not slots:
        gone = (t._("%(date)s has already passed.", date=t.fmt_date(day))
                if day < context.now().astimezone(t.timezone).date()
                else t._("There are no free times left on %(date)s.", date=t.fmt_date(day)))
        return await day_screen(session, context, draft,
                                "\n\n".join(filter(None, [notice, gone])))
    buttons = [(t.fmt_time(s.start),
                f"bks:{draft.code()}:{s.caseworker_id}:{int(s.start.timestamp())}")
               for s in slots]
    rows = [buttons[i : i + 4] for i in range(0, len(buttons), 4)]
    rows.append([(t._("« Other day"), f"bkt:{draft.code()}")])
    text = t._("Free times on %(date)s:", date=t.fmt_date(day))
    return "\n\n".join(filter(None, [notice, text])), rows


def refusal(t: Translator, outcome: Outcome, *, cutoff: timedelta, limit: int,
            phone: str) -> str:
    """Why a booking, move or cancellation did not happen, and what to do instead."""
    if outcome is Outcome.TAKEN:
        return t._("Sorry, someone else has just booked this time. Please choose another one.")
    if outcome is Outcome.GONE:
        return t._("Sorry, this time is no longer offered. Please choose another one.")
    if outcome is Outcome.PAST:
        return t._("Sorry, this time is too soon or has already passed. Please choose "
                   "another one.")
    if outcome is Outcome.CLASH:
        return t._("You already have an appointment at this time. Please choose another one.")
    if outcome is Outcome.LIMIT:
        return t.ngettext(
            "You already have %(n)s upcoming appointment. To book another one, please cancel "
            "or change it first with /appointments.",
            "You already have %(n)s upcoming appointments. To book another one, please cancel "
            "or change one of them first with /appointments.", limit)
    if outcome is Outcome.TOO_LATE:
        minutes = int(cutoff.total_seconds()) // 60
        if minutes % 60 == 0:
            return t.ngettext(
                "Your appointment begins in less than %(n)s hour, so it can no longer be "
                "changed here. Please call us instead: %(phone)s",
                "Your appointment begins in less than %(n)s hours, so it can no longer be "
                "changed here. Please call us instead: %(phone)s", minutes // 60, phone=phone)
        return t.ngettext(
            "Your appointment begins in less than %(n)s minute, so it can no longer be "
            "changed here. Please call us instead: %(phone)s",
            "Your appointment begins in less than %(n)s minutes, so it can no longer be "
            "changed here. Please call us instead: %(phone)s", minutes, phone=phone)
    if outcome is Outcome.CLIENT_INACTIVE:
        return t._("Booking is not possible at the moment. Please contact your integration "
                   "manager.")
    return t._("This appointment no longer exists. You can book a new one with /book.")
