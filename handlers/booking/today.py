"""/today and /week: a caseworker's appointments, marked done or no-show, or cancelled.

A cancelled client is told in their own language, with a button to choose a new time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from telegram import Update

from bot.audit import audit
from bot.booking.booking_info import BookingInfo, no_show_counts
from bot.booking.booking_notices import MISSED_DELAY
from bot.booking.booking_texts import short_when, staff_topic, time_range
from bot.booking.bookings import (
    BookingResult,
    Outcome,
    cancel_by_staff,
    mark_booking,
    staff_booking,
    staff_bookings,
    untick_missed,
)
from bot.booking.slots import local_day_bounds
from bot.i18n import LANGUAGES, Translator, user_text
from bot.text_limits import telegram_length
from handlers.booking.booking_ui import Rows, show
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import BookingStatus

LIST_LIMIT = 3300  # UTF-16 code units of the list, leaving room for the notice and the legend
MAX_SHOWN = 30  # bookings with up to three buttons each
MARKS = {BookingStatus.DONE: "✅ ", BookingStatus.NO_SHOW: "🚫 ", BookingStatus.BOOKED: ""}


def _line(t: Translator, info: BookingInfo, no_shows: int) -> str:
    language = LANGUAGES[info.client_language].native_name \
        if info.client_language in LANGUAGES else "–"
    line = MARKS[info.status] + t._(
        "%(time)s · %(name)s (%(reference)s) · %(language)s · %(topic)s · %(place)s",
        time=time_range(t, info.start, info.end), name=user_text(info.client_name),
        reference=info.client_reference, language=language,
        topic=staff_topic(t, info.topic), place=info.location_name)
    if no_shows:
        line += "\n    " + t.ngettext("%(n)s missed appointment so far",
                                      "%(n)s missed appointments so far", no_shows)
    return line


async def _view(context: LotseContext, view: str, notice: str | None = None
                ) -> tuple[str, Rows]:
    """The text and buttons of /today (``t``) or /week (``w``)."""
    t, now = context.t, context.now()
    today = now.astimezone(t.timezone).date()
    last = today if view == "t" else today + timedelta(days=6)
    start, _ = local_day_bounds(today, t.timezone)
    _, end = local_day_bounds(last, t.timezone)
    assert context.actor.caseworker_id is not None
    async with context.uow() as session:
        bookings = await staff_bookings(session, caseworker_id=context.actor.caseworker_id,
                                        start=start, end=end)
        missed = await no_show_counts(session, [b.client_id for b in bookings])
        audit(session, actor=context.actor, action=f"booking:{'today' if view == 't' else 'week'}",
              detail=f"{len(bookings)} bookings")
    parts = [notice] if notice else []
    if view == "t":
        parts.append(t._("Your appointments today, %(date)s:", date=t.fmt_date(today)))
    else:
        parts.append(t._("Your appointments from %(first)s to %(last)s:",
                         first=t.fmt_date(today), last=t.fmt_date(last)))
    if not bookings:
        parts.append(t._("No appointments."))
        return "\n\n".join(parts), []
    lines: list[str] = []
    rows: Rows = []
    day = None
    for shown, info in enumerate(bookings):
        local_day = info.start.astimezone(t.timezone).date()
        entry = ([f"\n{t.fmt_date(local_day)}"] if view == "w" and local_day != day else []) \
            + [_line(t, info, missed.get(info.client_id, 0))]
        # Telegram: at most 4096 UTF-16 code units and 100 buttons in one message.
        if shown == MAX_SHOWN or sum(telegram_length(x) + 1 for x in lines + entry) > LIST_LIMIT:
            lines.append(t.ngettext("… and %(n)s more appointment: too many for one message.",
                                    "… and %(n)s more appointments: too many for one message.",
                                    len(bookings) - shown))
            break
        lines += entry
        day = local_day
        rows.append(_buttons(t, info, view, now))
    parts.append("\n".join(lines).strip())
    parts.append(t._("Buttons: ✅ took place, 🚫 did not come, ✖ cancel (the client is told "
                     "and can choose a new time)."))
    return "\n\n".join(parts), [row for row in rows if row]


def _buttons(t: Translator, info: BookingInfo, view: str, now: datetime) -> list[tuple[str, str]]:
    when = t.fmt_time(info.start) if view == "t" else t._(
        "%(weekday)s %(time)s", weekday=t.fmt_weekday(info.start.astimezone(t.timezone)
                                                      .weekday()),
        time=t.fmt_time(info.start))
    row = []
    if info.start <= now or view == "t":
        row += [(f"✅ {when}", f"bkm:d:{info.id}:{view}"),
                (f"🚫 {when}", f"bkm:n:{info.id}:{view}")]
    if info.status is BookingStatus.BOOKED and info.start > now:
        row.append((f"✖ {when}", f"bkm:c:{info.id}:{view}"))
    return row


async def show_today(update: Update, context: LotseContext) -> None:
    """List today's appointments with done / no-show / cancel buttons."""
    await show(update, *await _view(context, "t"))


