"""/absent: a caseworker enters an absence with a substitute, or shows and ends it.

``/absent <first day> <last day> <substitute>``; without a (known) substitute the colleagues
are offered as buttons. If booked appointments fall into the absence, the caseworker confirms
first: they are cancelled and the clients asked, in their language, to choose a new time.
"""

from __future__ import annotations

from datetime import date

from telegram import Update

from bot.audit import audit
from bot.booking.absences import (
    AbsenceProblem,
    AbsenceResult,
    absence_days,
    colleagues,
    create_absence,
    current_absences,
    end_absence,
    match_caseworkers,
)
from bot.booking.booking_texts import short_when
from bot.booking.staff_input import InputError, parse_date
from bot.i18n import Translator, user_text
from bot.text_limits import quote
from handlers.booking.booking_ui import Rows, parse_day, show
from handlers.booking.staff_texts import input_problem, usage_absent
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command


def _problem(t: Translator, result: AbsenceResult) -> str:
    problem = result.problem
    if problem is AbsenceProblem.PAST:
        return t._("The absence cannot begin on a day in the past.")
    if problem is AbsenceProblem.ORDER:
        return t._("The last day is before the first day.")
    if problem is AbsenceProblem.TOO_LONG:
        return t._("An absence can last at most one year.")
    if problem is AbsenceProblem.SELF:
        return t._("You cannot be your own substitute.")
    if problem is AbsenceProblem.SUBSTITUTE_AWAY:
        return t._("%(name)s is away during that time, too. Please choose another "
                   "substitute.", name=user_text(result.substitute_name))
    if problem is AbsenceProblem.OVERLAP and result.clash is not None:
        return t._("You have already entered an absence from %(first)s to %(last)s. End it "
                   "with /absent first.", first=t.fmt_date(result.clash[0]),
                   last=t.fmt_date(result.clash[1]))
    return t._("This colleague cannot stand in for you. Please choose one of the buttons.")


async def absent(update: Update, context: LotseContext) -> None:
    """Enter an absence, or show the current one with a button to end it."""
    t, now = context.t, context.now()
    args = context.args or []
    if not args:
        await _show_current(update, context)
        return
    if len(args) < 2:
        await show(update, usage_absent(t))
        return
    today = now.astimezone(t.timezone).date()
    first, last = parse_date(args[0], today=today), parse_date(args[1], today=today)
    for value, text in ((first, args[0]), (last, args[1])):
        if isinstance(value, InputError):
            await show(update, f"{input_problem(t, value, text)}\n\n{usage_absent(t)}")
            return
    assert isinstance(first, date) and isinstance(last, date)
    name = " ".join(args[2:])
    assert context.actor.caseworker_id is not None
    async with context.uow() as session:
        candidates = await colleagues(session, context.actor.caseworker_id)
        options = [(c.id, c.name) for c in candidates]
        found = [c.id for c in match_caseworkers(candidates, name)] if name else []
    if len(found) == 1:
        await _enter(update, context, first, last, found[0], confirmed=False)
        return
    asked = quote(name)
    notice = (t._("Several colleagues match “%(name)s”.", name=asked) if len(found) > 1
              else t._("I do not know a colleague called “%(name)s”.", name=asked)
              if name else None)
    if not options:
        ask = t._("There is no colleague who could stand in for you. Please ask an "
                  "administrator.")
    else:
        ask = t._("Who will stand in for you from %(first)s to %(last)s?",
                  first=t.fmt_date(first), last=t.fmt_date(last))
    rows: Rows = [[(label, f"abs:s:{first:%Y%m%d}:{last:%Y%m%d}:{cid}")]
                  for cid, label in options[:20]]
    await show(update, "\n\n".join(filter(None, [notice, ask])), rows)


