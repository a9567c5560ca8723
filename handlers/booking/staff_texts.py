"""Texts of the staff booking commands: usage, input problems, one line per office hours."""

from __future__ import annotations

from bot.booking.staff_input import InputError
from bot.i18n import Translator
from bot.text_limits import quote
from handlers.context import LotseContext
from models import OfficeHours


def hours_line(t: Translator, hours: OfficeHours, *, with_name: bool = False) -> str:
    """E.g. '#3 Monday 09:00–12:00, Bürgerhaus „Alte Schule“, 30-minute appointments, …'."""
    values = dict(
        id=str(hours.id), weekday=t.fmt_weekday(hours.weekday),
        time=t._("%(start)s–%(end)s", start=t.fmt_time(hours.start_time),
                 end=t.fmt_time(hours.end_time)),
        place=hours.location.name, minutes=hours.slot_minutes,
        first=t.fmt_date(hours.valid_from, with_weekday=False),
    )
    if hours.valid_until is None:
        line = t._("#%(id)s %(weekday)s %(time)s, %(place)s, %(minutes)s-minute appointments, "
                   "from %(first)s", **values)
    else:
        line = t._("#%(id)s %(weekday)s %(time)s, %(place)s, %(minutes)s-minute appointments, "
                   "from %(first)s to %(last)s",
                   last=t.fmt_date(hours.valid_until, with_weekday=False), **values)
    return f"{hours.caseworker.name}: {line}" if with_name else line


def input_problem(t: Translator, error: InputError, value: str) -> str:
    value = quote(value)
    if error is InputError.WEEKDAY:
        return t._("“%(value)s” is not a weekday. Please write mon, tue, wed, thu, fri, sat "
                   "or sun.", value=value)
    if error is InputError.TIME:
        return t._("“%(value)s” is not a valid time. Please write times from 00:00 to 23:59, "
                   "e.g. 09:00-12:00.", value=value)
    if error is InputError.RANGE:
        return t._("“%(value)s” is not a time range. Please write it like 09:00-12:00.",
                   value=value)
    if error is InputError.ORDER:
        return t._("In “%(value)s” the end is not after the start. Please write it like "
                   "09:00-12:00.", value=value)
    if error is InputError.DATE:
        return t._("“%(value)s” is not a valid date. Please write it like 2026-04-01 or "
                   "1.4.2026.", value=value)
    return t._("“%(value)s” is not a number of minutes. Please write e.g. 30.", value=value)


def _places(context: LotseContext) -> str:
    return "; ".join(
        f"{m.key}: {', '.join(loc.key for loc in m.locations)}"
        for m in context.settings.municipalities if m.locations
    )


def usage_officehours(context: LotseContext) -> str:
    t = context.t
    lines = [
        t._("Add office hours:\n"
            "/officehours add <town> <place> <weekday> <from>-<to> [<minutes per appointment>] "
            "[from <date>] [until <date>]\n"
            "Example: /officehours add cleebronn alte-schule mon 09:00-12:00 30\n"
            "Remove: /officehours remove <number>"),
        t._("Towns and places: %(places)s", places=_places(context)),
    ]
    if context.actor.role.value == "admin":
        lines.append(t._("As an administrator you can add „for <name>“ at the end to set the "
                         "office hours of a colleague."))
    return "\n\n".join(lines)


def usage_block(t: Translator) -> str:
    return t._("Block time in which no appointments are offered:\n"
               "/block <date> [<from>-<to>] [note]\n"
               "/block <first day> <last day> [note]\n"
               "Examples: /block 3.4. 09:00-12:00 team meeting · /block 2026-08-03 "
               "2026-08-14 holiday")


def usage_absent(t: Translator) -> str:
    return t._("Enter an absence: /absent <first day> <last day> <substitute>\n"
               "Example: /absent 2026-04-07 2026-04-17 Aydin\n"
               "/absent alone shows your absence and lets you end it.")
