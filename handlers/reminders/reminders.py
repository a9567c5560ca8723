"""/reminders: the client switches each kind of reminder on or off, or pauses them all.

``register`` also wires the other reminder modules, so that ``bot/app.py`` needs one line:
the /remind conversation first (it takes the caseworker's free text), then /waste,
/children (whose name prompt takes only replies to itself), /reminders and the planners.
"""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.audit import audit
from bot.i18n import N_, Translator
from bot.reminders.planners import plan_all, waste_times
from bot.reminders.reminder_settings import (
    APPOINTMENTS,
    CATEGORIES,
    SCHOOL,
    WASTE,
    set_paused,
    toggle,
)
from bot.reminders.reminder_settings import settings_of as load_settings
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from handlers.reminders import planning, remind, school, waste
from models import ReminderSettings

LABELS = {
    APPOINTMENTS: N_("Appointments"),
    WASTE: N_("Waste collection"),
    SCHOOL: N_("School and holidays"),
}


async def show_settings(update: Update, context: LotseContext) -> None:
    """Show each kind of reminder with a button to switch it."""
    message = update.effective_message
    assert message is not None and context.actor.client_id is not None
    async with context.uow() as session:
        settings = await load_settings(session, context.actor.client_id)
    text, markup = settings_view(context.t, settings)
    await message.reply_text(text, reply_markup=markup)


async def change_setting(update: Update, context: LotseContext) -> None:
    """Switch one kind, or pause / resume all; switching on plans the coming days at once."""
    query = update.callback_query
    assert query is not None and query.data is not None and context.actor.client_id
    t, client_id, value = context.t, context.actor.client_id, query.data.removeprefix("rset:")
    if value not in (*CATEGORIES, "pause", "resume"):
        await query.answer(t._("This button is no longer valid. Please start again with "
                               "/reminders."), show_alert=True)
        return
    now = context.now()
    async with context.uow() as session:
        if value in CATEGORIES:
            settings = await toggle(session, client_id=client_id, category=value, now=now)
        else:
            settings = await set_paused(session, client_id=client_id, paused=value == "pause",
                                        now=now)
        if not settings.paused:
            await plan_all(session, now=now, timezone=context.settings.timezone,
                           waste_times=waste_times(context.settings.municipalities),
                           client_id=client_id)
        audit(session, actor=context.actor, action="reminders:set", detail=value)
    await query.answer(t._("Saved."))
    text, markup = settings_view(t, settings)
    await query.edit_message_text(text, reply_markup=markup)


def settings_view(t: Translator, settings: ReminderSettings) -> tuple[str, InlineKeyboardMarkup]:
    lines = [t._("🔔 Your reminders. Press a button to switch a kind on or off.")]
    if settings.paused:
        lines += ["", t._("⏸ All reminders are paused. Nothing is sent until you resume them.")]
    rows = [
        [InlineKeyboardButton(
            f"{'✅' if getattr(settings, key) else '❌'} {t._(label)}",
            callback_data=f"rset:{key}")]
        for key, label in LABELS.items()
    ]
    rows.append([
        InlineKeyboardButton(t._("▶️ Resume reminders"), callback_data="rset:resume")
        if settings.paused
        else InlineKeyboardButton(t._("⏸ Pause all reminders"), callback_data="rset:pause")
    ])
    return "\n".join(lines), InlineKeyboardMarkup(rows)


def register(app: LotseApp) -> None:
    remind.register(app)  # staff: /remind conversation for external appointments
    waste.register(app)  # clients: /waste, zones and sorting guides
    school.register(app)  # clients: /children, "my child is sick"
    app.add_handler(command("reminders", show_settings))
    app.add_handler(button("rset", change_setting))
    planning.register(app)  # planner jobs: at start and every night