async def _show_current(update: Update, context: LotseContext) -> None:
    t = context.t
    assert context.actor.caseworker_id is not None
    async with context.uow() as session:
        absences = await current_absences(session, context.actor.caseworker_id,
                                          context.now())
        entries = [(a.id, *absence_days(a, t.timezone), a.substitute.name) for a in absences]
    if not entries:
        await show(update, t._("You have not entered an absence.") + "\n\n" + usage_absent(t))
        return
    lines = [t._("You are away from %(first)s to %(last)s. Substitute: %(name)s.",
                 first=t.fmt_date(first), last=t.fmt_date(last), name=user_text(name))
             for _, first, last, name in entries]
    rows: Rows = [[(t._("End absence from %(first)s", first=t.fmt_date(first,
                                                                       with_weekday=False)),
                    f"abs:e:{absence_id}")] for absence_id, first, _, _ in entries]
    await show(update, "\n".join(lines), rows)


async def _enter(update: Update, context: LotseContext, first: date, last: date,
                 substitute_id: int, *, confirmed: bool) -> None:
    t = context.t
    assert context.actor.caseworker_id is not None
    async with context.uow() as session:
        result = await create_absence(
            session, caseworker_id=context.actor.caseworker_id, substitute_id=substitute_id,
            first_day=first, last_day=last, now=context.now(), tz=t.timezone,
            confirmed=confirmed)
        if result.absence_id is not None:
            audit(session, actor=context.actor, action="absence:add",
                  target=f"absence:{result.absence_id}", detail=f"{len(result.affected)} "
                  "bookings cancelled")
    affected = "\n".join(f"• {short_when(t, b.start)}: {b.client_name} ({b.client_reference})"
                         for b in result.affected)
    if result.problem is AbsenceProblem.CONFIRM:
        ask = t.ngettext(
            "%(n)s appointment is booked with you during this time. If you continue, it will "
            "be cancelled and the client asked, in their language, to choose a new time:",
            "%(n)s appointments are booked with you during this time. If you continue, they "
            "will be cancelled and the clients asked, in their language, to choose a new time:",
            len(result.affected))
        data = f"{first:%Y%m%d}:{last:%Y%m%d}:{substitute_id}"
        await show(update, f"{ask}\n{affected}",
                   [[(t._("Yes, enter the absence"), f"abs:y:{data}")],
                    [(t._("No, change nothing"), "abs:n")]])
        return
    if result.problem is not None:
        await show(update, _problem(t, result))
        return
    lines = [t._("Absence saved: %(first)s to %(last)s. Substitute: %(name)s. Your "
                 "appointments are not offered during this time, and booking notifications "
                 "go to %(name)s.", first=t.fmt_date(first), last=t.fmt_date(last),
                 name=user_text(result.substitute_name))]
    if result.affected:
        lines.append(t.ngettext(
            "%(n)s appointment was cancelled; the client has been asked to choose a new time:",
            "%(n)s appointments were cancelled; the clients have been asked to choose a new "
            "time:", len(result.affected)))
        lines.append(affected)
    await show(update, "\n".join(lines))


async def absence_button(update: Update, context: LotseContext) -> None:
    """``abs:s|y:<first>:<last>:<substitute>`` enters, ``abs:e:<id>`` ends, ``abs:n`` stops."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    t = context.t
    parts = query.data.split(":")
    if parts[1:2] == ["n"]:
        await show(update, t._("All right, nothing was changed."))
        return
    if len(parts) == 3 and parts[1] == "e" and parts[2].isdigit():
        assert context.actor.caseworker_id is not None
        async with context.uow() as session:
            ended = await end_absence(session, caseworker_id=context.actor.caseworker_id,
                                      absence_id=int(parts[2]), now=context.now())
            if ended:
                audit(session, actor=context.actor, action="absence:end",
                      target=f"absence:{parts[2]}")
        await show(update, t._("Your absence has ended. Your appointments are offered again.")
                   if ended else t._("This absence has already ended."))
        return
    if len(parts) == 5 and parts[1] in ("s", "y") and parts[4].isdigit():
        first, last = parse_day(parts[2]), parse_day(parts[3])
        if first is not None and last is not None:
            await _enter(update, context, first, last, int(parts[4]),
                         confirmed=parts[1] == "y")
            return
    await show(update, t._("This button is no longer valid. Please start again with "
                           "/absent."))


def register(app: LotseApp) -> None:
    app.add_handler(command("absent", absent))
    app.add_handler(button("abs", absence_button))
