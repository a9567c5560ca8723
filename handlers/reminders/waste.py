"""/waste: choose the collection zone, see the next collections and the sorting guides."""

from __future__ import annotations

from datetime import date

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.audit import audit
from bot.i18n import Translator, user_text
from bot.reminders.planners import plan_waste_reminders, waste_times
from bot.reminders.waste import BINS, KERB_TIME, WasteOverview, bin_line, choose_zone, sorting_guide
from bot.reminders.waste import waste_overview as load_overview
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command


async def show_waste(update: Update, context: LotseContext) -> None:
    """Show the next collections, or the zones to choose from."""
    message = update.effective_message
    assert message is not None and context.actor.client_id is not None
    async with context.uow() as session:
        overview = await load_overview(session, client_id=context.actor.client_id,
                                       today=_today(context))
    text, markup = waste_view(context.t, overview)
    await message.reply_text(text, reply_markup=markup)


async def pick_zone(update: Update, context: LotseContext) -> None:
    """Store the chosen zone and plan its reminders; "wz:list" shows the zones again."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.actor.client_id
    t, client_id, value = context.t, context.actor.client_id, query.data.removeprefix("wz:")
    async with context.uow() as session:
        zone = None
        if value.isdigit():
            zone = await choose_zone(session, client_id=client_id, zone_id=int(value))
            if zone is not None:
                await plan_waste_reminders(
                    session, now=context.now(), timezone=context.settings.timezone,
                    waste_times=waste_times(context.settings.municipalities),
                    client_id=client_id)
                audit(session, actor=context.actor, action="waste:zone", detail=str(zone.id))
        overview = await load_overview(session, client_id=client_id, today=_today(context))
    if value == "list":
        overview.zone = None
    elif zone is None:
        await query.answer(t._("This button is no longer valid. Please start again with "
                               "/waste."), show_alert=True)
        return
    await query.answer()
    text, markup = waste_view(t, overview)
    await query.edit_message_text(text, reply_markup=markup)


async def show_guide(update: Update, context: LotseContext) -> None:
    """Send the sorting guide of one bin."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    guide = sorting_guide(context.t, query.data.removeprefix("wg:"))
    if guide is None:
        await query.answer(context.t._("This button is no longer valid. Please start again "
                                       "with /waste."), show_alert=True)
        return
    await query.answer()
    await message.reply_text(guide)


def waste_view(t: Translator, overview: WasteOverview) -> tuple[str, InlineKeyboardMarkup | None]:
    """The text and buttons of /waste for one client."""
    if overview.zone is None:
        if not overview.zones:
            return t._("No waste calendar has been imported for your town yet. Please ask your "
                       "integration manager."), None
        return t._("Which collection zone (Abfuhrbezirk) do you live in? If you are not "
                   "sure, ask your integration manager."), InlineKeyboardMarkup(
            [[InlineKeyboardButton(zone.name, callback_data=f"wz:{zone.id}")]
             for zone in overview.zones])
    lines = [t._("🗑 Waste collection in %(zone)s", zone=user_text(overview.zone.name))]
    if not overview.days:
        lines += ["", t._("No further collection dates are known for your zone yet. Your "
                          "integration manager will import the new calendar.")]
    for day, bins in overview.days:
        lines += ["", t._("%(date)s:", date=day)]
        lines += [bin_line(t, kind, name) for kind, name in bins]
    lines += ["", t._("The bins must stand at the kerb by %(time)s on collection day.",
                      time=t.fmt_time(KERB_TIME))]
    lines.append(t._("You will be reminded the evening before each collection.")
                 if overview.reminders_on
                 else t._("Waste reminders are switched off. /reminders switches them on."))
    lines += ["", t._("♻️ What goes into which bin? Press a bin below.")]
    rows = [[InlineKeyboardButton(f"{BINS[kind].emoji} {t._(BINS[kind].label)}",
                                  callback_data=f"wg:{kind}")] for kind in overview.kinds]
    rows.append([InlineKeyboardButton(t._("📍 Change collection zone"),
                                      callback_data="wz:list")])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def _today(context: LotseContext) -> date:
    return context.now().astimezone(context.settings.timezone).date()


def register(app: LotseApp) -> None:
    app.add_handler(command("waste", show_waste))
    app.add_handler(button("wz", pick_zone))
    app.add_handler(button("wg", show_guide))
