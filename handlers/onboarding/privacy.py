"""/privacy: what Lotse stores about the person asking."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update

from bot.audit import audit
from bot.casework.plans import AREA_LABELS, STATUS_LABELS
from bot.i18n import LANGUAGES, Translator, user_text
from bot.onboarding.privacy import data_held
from bot.privacy.erase import erase_client
from bot.privacy.inventory import CATEGORIES, Row, export_json, inventory
from bot.privacy.retention import run_retention
from bot.roles import Role
from bot.special_categories import shown
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import Client, GoalStatus, PlanArea

NEWEST = 3  # items shown per category
RETENTION_AT = time(3, 30)  # local time, after the planners
log = logging.getLogger("lotse.privacy")


async def privacy_text(session: AsyncSession, context: LotseContext) -> str:
    """The data held about the reader, or what would be stored, in their language."""
    t, actor = context.t, context.actor
    if actor.role is Role.CLIENT and actor.client_id is not None:
        client = await session.get(Client, actor.client_id)
        assert client is not None
        await session.refresh(client, ["municipality", "caseworker"])
        audit(session, actor=actor, action="client:privacy", target=f"client:{client.reference}")
        manager = user_text(client.caseworker.name) if client.caseworker \
            else t._("not assigned yet")
        text = t._(
            "This is what we store about you:\n"
            "Case reference: %(reference)s\n"
            "Name: %(name)s\n"
            "Language: %(language)s\n"
            "Town: %(municipality)s\n"
            "Consent given: %(consent)s\n"
            "Integration manager: %(caseworker)s\n\n"
            "To delete your data, press “Delete my data” below. Contact-time records needed "
            "for billing are kept with your case reference only, without your name, as the law "
            "requires.",
            reference=client.reference,
            name=user_text(client.display_name),
            language=LANGUAGES[t.language].native_name,
            municipality=client.municipality.name,
            consent=t.fmt_date(client.consent_at) if client.consent_at else "–",
            caseworker=manager,
        )
        held = await data_held(session, client_id=client.id, now=context.now())
        extra = [t._("Upcoming appointments: %(count)s", count=held.upcoming_appointments)]
        if held.children:
            extra.append(t._("Children you told us about: %(names)s",
                             names=", ".join(map(user_text, held.children))))
        if held.waste_zone:
            extra.append(t._("Waste collection zone: %(zone)s", zone=user_text(held.waste_zone)))
        if held.messages:
            extra.append(t._("Messages between you and the integration management: "
                             "%(count)s, of them with a photo, document, voice or video: "
                             "%(files)s (kept as Telegram references, not downloaded)",
                             count=held.messages, files=held.files))
        held_rows = await inventory(session, client)
        return "\n\n".join([text, t._("Also stored:") + "\n" + "\n".join(extra),
                             everything(t, held_rows)])
    if actor.is_staff:
        return t._(
            "We store your name, your Telegram account, your language, the towns you work "
            "for and a log of what you do with case data (audit log)."
        )
    return t._(
        "Until you accept an invitation or ask to be contacted, we store nothing that names "
        "you: only coded entries without your Telegram account, so that misuse can be traced. "
        "If you ask to be contacted, we store your Telegram name, your language and your town "
        "and pass them to the integration management team."
    )


def _when(t: Translator, value: Any) -> str:
    if isinstance(value, datetime):
        return t._("%(date)s, %(time)s", date=t.fmt_date(value, with_weekday=False),
                   time=t.fmt_time(value))
    if isinstance(value, date):
        return t.fmt_date(value, with_weekday=False)
    return "–"


def _item(t: Translator, key: str, row: Row) -> str | None:
    """One of the newest items of a category, worded by the special-category rule."""
    if key == "bookings":
        return _when(t, row["start_at"])
    if key == "external_appointments":
        return t._("%(when)s, %(place)s", when=_when(t, row["starts_at"]),
                   place=user_text(row["place_name"]))
    if key == "plan_goals":
        area = PlanArea(row["area"])
        return t._("%(area)s: %(status)s",
                   area=shown(t, area, AREA_LABELS[area], for_staff=False) or "–",
                   status=t._(STATUS_LABELS[GoalStatus(row["status"])]))
    if key == "contact_entries":
        return t._("%(date)s: %(minutes)s min", date=_when(t, row["entry_date"]),
                   minutes=row["minutes"])
    if key == "children":
        return user_text(row["name"])
    if key in ("messages", "audit_log", "outbox", "conversations"):
        return _when(t, row.get("created_at") or row.get("at") or row.get("opened_at"))
    return None


def everything(t: Translator, held: dict[str, list[Row]]) -> str:
    """Every category with its count and the newest items."""
    lines = [t._("Everything we store about you, by category:")]
    for category in CATEGORIES:
        rows = held[category.key]
        lines.append(t._("%(category)s: %(count)s", category=t._(category.label),
                         count=len(rows)))
        for row in rows[:NEWEST]:
            item = _item(t, category.key, row)
            if item:
                lines.append(f"  • {item}")
    lines += ["", t._("With the button below you get all of it as a file.")]
    return "\n".join(lines)


def privacy_keyboard(t: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("📄 " + t._("Send me my data"), callback_data="pv:x")],
        [InlineKeyboardButton("🗑 " + t._("Delete my data"), callback_data="pv:d")],
    ])


async def privacy(update: Update, context: LotseContext) -> None:
    """Show the data held about the user."""
    assert update.effective_message is not None
    async with context.uow() as session:
        text = await privacy_text(session, context)
    markup = privacy_keyboard(context.t) if context.actor.client_id is not None else None
    for start in range(0, len(text), 4000):
        last = start + 4000 >= len(text)
        await update.effective_message.reply_text(text[start:start + 4000],
                                                  reply_markup=markup if last else None)


async def send_my_data(update: Update, context: LotseContext) -> None:
    """The JSON document with everything stored about the client, read in one unit of work."""
    query, actor, t = update.callback_query, context.actor, context.t
    assert query is not None
    if actor.client_id is None:
        await query.answer(t._("This button is not available to you."), show_alert=True)
        return
    await query.answer()
    async with context.uow() as session:
        client = await session.get(Client, actor.client_id)
        assert client is not None
        data = export_json(await inventory(session, client), reference=client.reference,
                           now=context.now())
        audit(session, actor=actor, action="client:export", target=f"client:{client.reference}")
        reference = client.reference
    await context.bot.send_document(
        chat_id=query.from_user.id, document=InputFile(data, filename=f"lotse-{reference}.json"),
        caption=t._("All data we store about you (%(reference)s), as a JSON file.",
                    reference=reference))


async def privacy_button(update: Update, context: LotseContext) -> None:
    query = update.callback_query
    assert query is not None
    if query.data == "pv:x":
        await send_my_data(update, context)
    elif query.data == "pv:d" and context.actor.client_id is not None:
        await query.answer()
        await query.edit_message_reply_markup(InlineKeyboardMarkup([[
            InlineKeyboardButton("🗑 " + context.t._("Yes, delete everything"),
                                 callback_data="pv:D"),
            InlineKeyboardButton(context.t._("No, keep it"), callback_data="pv:k")]]))
        await query.message.reply_text(context.t._(  # type: ignore[union-attr]
            "Do you really want us to delete your data? Your name, children, plan notes, "
            "messages and reminders are deleted and cannot be restored; appointments still "
            "to come are cancelled. The minutes of your consultations stay for billing, "
            "under your case reference only, as the law requires."))
    elif query.data == "pv:D" and context.actor.client_id is not None:
        await query.answer()
        async with context.uow() as session:
            client = await session.get(Client, context.actor.client_id)
            assert client is not None
            await erase_client(session, client=client, actor=context.actor, now=context.now(),
                               reason="asked by the client")
        context.user_data.clear()  # type: ignore[union-attr]
        await query.edit_message_text(context.t._(
            "Your data has been deleted. Thank you for having used Lotse. If you need help "
            "again, your town's integration management is there for you."))
    elif query.data == "pv:k":
        await query.answer()
        await query.edit_message_reply_markup(None)
    else:
        await query.answer(context.t._(
            "This button is no longer valid. Please start again with /start."), show_alert=True)


async def staff_erase(update: Update, context: LotseContext) -> None:
    """From the case card, for a client without Telegram access: asked twice."""
    query, t, actor = update.callback_query, context.t, context.actor
    assert query is not None and query.data is not None
    parts = query.data.split(":")
    client_id = int(parts[1])
    async with context.uow() as session:
        client = await session.get(Client, client_id)
        if client is None or not actor.may_touch(client.municipality_id):
            await query.answer(t._("This case does not exist or is not one of your towns."),
                               show_alert=True)
            return
        reference = client.reference
        if parts[2:] != ["y"]:
            await query.answer()
            await query.edit_message_reply_markup(InlineKeyboardMarkup([[
                InlineKeyboardButton("🗑 " + t._("Yes, erase %(reference)s",
                                                 reference=reference),
                                     callback_data=f"er:{client_id}:y")]]))
            await query.message.reply_text(t._(  # type: ignore[union-attr]
                "Erase all personal data of %(reference)s? Name, Telegram link, children, plan "
                "notes, messages and reminders are deleted; future appointments are cancelled. "
                "Contact time stays for billing under the reference only. Press the button "
                "again to confirm.", reference=reference))
            return
        await query.answer()
        erased = await erase_client(session, client=client, actor=actor, now=context.now(),
                                    reason="started by staff")
    await query.edit_message_text(t._(
        "The personal data of %(reference)s has been erased.", reference=erased.reference))


async def nightly_retention(context: LotseContext) -> None:
    """Erase closed cases past the retention period (see ``lotse retention --dry-run``)."""
    months = context.settings.retention_months
    with context.bot_data.metrics.planner_run("retention"):
        async with context.uow() as session:
            erased = await run_retention(session, now=context.now(), months=months,
                                         dry_run=False)
    log.info("retention: %d closed case(s) erased after %d months", len(erased), months)


def register(app: LotseApp) -> None:
    if app.job_queue is not None:
        app.job_queue.run_daily(nightly_retention, time=RETENTION_AT.replace(
            tzinfo=app.bot_data.settings.timezone), name="retention")
    app.add_handler(command("privacy", privacy))
    app.add_handler(button("pv", privacy_button))
    app.add_handler(button("er", staff_erase))
