"""External appointments (Ausländerbehörde, Jobcenter, doctor …) that a caseworker enters
for a client, and their reminders: the evening before at 18:00 and two hours before.

Wording stays neutral (DESIGN, "Privacy and safety"): a doctor's appointment is just "an
appointment". The place's German name and address are shown as typed, so that the client
can show them; in right-to-left text they are isolated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator, user_text
from bot.outbox.queue import Rendered, enqueue, message_kind
from bot.parsing import NotADate, ascii_digits, normalise_reference, parse_date
from bot.reminders.reminder_settings import APPOINTMENTS, is_enabled
from bot.roles import Actor
from bot.special_categories import shown
from bot.text_limits import telegram_length
from models import AppointmentKind, Client, ClientStatus, ExternalAppointment, ReminderSettings

EVENING = time(18, 0)
BEFORE = timedelta(hours=2)
QUIET_FROM, QUIET_UNTIL, LATEST = time(21, 0), time(7, 0), time(20, 30)
MAX_AHEAD = timedelta(days=366)
# In UTF-16 code units, as Telegram counts them.
MAX_PLACE, MAX_ADDRESS, MAX_DESCRIPTION = 120, 200, 80
KIND_LABELS: dict[AppointmentKind, str] = {
    AppointmentKind.AUSLAENDERBEHOERDE: N_("Immigration office (Ausländerbehörde)"),
    AppointmentKind.JOBCENTER: N_("Jobcenter"),
    AppointmentKind.DOCTOR: N_("Doctor"),
    AppointmentKind.SCHOOL: N_("Meeting at school"),
    AppointmentKind.KITA: N_("Meeting at the Kita"),
    AppointmentKind.OTHER: N_("Other"),
}
_TIME = re.compile(r"^(\d{1,2})[:.](\d{2})$")


class BadInput(ValueError):
    """Input that cannot be used; ``code`` says why (the handler words the answer).

    ``length`` is set when the text was too long: how many units Telegram counts in it.
    """

    def __init__(self, code: str, length: int | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.length = length


@dataclass(frozen=True)
class ClientLookup:
    client: Client | None
    foreign: bool = False  # exists, but in a municipality the caseworker may not touch


async def find_client(session: AsyncSession, *, actor: Actor, reference: str) -> ClientLookup:
    """The client with this case reference, if the caseworker may touch their data."""
    normal = normalise_reference(reference)
    client = None if normal is None else await session.scalar(
        select(Client).where(Client.reference == normal))
    if client is None:
        return ClientLookup(None)
    if not actor.may_touch(client.municipality_id):
        return ClientLookup(None, foreign=True)
    return ClientLookup(client)


def problem_text(t: Translator, code: str, *, example: str) -> str:
    """What to tell the caseworker about a :class:`BadInput`."""
    return {
        "date_format": t._("Please send the date as DD.MM.YYYY, for example %(example)s.",
                           example=example),
        "no_such_day": t._("There is no such day. Please send the date as DD.MM.YYYY, for "
                           "example %(example)s.", example=example),
        "date_past": t._("This date is in the past. Please send a date from today on."),
        "date_far": t._("Please send a date within the next 12 months."),
        "time_format": t._("Please send the time as HH:MM, between 00:00 and 23:59, for "
                           "example 09:30."),
        "time_past": t._("This time has already passed. Please send a later time."),
        "time_gap": t._("This time does not exist on that day, because the clocks go forward. "
                        "Please send another time."),
        "place": t._("Please send the name of the place (2 to 120 characters) on the first "
                     "line and the address on the second line."),
        "address": t._("The address is too long: at most %(max)s characters, please.",
                       max=MAX_ADDRESS),
        "description": t._("Please describe it in 1 to 80 characters."),
    }[code]


def reachable(client: Client) -> bool:
    return client.status is ClientStatus.ACTIVE and client.telegram_user_id is not None


def parse_day(text: str, *, today: date) -> date:
    try:
        day = parse_date(text)
    except NotADate:
        raise BadInput("no_such_day") from None
    if day is None:
        raise BadInput("date_format")
    if day < today:
        raise BadInput("date_past")
    if day > today + MAX_AHEAD:
        raise BadInput("date_far")
    return day


def parse_time_of_day(text: str) -> time:
    match = _TIME.match(ascii_digits(text.strip()))
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise BadInput("time_format")
    return time(int(match.group(1)), int(match.group(2)))


def appointment_moment(day: date, at: time, *, timezone: ZoneInfo, now: datetime) -> datetime:
    """The local day and time as UTC; refused if it is past or skipped by the clock change."""
    moment = datetime.combine(day, at, tzinfo=timezone).astimezone(UTC)
    if moment.astimezone(timezone).replace(tzinfo=None) != datetime.combine(day, at):
        raise BadInput("time_gap")
    if moment <= now:
        raise BadInput("time_past")
    return moment


def parse_place(text: str) -> tuple[str, str]:
    """German name on the first line, the address on the following ones."""
    lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
    address = ", ".join(lines[1:])
    if not lines or telegram_length(lines[0]) < 2:
        raise BadInput("place")
    if telegram_length(lines[0]) > MAX_PLACE:
        raise BadInput("place", telegram_length(lines[0]))
    if telegram_length(address) > MAX_ADDRESS:
        raise BadInput("address", telegram_length(address))
    return lines[0], address


def clean_description(text: str) -> str:
    description = " ".join(text.split())
    if not description:
        raise BadInput("description")
    if telegram_length(description) > MAX_DESCRIPTION:
        raise BadInput("description", telegram_length(description))
    return description


def reminder_moments(starts_at: datetime, timezone: ZoneInfo) -> list[tuple[str, datetime]]:
    """The evening before at 18:00 and two hours before, never between 21:00 and 07:00."""
    local = starts_at.astimezone(timezone)
    evening = datetime.combine(local.date() - timedelta(days=1), EVENING, tzinfo=timezone)
    soon = (starts_at - BEFORE).astimezone(timezone)
    if soon.time() >= QUIET_FROM:
        soon = datetime.combine(soon.date(), LATEST, tzinfo=timezone)
    elif soon.time() < QUIET_UNTIL:
        soon = datetime.combine(soon.date(), QUIET_UNTIL, tzinfo=timezone)
    moments = [("evening", evening.astimezone(UTC))]
    if soon <= starts_at - timedelta(minutes=30):
        moments.append(("soon", soon.astimezone(UTC)))
    return moments


def _params(appointment: ExternalAppointment) -> dict[str, Any]:
    return {"starts_at": appointment.starts_at.isoformat(), "kind": appointment.kind.value,
            "description": appointment.description, "place": appointment.place_name,
            "address": appointment.place_address}


async def plan_reminders(
    session: AsyncSession, *, appointment: ExternalAppointment, client: Client, now: datetime,
    timezone: ZoneInfo, check_settings: bool = True,
) -> list[datetime]:
    """Enqueue the reminders still ahead (idempotent); returns the due times added."""
    if not reachable(client) or appointment.starts_at <= now:
        return []
    if check_settings and not is_enabled(
            await session.get(ReminderSettings, client.id), APPOINTMENTS):
        return []
    planned = []
    for moment, due in reminder_moments(appointment.starts_at, timezone):
        if due <= now:
            continue
        assert client.telegram_user_id is not None
        if await enqueue(
            session, key=f"ext:{appointment.id}:{moment}", chat_id=client.telegram_user_id,
            kind="external.reminder", due_at=due, expires_at=appointment.starts_at,
            client_id=client.id,
            params={"category": APPOINTMENTS, "moment": moment, **_params(appointment)},
        ):
            planned.append(due)
    return planned


async def create_appointment(
    session: AsyncSession, *, client: Client, caseworker_id: int | None, starts_at: datetime,
    kind: AppointmentKind, description: str | None, place: tuple[str, str], now: datetime,
    timezone: ZoneInfo,
) -> tuple[ExternalAppointment, list[datetime]]:
    """Store the appointment, tell the client now and plan the reminders."""
    appointment = ExternalAppointment(
        client_id=client.id, caseworker_id=caseworker_id, starts_at=starts_at, kind=kind,
        description=description if kind is AppointmentKind.OTHER else None,
        place_name=place[0], place_address=place[1], created_at=now,
    )
    session.add(appointment)
    await session.flush()
    assert client.telegram_user_id is not None
    await enqueue(session, key=f"ext:{appointment.id}:new", chat_id=client.telegram_user_id,
                  kind="external.new", params=_params(appointment), due_at=now,
                  expires_at=starts_at, client_id=client.id)
    planned = await plan_reminders(session, appointment=appointment, client=client, now=now,
                                   timezone=timezone)
    return appointment, planned


def details(t: Translator, params: dict[str, Any], *, for_staff: bool = False) -> list[str]:
    """What, where and the address; a special-category kind (doctor, Ausländerbehörde) is
    left out for the client and a code for staff (``bot.special_categories``)."""
    kind = AppointmentKind(params["kind"])
    lines = []
    what = shown(t, kind, KIND_LABELS[kind], for_staff=for_staff)
    if kind is AppointmentKind.OTHER and params.get("description"):
        lines.append(t._("What: %(what)s", what=user_text(params["description"])))
    elif what is not None:
        lines.append(t._("What: %(what)s", what=what))
    lines.append(t._("Where: %(place)s", place=user_text(params["place"])))
    if params.get("address"):
        lines.append(t._("Address: %(address)s", address=user_text(params["address"])))
    return lines


@message_kind("external.reminder")
def render_reminder(t: Translator, params: dict[str, Any]) -> Rendered:
    """The evening before, or two hours before an external appointment."""
    starts = datetime.fromisoformat(params["starts_at"])
    if params["moment"] == "evening":
        head = t._("⏰ Reminder: tomorrow, %(date)s, at %(time)s you have an appointment.",
                   date=t.fmt_date(starts), time=t.fmt_time(starts))
    else:
        head = t._("⏰ Reminder: today at %(time)s you have an appointment.",
                   time=t.fmt_time(starts))
    return Rendered("\n".join([head, "", *details(t, params), "", t._(
        "Show this address if you need to ask the way. If you cannot come, please tell your "
        "integration manager in good time.")]))


@message_kind("external.new")
def render_new(t: Translator, params: dict[str, Any]) -> Rendered:
    """Tell the client at once that their caseworker entered an appointment."""
    starts = datetime.fromisoformat(params["starts_at"])
    return Rendered("\n".join([
        t._("📅 Your integration manager has entered an appointment for you on %(date)s at "
            "%(time)s.", date=t.fmt_date(starts), time=t.fmt_time(starts)),
        "", *details(t, params), "",
        t._("You will be reminded the evening before and two hours before."),
    ]))