async def show_week(update: Update, context: LotseContext) -> None:
    """List the appointments of the next seven days."""
    await show(update, *await _view(context, "w"))


async def booking_action(update: Update, context: LotseContext) -> None:
    """Handle ``bkm:<d|n|c|C|k|q>:<booking id>:<t|w>`` and show the refreshed list."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    t, now = context.t, context.now()
    parts = query.data.split(":")
    if len(parts) != 4 or parts[1] not in "dncCkq" or not parts[2].isdigit() \
            or parts[3] not in ("t", "w"):
        await show(update, t._("This button is no longer valid. Please start again with "
                               "/today."))
        return
    action, booking_id, view = parts[1], int(parts[2]), parts[3]
    if action == "k":
        await show(update, *await _view(context, view))
        return
    if action == "q":
        async with context.uow() as session:
            quiet = await untick_missed(session, actor=context.actor, booking_id=booking_id)
        await show(update, *await _view(context, view, t._(
            "All right: the client is not told of the missed appointment.") if quiet else t._(
            "The client has already been told of the missed appointment.")))
        return
    result: BookingResult | None = None
    async with context.uow() as session:
        if action in "dn":
            status = BookingStatus.DONE if action == "d" else BookingStatus.NO_SHOW
            result = await mark_booking(session, actor=context.actor, booking_id=booking_id,
                                        status=status, now=now)
        elif action == "C":
            result = await cancel_by_staff(session, actor=context.actor,
                                           booking_id=booking_id, now=now)
        info = result.booking if result else None
        if result is not None and result.outcome is Outcome.OK and info is not None:
            audit(session, actor=context.actor, action=f"booking:staff:{action}",
                  target=f"client:{info.client_reference}", detail=f"booking:{info.id}")
    if action == "c":
        await _ask_cancel(update, context, booking_id, view)
        return
    assert result is not None
    text, rows = await _view(context, view, _notice(t, result.outcome, info, action))
    if action == "n" and result.outcome is Outcome.OK and info is not None \
            and info.client_chat_id is not None:
        text += "\n\n" + t._("The client will be told kindly in %(minutes)s minutes and offered "
                             "new times, unless you untick it.",
                             minutes=int(MISSED_DELAY.total_seconds() // 60))
        rows = [[(t._("Do not tell the client"), f"bkm:q:{booking_id}:{view}")], *rows]
    await show(update, text, rows)


async def _ask_cancel(update: Update, context: LotseContext, booking_id: int, view: str
                      ) -> None:
    t = context.t
    async with context.uow() as session:
        info = await staff_booking(session, actor=context.actor, booking_id=booking_id)
    if info is None or not info.active or info.start <= context.now():
        outcome = (Outcome.NOT_FOUND if info is None else Outcome.NOT_ACTIVE
                   if info.status is BookingStatus.CANCELLED else Outcome.PAST)
        await show(update, *await _view(context, view, _notice(t, outcome, None, "c")))
        return
    await show(update, t._(
        "Cancel the appointment of %(name)s (%(reference)s) on %(when)s? The client will be "
        "told in their language and asked to choose a new time.", name=user_text(info.client_name),
        reference=info.client_reference, when=short_when(t, info.start)),
        [[(t._("Yes, cancel it"), f"bkm:C:{booking_id}:{view}"),
          (t._("No, keep it"), f"bkm:k:{booking_id}:{view}")]])


def _notice(t: Translator, outcome: Outcome, info: BookingInfo | None, action: str) -> str:
    if outcome is Outcome.OK and info is not None:
        when = short_when(t, info.start)
        if action == "d":
            return t._("✅ Marked as taken place: %(name)s, %(when)s",
                       name=user_text(info.client_name), when=when)
        if action == "n":
            return t._("🚫 Marked as missed: %(name)s, %(when)s", name=user_text(info.client_name),
                       when=when)
        return t._("✖ Cancelled: %(name)s, %(when)s. The client has been told.",
                   name=user_text(info.client_name), when=when)
    if outcome is Outcome.TOO_EARLY:
        return t._("This appointment has not begun yet. You can mark it once it has begun.")
    if outcome is Outcome.PAST:
        return t._("This appointment has already begun, so it cannot be cancelled any more. "
                   "Mark it as taken place or missed instead.")
    if outcome is Outcome.NOT_ACTIVE:
        return t._("This appointment has already been cancelled.")
    return t._("This appointment no longer exists.")


def register(app: LotseApp) -> None:
    app.add_handler(command("today", show_today))
    app.add_handler(command("week", show_week))
    app.add_handler(button("bkm", booking_action))
