"""/book: a client books a consultation in a few taps: topic, day, time, confirm.

Every step checks the database again, so buttons from old messages (slot taken, day past,
office hours removed, booking cancelled) get a clear answer and the fresh list, never an error.
"""

from __future__ import annotations

from telegram import InputFile, Update

from bot.audit import audit
from bot.booking.availability import check_slot
from bot.booking.booking_info import BookingInfo, booking_info
from bot.booking.booking_texts import appointment_details, short_when
from bot.booking.bookings import (
    STATE_OUTCOME,
    BookingResult,
    Outcome,
    SlotTaken,
    book,
    future_count,
)
from bot.booking.calendar_file import appointment_ics, ics_filename
from handlers.booking.booking_ui import (
    Draft,
    Rows,
    client_of,
    day_screen,
    parse_day,
    parse_moment,
    phone_of,
    refusal,
    show,
    time_screen,
    topic_rows,
)
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import Caseworker, Location


def _stale(context: LotseContext) -> str:
    return context.t._("This button is no longer valid. Please start again with /book.")


async def begin_booking(update: Update, context: LotseContext) -> None:
    """Ask what the appointment is about (optional), unless the client has enough already."""
    t, policy = context.t, context.settings.booking
    assert context.actor.client_id is not None
    async with context.uow() as session:
        held = await future_count(session, client_id=context.actor.client_id,
                                  now=context.now())
    if held >= policy.max_future_bookings:
        await show(update, refusal(t, Outcome.LIMIT, cutoff=policy.cancel_cutoff,
                                   limit=held, phone=""),
                   [[(t._("My appointments"), "bka:l:0")]])
        return
    await show(update, t._("What would you like to talk about? This helps your integration "
                           "manager prepare. You can also skip this question."),
               topic_rows(t, 0))


async def restart(update: Update, context: LotseContext) -> None:
    """Start again, stop, or move an existing booking (``bkn:<booking id>``)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    value = query.data.removeprefix("bkn:")
    if value == "x":
        await show(update, context.t._("All right, nothing was booked."))
    elif value == "0":
        await begin_booking(update, context)
    elif value.isdigit():
        await offer_new_time(update, context, int(value))
    else:
        await show(update, _stale(context))


async def offer_new_time(update: Update, context: LotseContext, booking_id: int) -> None:
    """Show the days for moving a booking, or for rebooking one the team had to cancel."""
    t, now, policy = context.t, context.now(), context.settings.booking
    rows: Rows = []
    async with context.uow() as session:
        info = await booking_info(session, booking_id)
        if info is None or info.client_id != context.actor.client_id:
            text, rows = _stale(context), []
        elif info.active and now < info.start and info.start - now < policy.cancel_cutoff:
            text, rows = refusal(t, Outcome.TOO_LATE, cutoff=policy.cancel_cutoff, limit=0,
                                 phone=await phone_of(session, context,
                                                      info.municipality_id)), []
        else:
            moving = info.active and info.start > now
            held = await future_count(session, client_id=info.client_id, now=now,
                                      excluding=info.id if moving else None)
            if held >= policy.max_future_bookings:
                text = refusal(t, Outcome.LIMIT, cutoff=policy.cancel_cutoff, limit=held,
                               phone="")
                rows = [[(t._("My appointments"), "bka:l:0")]]
            else:
                notice = (t._("Your appointment on %(when)s will be moved to the time you "
                              "choose now.", when=short_when(t, info.start))
                          if moving else None)
                text, rows = await day_screen(session, context,
                                              Draft(info.id, info.topic), notice)
    await show(update, text, rows)


async def choose_topic(update: Update, context: LotseContext) -> None:
    """Offer the days with free times (``bkt:<replaces>:<topic>``)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    parts = query.data.split(":")
    draft = Draft.parse(*parts[1:3]) if len(parts) == 3 else None
    if draft is None:
        await show(update, _stale(context))
        return
    async with context.uow() as session:
        text, rows = await day_screen(session, context, draft)
    await show(update, text, rows)


