"""Booking reminders and notifications, through the outbox, rendered in the reader's language.

Clients get a reminder at 18:00 the evening before and 2 hours before (category
"appointments" of /reminders, which they may switch off); the caseworker on duty
(the substitute during an absence) hears of each new, moved or cancelled booking. Wording is
neutral: no message names the topic to the client, and staff see special categories as codes.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.booking_info import BookingInfo, find_bookings
from bot.booking.booking_texts import appointment_details, short_when, staff_topic
from bot.booking.slots import local_moment
from bot.i18n import LANGUAGES, Translator, user_text
from bot.outbox import queue as outbox
from bot.outbox.queue import Rendered, message_kind
from bot.reminders.reminder_settings import APPOINTMENTS, is_enabled
from models import Booking, BookingStatus, Caseworker, ReminderSettings, Topic

EVENING = time(18, 0)
EARLIEST = time(7, 0)
SHORTLY_BEFORE = timedelta(hours=2)
# A missed appointment is told to the client a little later, so that the caseworker can
# untick it (the client had phoned, a mistap) before it goes; it is not sent days later.
MISSED_DELAY = timedelta(minutes=15)
MISSED_VALID = timedelta(days=3)


def reminder_keys(booking_id: int) -> list[str]:
    return [f"booking:{booking_id}:eve", f"booking:{booking_id}:2h"]


def reminder_times(start: datetime, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
    """18:00 the evening before, and 2 hours before but not before 07:00 (nobody is woken
    for an 08:00 appointment); None where no sensible time is left."""
    evening = local_moment(start.astimezone(tz).date() - timedelta(days=1), EVENING, tz)
    soon = start - SHORTLY_BEFORE
    morning = local_moment(start.astimezone(tz).date(), EARLIEST, tz)
    if morning is not None and soon < morning:
        return evening, morning if start - morning >= timedelta(minutes=30) else None
    return evening, soon


async def plan_reminders(session: AsyncSession, info: BookingInfo, *, now: datetime,
                         tz: ZoneInfo) -> None:
    """Enqueue the reminders still ahead, unless the client switched appointment reminders
    off (/reminders); idempotent, so it also re-plans after they are switched on again."""
    if info.client_chat_id is None or not is_enabled(
            await session.get(ReminderSettings, info.client_id), APPOINTMENTS):
        return
    for key, due, when in zip(reminder_keys(info.id), reminder_times(info.start, tz),
                              ("eve", "2h"), strict=True):
        if due is not None and now < due < info.start:
            await outbox.enqueue(
                session, key=key, chat_id=info.client_chat_id, kind="booking.reminder",
                params={**info.params(), "when": when, "category": APPOINTMENTS},
                due_at=due, expires_at=info.start, client_id=info.client_id,
            )


async def replan_reminders(session: AsyncSession, *, now: datetime, tz: ZoneInfo,
                           client_id: int | None = None) -> None:
    """Plan the reminders of every upcoming booking again (of one client, or all): for the
    daily planner and for switching appointment reminders back on."""
    where = [Booking.status == BookingStatus.BOOKED, Booking.start_at > now]
    if client_id is not None:
        where.append(Booking.client_id == client_id)
    for info in await find_bookings(session, *where):
        await plan_reminders(session, info, now=now, tz=tz)


async def cancel_reminders(session: AsyncSession, booking_id: int) -> None:
    await outbox.cancel(session, reminder_keys(booking_id))


async def tell_staff(
    session: AsyncSession, kind: str, info: BookingInfo, *, recipient: Caseworker,
    now: datetime, previous: BookingInfo | None = None,
) -> None:
    """Tell the caseworker on duty of a new, moved or cancelled booking."""
    if recipient.telegram_user_id is None:
        return
    params: dict[str, Any] = {**info.params(), "topic": info.topic.value if info.topic else None}
    if recipient.id != info.caseworker_id:
        params["for_caseworker"] = info.caseworker_name
    if previous is not None:
        params["previous_start"] = previous.start.isoformat()
    await outbox.enqueue(
        session, key=f"booking:{info.id}:{kind.removeprefix('booking.')}", kind=kind,
        chat_id=recipient.telegram_user_id, params=params, due_at=now,
        caseworker_id=recipient.id,
    )


async def tell_client(session: AsyncSession, kind: str, info: BookingInfo, *, now: datetime
                      ) -> None:
    """Tell a client that their booking was cancelled by the team ("booking.cancelled") or
    because their caseworker is away ("booking.absence"), with a button to choose anew."""
    if info.client_chat_id is None:
        return
    await outbox.enqueue(
        session, key=f"booking:{info.id}:{kind.removeprefix('booking.')}", kind=kind,
        chat_id=info.client_chat_id, params=info.params(), due_at=now,
        expires_at=info.start, client_id=info.client_id,
    )


def missed_key(booking_id: int) -> str:
    return f"booking:{booking_id}:missed"


async def tell_missed(session: AsyncSession, info: BookingInfo, *, now: datetime) -> None:
    """Tell the client kindly that the appointment was missed, with new times one tap away."""
    if info.client_chat_id is None:
        return
    await outbox.enqueue(
        session, key=missed_key(info.id), kind="booking.missed", chat_id=info.client_chat_id,
        params=info.params(), due_at=now + MISSED_DELAY, expires_at=now + MISSED_VALID,
        client_id=info.client_id,
    )


async def keep_missed_quiet(session: AsyncSession, booking_id: int) -> bool:
    """The caseworker unticked it: the client is not told of this missed appointment."""
    return bool(await outbox.cancel(session, [missed_key(booking_id)]))


async def tell_substitute(
    session: AsyncSession, *, absence_id: int, absent: Caseworker, substitute: Caseworker,
    first_day: date, last_day: date, cancelled: list[BookingInfo], now: datetime,
) -> None:
    if substitute.telegram_user_id is None:
        return
    await outbox.enqueue(
        session, key=f"absence:{absence_id}:substitute", kind="absence.substitute",
        chat_id=substitute.telegram_user_id, due_at=now, caseworker_id=substitute.id,
        params={
            "caseworker": absent.name, "first_day": first_day.isoformat(),
            "last_day": last_day.isoformat(),
            "cancelled": [{"start": b.start.isoformat(), "client_name": b.client_name,
                           "reference": b.client_reference} for b in cancelled],
        },
    )


def _details(t: Translator, p: dict[str, Any]) -> str:
    return appointment_details(
        t, start=datetime.fromisoformat(p["start"]), end=datetime.fromisoformat(p["end"]),
        place=p["place"], address=p["address"], caseworker=p["caseworker"],
    )


def _my_appointments(t: Translator) -> list[list[tuple[str, str]]]:
    return [[(t._("My appointments"), "bka:l:0")]]


def _choose_again(t: Translator, p: dict[str, Any]) -> list[list[tuple[str, str]]]:
    return [[(t._("Choose a new time"), f"bka:r:{p['booking_id']}")]]


@message_kind("booking.reminder")
def render_reminder(t: Translator, p: dict[str, Any]) -> Rendered:
    start = datetime.fromisoformat(p["start"])
    head = (
        t._("Reminder: tomorrow you have an appointment with the integration management.")
        if p.get("when") == "eve"
        else t._("Reminder: today at %(time)s you have an appointment with the integration "
                 "management.", time=t.fmt_time(start))
    )
    tail = t._("If you cannot come, please cancel or change the appointment with "
               "/appointments.")
    return Rendered(f"{head}\n\n{_details(t, p)}\n\n{tail}", buttons=_my_appointments(t))


@message_kind("booking.cancelled")
def render_cancelled_by_team(t: Translator, p: dict[str, Any]) -> Rendered:
    start = datetime.fromisoformat(p["start"])
    return Rendered(
        t._("We are sorry: the integration management had to cancel your appointment on "
            "%(date)s at %(time)s. Please choose a new time.",
            date=t.fmt_date(start), time=t.fmt_time(start)),
        buttons=_choose_again(t, p),
    )


@message_kind("booking.missed")
def render_missed(t: Translator, p: dict[str, Any]) -> Rendered:
    start = datetime.fromisoformat(p["start"])
    return Rendered(
        t._("We missed you at your appointment on %(date)s at %(time)s. That can happen. If "
            "you still need advice, please choose a new time.",
            date=t.fmt_date(start), time=t.fmt_time(start)),
        buttons=_choose_again(t, p),
    )


@message_kind("booking.absence")
def render_cancelled_for_absence(t: Translator, p: dict[str, Any]) -> Rendered:
    start = datetime.fromisoformat(p["start"])
    return Rendered(
        t._("We are sorry: your integration manager is away on %(date)s, so your appointment "
            "at %(time)s cannot take place. Please choose a new time.",
            date=t.fmt_date(start), time=t.fmt_time(start)),
        buttons=_choose_again(t, p),
    )


def _staff_text(t: Translator, p: dict[str, Any], head: str) -> str:
    language = LANGUAGES[p["language"]].native_name if p["language"] in LANGUAGES else "–"
    lines = [head]
    if p.get("for_caseworker"):
        lines.append(t._("You receive this as substitute for %(name)s.",
                         name=user_text(p["for_caseworker"])))
    if p.get("previous_start"):
        lines.append(t._("Before: %(when)s",
                         when=short_when(t, datetime.fromisoformat(p["previous_start"]))))
    lines += [
        "",
        _details(t, p),
        t._("Client: %(name)s (%(reference)s), language: %(language)s",
            name=user_text(p["client_name"]), reference=p["reference"], language=language),
        t._("Topic: %(topic)s",
            topic=staff_topic(t, Topic(p["topic"]) if p.get("topic") else None)),
    ]
    return "\n".join(lines)


@message_kind("booking.staff_new")
def render_staff_new(t: Translator, p: dict[str, Any]) -> Rendered:
    return Rendered(_staff_text(t, p, t._("New appointment booked.")))


@message_kind("booking.staff_moved")
def render_staff_moved(t: Translator, p: dict[str, Any]) -> Rendered:
    return Rendered(_staff_text(t, p, t._("A client moved their appointment.")))


@message_kind("booking.staff_cancelled")
def render_staff_cancelled(t: Translator, p: dict[str, Any]) -> Rendered:
    return Rendered(_staff_text(t, p, t._("A client cancelled their appointment.")))


@message_kind("absence.substitute")
def render_substitute(t: Translator, p: dict[str, Any]) -> Rendered:
    cancelled = p["cancelled"]
    lines = [t._(
        "%(name)s is away from %(first)s to %(last)s and has named you as substitute. Until "
        "then you receive their booking notifications.", name=user_text(p["caseworker"]),
        first=t.fmt_date(date.fromisoformat(p["first_day"])),
        last=t.fmt_date(date.fromisoformat(p["last_day"])))]
    if cancelled:
        lines.append(t.ngettext(
            "%(n)s appointment in this time was cancelled; the client was asked to choose a "
            "new time:",
            "%(n)s appointments in this time were cancelled; the clients were asked to choose "
            "a new time:", len(cancelled)))
        lines += [
            t._("• %(when)s: %(name)s (%(reference)s)",
                when=short_when(t, datetime.fromisoformat(b["start"])),
                name=user_text(b["client_name"]),
                reference=b["reference"])
            for b in cancelled
        ]
    return Rendered("\n".join(lines))
