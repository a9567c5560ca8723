"""/appointments: a client sees their upcoming bookings, cancels or moves them by button."""

from __future__ import annotations

from telegram import Update

from bot.audit import audit
from bot.booking.booking_info import BookingInfo
from bot.booking.booking_texts import appointment_details
from bot.booking.bookings import Outcome, cancel_by_client, upcoming_bookings
from handlers.booking.booking import offer_new_time
from handlers.booking.booking_ui import Rows, markup, phone_of, refusal, show
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command


def _card(context: LotseContext, info: BookingInfo) -> tuple[str, Rows]:
    t = context.t
    text = appointment_details(t, start=info.start, end=info.end, place=info.location_name,
                               address=info.address, caseworker=info.caseworker_name,
                               topic=info.topic)
    rows = [[(t._("✖ Cancel"), f"bka:x:{info.id}"), (t._("🔄 Change time"), f"bka:r:{info.id}")]]
    return text, rows


async def list_appointments(update: Update, context: LotseContext) -> None:
    """Show each upcoming appointment with cancel and change buttons."""
    t, chat = context.t, update.effective_chat
    assert context.actor.client_id is not None and chat is not None
    async with context.uow() as session:
        bookings = await upcoming_bookings(session, client_id=context.actor.client_id,
                                           now=context.now())
    book_button = [[(t._("📅 Book an appointment"), "bkn:0")]]
    if not bookings:
        await context.bot.send_message(chat.id, t._("You have no upcoming appointments."),
                                       reply_markup=markup(book_button))
        return
    await context.bot.send_message(chat.id, t.ngettext(
        "You have %(n)s upcoming appointment:", "You have %(n)s upcoming appointments:",
        len(bookings)))
    for info in bookings:
        text, rows = _card(context, info)
        await context.bot.send_message(chat.id, text, reply_markup=markup(rows))


async def appointment_action(update: Update, context: LotseContext) -> None:
    """Cancel (after asking), keep, or move one booking: ``bka:<x|X|k|r|l>:<id>``."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    parts = query.data.split(":")
    action, value = (parts[1], parts[2]) if len(parts) == 3 else ("", "")
    if action == "l":
        await list_appointments(update, context)
    elif not value.isdigit() or context.actor.client_id is None:
        await show(update, context.t._("This button is no longer valid. Please start again "
                                       "with /appointments."))
    elif action == "r":
        await offer_new_time(update, context, int(value))
    elif action in ("x", "X", "k"):
        await _cancel_step(update, context, action, int(value))
    else:
        await show(update, context.t._("This button is no longer valid. Please start again "
                                       "with /appointments."))


async def _cancel_step(update: Update, context: LotseContext, action: str,
                       booking_id: int) -> None:
    t, policy = context.t, context.settings.booking
    assert context.actor.client_id is not None
    async with context.uow() as session:
        result = await cancel_by_client(session, client_id=context.actor.client_id,
                                        booking_id=booking_id, now=context.now(),
                                        policy=policy, check_only=action != "X")
        info = result.booking
        if action == "X" and result.outcome is Outcome.OK and info is not None:
            audit(session, actor=context.actor, action="booking:cancel",
                  target=f"client:{info.client_reference}", detail=f"booking:{info.id}")
        phone = await phone_of(session, context, info.municipality_id) if info else "–"
    if result.outcome is Outcome.NOT_ACTIVE:
        await show(update, t._("This appointment has already been cancelled."),
                   [[(t._("📅 Book an appointment"), "bkn:0")]])
    elif result.outcome is Outcome.PAST:
        await show(update, t._("This appointment is already over."))
    elif result.outcome is not Outcome.OK or info is None:
        await show(update, refusal(t, result.outcome, cutoff=policy.cancel_cutoff,
                                   limit=policy.max_future_bookings, phone=phone))
    elif action == "k":
        await show(update, *_card(context, info))
    elif action == "x":
        details = appointment_details(t, start=info.start, end=info.end,
                                      place=info.location_name, address=info.address,
                                      caseworker=info.caseworker_name, topic=info.topic)
        await show(update, t._("Do you really want to cancel this appointment?") + "\n\n"
                   + details,
                   [[(t._("Yes, cancel it"), f"bka:X:{info.id}"),
                     (t._("No, keep it"), f"bka:k:{info.id}")]])
    else:
        await show(update, t._("Your appointment on %(date)s at %(time)s has been cancelled. "
                               "We have told your integration manager.",
                               date=t.fmt_date(info.start), time=t.fmt_time(info.start)),
                   [[(t._("📅 Book a new appointment"), "bkn:0")]])


def register(app: LotseApp) -> None:
    app.add_handler(command("appointments", list_appointments))
    app.add_handler(button("bka", appointment_action))
