"""The public menu: what integration management is, office hours, emergency numbers, and
'please contact me' for people who have no invite yet."""

from __future__ import annotations

import logging

from telegram import Update

from bot.audit import audit
from bot.municipalities import municipality_by_key
from bot.onboarding.contact import request_contact
from bot.onboarding.notifications import notify_contact_request
from bot.roles import Role
from bot.texts import about_integration_management, emergency_numbers, office_hours
from handlers.context import LotseApp, LotseContext
from handlers.guard import button
from handlers.keyboards import language_picker, municipality_picker
from handlers.onboarding.privacy import privacy_text
from handlers.outbox.dispatch import deliver_now

log = logging.getLogger(__name__)


async def show_public_info(update: Update, context: LotseContext) -> None:
    """Answer one of the public menu buttons."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    t, what = context.t, query.data.removeprefix("pub:")
    await query.answer()
    if what == "about":
        await message.reply_text(about_integration_management(t))
    elif what == "hours":
        await message.reply_text(office_hours(t, context.settings.municipalities))
    elif what == "sos":
        await message.reply_text(emergency_numbers(t))
    elif what == "privacy":
        async with context.uow() as session:
            text = await privacy_text(session, context)
        await message.reply_text(text)
    elif what == "language":
        await message.reply_text(
            t._("Choose your language:"), reply_markup=language_picker("lang")
        )
    elif what == "contact":
        if context.actor.role is not Role.STRANGER:
            await message.reply_text(
                t._("You are already registered with Lotse. /help shows what I can do.")
            )
            return
        await message.reply_text(
            t._(
                "Which town do you live in? When you choose, we pass your Telegram name and "
                "your language to the integration management team there, so that they can "
                "contact you."
            ),
            reply_markup=municipality_picker(context.settings, "pcm"),
        )
    else:
        await message.reply_text(
            t._("This button is no longer valid. Please start again with /start.")
        )


async def ask_to_be_contacted(update: Update, context: LotseContext) -> None:
    """Record the request and tell the team of that municipality at once."""
    query = update.callback_query
    user = update.effective_user
    assert query is not None and query.data is not None and user is not None
    t = context.t
    await query.answer()
    if context.actor.role is not Role.STRANGER:
        await query.edit_message_text(
            t._("You are already registered with Lotse. /help shows what I can do.")
        )
        return
    async with context.uow() as session:
        municipality = await municipality_by_key(session, query.data.removeprefix("pcm:"))
        if municipality is None:
            await query.edit_message_text(
                t._("This button is no longer valid. Please start again with /start.")
            )
            return
        outcome = await request_contact(
            session,
            telegram_id=user.id,
            name=user.full_name,
            username=user.username,
            language=t.language,
            municipality=municipality,
            now=context.now(),
        )
        audit(session, actor=context.actor, action="contact:request",
              target=f"municipality:{municipality.key}", detail="new" if outcome.created
              else "repeat")
        # Through the outbox: the team hears of it even if sending fails right now.
        keys = await notify_contact_request(
            session, request=outcome.request, municipality_name=municipality.name,
            caseworkers=outcome.notify, now=context.now(),
        )
        town = municipality.name
    if not outcome.created:
        await query.edit_message_text(
            t._("You have already asked to be contacted. The team will get back to you soon.")
        )
        return
    await query.edit_message_text(
        t._(
            "Thank you. We have passed your request to the integration management of "
            "%(municipality)s. Someone will contact you soon. We stored only your Telegram "
            "name, your language and the town.",
            municipality=town,
        )
    )
    await deliver_now(context, keys)


def register(app: LotseApp) -> None:
    app.add_handler(button("pub", show_public_info))
    app.add_handler(button("pcm", ask_to_be_contacted))