async def choose_day(update: Update, context: LotseContext) -> None:
    """Offer the free times of the chosen day (``bkd:<replaces>:<topic>:<yyyymmdd>``)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    parts = query.data.split(":")
    draft = Draft.parse(*parts[1:3]) if len(parts) == 4 else None
    day = parse_day(parts[3]) if draft else None
    if draft is None or day is None:
        await show(update, _stale(context))
        return
    async with context.uow() as session:
        text, rows = await time_screen(session, context, draft, day)
    await show(update, text, rows)


def _slot_data(data: str) -> tuple[Draft, int, str] | None:
    parts = data.split(":")
    draft = Draft.parse(*parts[1:3]) if len(parts) == 5 else None
    if draft is None or not parts[3].isdigit() or parse_moment(parts[4]) is None:
        return None
    return draft, int(parts[3]), parts[4]


async def choose_time(update: Update, context: LotseContext) -> None:
    """Show the appointment for confirmation (``bks:…:<caseworker>:<unix time>``)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    t, policy, parsed = context.t, context.settings.booking, _slot_data(query.data)
    if parsed is None:
        await show(update, _stale(context))
        return
    draft, caseworker_id, stamp = parsed
    start = parse_moment(stamp)
    assert start is not None
    async with context.uow() as session:
        client = await client_of(session, context)
        state, slot = await check_slot(
            session, municipality_id=client.municipality_id, caseworker_id=caseworker_id,
            start=start, now=context.now(), policy=policy, tz=t.timezone)
        if slot is None:
            notice = refusal(t, STATE_OUTCOME.get(state, Outcome.GONE),
                             cutoff=policy.cancel_cutoff, limit=0, phone="")
            text, rows = await time_screen(session, context, draft,
                                           start.astimezone(t.timezone).date(), notice)
        else:
            location = await session.get(Location, slot.location_id)
            caseworker = await session.get(Caseworker, slot.caseworker_id)
            assert location is not None and caseworker is not None
            previous = await booking_info(session, draft.replaces) if draft.replaces else None
            if previous is not None and previous.client_id != context.actor.client_id:
                previous = None  # a forged button: book() refuses it, show nothing of it
            lines = [t._("Please check your appointment:"), "",
                     appointment_details(t, start=slot.start, end=slot.end,
                                         place=location.name, address=location.address,
                                         caseworker=caseworker.name, topic=draft.topic)]
            if previous is not None and previous.active:
                lines += ["", t._("Your appointment on %(when)s will be cancelled when you "
                                  "confirm.", when=short_when(t, previous.start))]
            text = "\n".join(lines)
            day = f"{slot.start.astimezone(t.timezone):%Y%m%d}"
            rows = [[(t._("✅ Book this appointment"),
                      f"bkc:{draft.code()}:{caseworker_id}:{stamp}")],
                    [(t._("« Other time"), f"bkd:{draft.code()}:{day}")]]
    await show(update, text, rows)


async def confirm_booking(update: Update, context: LotseContext) -> None:
    """Book the slot; if it was taken meanwhile, say so kindly and show the fresh list."""
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.data is not None and chat is not None
    await query.answer()
    t, policy, parsed = context.t, context.settings.booking, _slot_data(query.data)
    if parsed is None or context.actor.client_id is None:
        await show(update, _stale(context))
        return
    draft, caseworker_id, stamp = parsed
    start = parse_moment(stamp)
    assert start is not None
    try:
        async with context.uow() as session:
            result = await book(
                session, client_id=context.actor.client_id, caseworker_id=caseworker_id,
                start=start, topic=draft.topic, now=context.now(), policy=policy,
                tz=t.timezone, replaces=draft.replaces or None)
            if result.booking is not None:
                audit(session, actor=context.actor,
                      action="booking:move" if result.previous else "booking:book",
                      target=f"client:{result.booking.client_reference}",
                      detail=f"booking:{result.booking.id}")
    except SlotTaken:
        result = BookingResult(Outcome.TAKEN)
    if result.booking is not None:
        await _confirmed(update, context, result.booking, moved=result.previous is not None)
        return
    async with context.uow() as session:
        phone = await phone_of(session, context, (await client_of(session, context))
                               .municipality_id)
        notice = refusal(t, result.outcome, cutoff=policy.cancel_cutoff,
                         limit=policy.max_future_bookings, phone=phone)
        if result.outcome in STATE_OUTCOME.values() or result.outcome is Outcome.CLASH:
            text, rows = await time_screen(session, context, draft,
                                           start.astimezone(t.timezone).date(), notice)
        else:
            text, rows = notice, []
    await show(update, text, rows)


async def _confirmed(update: Update, context: LotseContext, info: BookingInfo, *,
                     moved: bool) -> None:
    t, chat = context.t, update.effective_chat
    assert chat is not None
    head = t._("Your appointment has been moved.") if moved else t._("Your appointment is "
                                                                     "booked.")
    details = appointment_details(t, start=info.start, end=info.end, place=info.location_name,
                                  address=info.address, caseworker=info.caseworker_name,
                                  topic=info.topic)
    tail = t._("We will remind you the evening before and 2 hours before. To cancel or "
               "change the appointment: /appointments")
    await show(update, f"{head}\n\n{details}\n\n{tail}")
    german = context.translator("de")
    await context.bot.send_document(
        chat.id,
        InputFile(appointment_ics(info, t=t, german=german, now=context.now()),
                  filename=ics_filename(info, german)),
        caption=t._("Save the appointment in your calendar: open this file."),
    )


def register(app: LotseApp) -> None:
    app.add_handler(command("book", begin_booking))
    app.add_handler(button("bkn", restart))
    app.add_handler(button("bkt", choose_topic))
    app.add_handler(button("bkd", choose_day))
    app.add_handler(button("bks", choose_time))
    app.add_handler(button("bkc", confirm_booking))
