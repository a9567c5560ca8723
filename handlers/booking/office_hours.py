"""/officehours: a caseworker lists, adds and removes weekly office hours.

``/officehours add <town> <place> <weekday> <HH:MM-HH:MM> [<minutes>] [from <date>]
[until <date>] [for <name>]`` (``for`` only for admins). Bad input gets a message naming the
problem and stores nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from telegram import Update

from bot.audit import audit
from bot.booking.absences import match_caseworkers
from bot.booking.office_hours import (
    HoursProblem,
    HoursResult,
    add_office_hours,
    remove_office_hours,
)
from bot.booking.office_hours import list_office_hours as load_hours
from bot.booking.staff_input import (
    InputError,
    parse_date,
    parse_number,
    parse_time_range,
    parse_weekday,
)
from bot.i18n import Translator
from handlers.booking.booking_ui import Rows, capped, show
from handlers.booking.staff_texts import hours_line, input_problem, usage_officehours
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import Caseworker

DEFAULT_SLOT_MINUTES = 30
_KEYWORDS = {"from": "from", "ab": "from", "until": "until", "bis": "until", "for": "for",
             "für": "for", "fuer": "for"}


def hours_problem(t: Translator, result: HoursResult) -> str:
    problem = result.problem
    if problem is HoursProblem.UNKNOWN_MUNICIPALITY:
        return t._("I do not know this town. Use the key shown in /officehours, e.g. "
                   "cleebronn.")
    if problem is HoursProblem.NOT_ALLOWED:
        return t._("You may only set office hours for yourself and for your own towns.")
    if problem is HoursProblem.UNKNOWN_LOCATION:
        return t._("I do not know this place in that town. The places are listed in "
                   "/officehours.")
    if problem is HoursProblem.UNKNOWN_CASEWORKER:
        return t._("I do not know this integration manager.")
    if problem is HoursProblem.CASEWORKER_ELSEWHERE:
        return t._("This integration manager does not work for that town.")
    if problem is HoursProblem.ORDER:
        return t._("The office hours end before they start.")
    if problem is HoursProblem.SLOT_ZERO:
        return t._("An appointment must last at least 1 minute.")
    if problem is HoursProblem.SLOT_TOO_LONG:
        return t._("An appointment cannot be longer than the office hours (or than 4 hours).")
    if problem is HoursProblem.PAST:
        return t._("The office hours cannot start on a day in the past.")
    if problem is HoursProblem.UNTIL_BEFORE_FROM:
        return t._("The end date is before the start date.")
    if problem is HoursProblem.OVERLAP and result.clash is not None:
        return t._("These hours overlap with office hours you already have: %(hours)s",
                   hours=hours_line(t, result.clash))
    return t._("These office hours do not exist any more.")


async def office_hours(update: Update, context: LotseContext) -> None:
    """List office hours, or add / remove them (see the module docstring)."""
    args = context.args or []
    verb = args[0].casefold() if args else ""
    if verb in ("add", "neu"):
        await _add(update, context, args[1:])
    elif verb in ("remove", "delete", "löschen") and len(args) == 2 and args[1].isdigit():
        await _remove(update, context, int(args[1]))
    elif not args:
        await show(update, *await _listing(context))
    else:
        await show(update, usage_officehours(context))


async def _listing(context: LotseContext, notice: str | None = None) -> tuple[str, Rows]:
    t = context.t
    async with context.uow() as session:
        rows = await load_hours(session, actor=context.actor, now=context.now(),
                                tz=t.timezone)
    parts = [notice] if notice else []
    lines, buttons = capped(t, [
        hours_line(t, h, with_name=context.actor.is_staff
                   and h.caseworker_id != context.actor.caseworker_id) for h in rows],
        [[(f"🗑 #{h.id}", f"oh:r:{h.id}")] for h in rows])
    if lines:
        parts.append(t._("Office hours:") + "\n" + "\n".join(lines))
    else:
        parts.append(t._("No office hours yet."))
    parts.append(usage_officehours(context))
    return "\n\n".join(parts), buttons


async def _add(update: Update, context: LotseContext, args: list[str]) -> None:
    t, now = context.t, context.now()
    today = now.astimezone(t.timezone).date()
    if len(args) < 4:
        await show(update, usage_officehours(context))
        return
    town, place, weekday_text, range_text, *rest = args
    weekday, times = parse_weekday(weekday_text), parse_time_range(range_text)
    if isinstance(weekday, InputError):
        await show(update, input_problem(t, weekday, weekday_text))
        return
    if isinstance(times, InputError):
        await show(update, input_problem(t, times, range_text))
        return
    minutes = DEFAULT_SLOT_MINUTES
    if rest and rest[0].casefold() not in _KEYWORDS:
        number = parse_number(rest[0])
        if isinstance(number, InputError):
            await show(update, input_problem(t, number, rest[0]))
            return
        minutes, rest = number, rest[1:]
    options: dict[str, str] = {}
    while rest:
        key = _KEYWORDS.get(rest[0].casefold())
        if key is None or len(rest) < 2:
            await show(update, usage_officehours(context))
            return
        if key == "for":
            options[key], rest = " ".join(rest[1:]), []
        else:
            options[key], rest = rest[1], rest[2:]
    dates: dict[str, date | None] = {"from": today, "until": None}
    for key in ("from", "until"):
        if key in options:
            parsed = parse_date(options[key], today=today)
            if isinstance(parsed, InputError):
                await show(update, input_problem(t, parsed, options[key]))
                return
            dates[key] = parsed
    saved = ""
    async with context.uow() as session:
        caseworker_id = context.actor.caseworker_id
        if "for" in options:
            found = match_caseworkers(list(await session.scalars(
                select(Caseworker).where(Caseworker.active.is_(True)))), options["for"])
            if len(found) != 1:
                await show(update, hours_problem(t, HoursResult(
                    HoursProblem.UNKNOWN_CASEWORKER)))
                return
            caseworker_id = found[0].id
        assert caseworker_id is not None and dates["from"] is not None
        result = await add_office_hours(
            session, actor=context.actor, caseworker_id=caseworker_id, municipality_key=town,
            location_key=place, weekday=weekday, start=times[0], end=times[1],
            slot_minutes=minutes, valid_from=dates["from"], valid_until=dates["until"],
            now=now, tz=t.timezone)
        if result.hours is not None:
            audit(session, actor=context.actor, action="officehours:add",
                  target=f"office_hours:{result.hours.id}")
            saved = t._("Office hours saved: %(hours)s", hours=hours_line(t, result.hours,
                                                                          with_name=True))
    if result.hours is None:
        await show(update, hours_problem(t, result))
        return
    await show(update, saved)


async def _remove(update: Update, context: LotseContext, hours_id: int) -> None:
    t, removed = context.t, ""
    async with context.uow() as session:
        result = await remove_office_hours(session, actor=context.actor, hours_id=hours_id,
                                           now=context.now())
        if result.hours is not None:
            audit(session, actor=context.actor, action="officehours:remove",
                  target=f"office_hours:{hours_id}")
            removed = t._("Office hours removed: %(hours)s", hours=hours_line(t, result.hours))
    if result.hours is None:
        await show(update, *await _listing(context, hours_problem(t, result)))
        return
    if result.future_bookings:
        removed += "\n" + t.ngettext(
            "%(n)s appointment already booked in these hours stays booked. Cancel it in /week "
            "if it cannot take place.",
            "%(n)s appointments already booked in these hours stay booked. Cancel them in "
            "/week if they cannot take place.", result.future_bookings)
    await show(update, *await _listing(context, removed))


async def hours_button(update: Update, context: LotseContext) -> None:
    """Ask before removing office hours (``oh:r:<id>``), then remove (``oh:R:<id>``)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    t = context.t
    parts = query.data.split(":")
    if len(parts) != 3 or parts[1] not in ("r", "R", "k") or not parts[2].isdigit():
        await show(update, t._("This button is no longer valid. Please start again with "
                               "/officehours."))
    elif parts[1] == "R":
        await _remove(update, context, int(parts[2]))
    elif parts[1] == "k":
        await show(update, *await _listing(context))
    else:
        await show(update, t._("Remove office hours #%(id)s? Appointments already booked in "
                               "them stay booked.", id=parts[2]),
                   [[(t._("Yes, remove them"), f"oh:R:{parts[2]}"),
                     (t._("No, keep them"), "oh:k:0")]])


def register(app: LotseApp) -> None:
    app.add_handler(command("officehours", office_hours))
    app.add_handler(button("oh", hours_button))
