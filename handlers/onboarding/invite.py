"""/invite: a caseworker creates a client's invite link and QR code in three short steps."""

from __future__ import annotations

import warnings
from typing import Any

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Update
from telegram.ext import ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.audit import audit
from bot.i18n import LANGUAGES, user_text
from bot.onboarding.invites import (
    INVITE_VALIDITY,
    MAX_NAME,
    create_client_invite,
    deep_link,
    qr_png,
)
from bot.text_limits import telegram_length, too_long
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from handlers.keyboards import municipality_picker
from models import Caseworker, Municipality

# Conversation states.
NAME, MUNICIPALITY, LANGUAGE = range(3)
DRAFT = "invite_draft"


async def begin_invite(update: Update, context: LotseContext) -> int | None:
    """Ask for the client's name (a first name or pseudonym)."""
    assert update.effective_message is not None
    t = context.t
    if not context.actor.municipality_ids:
        await update.effective_message.reply_text(
            t._("You are not assigned to any town yet. Please ask an administrator.")
        )
        return ConversationHandler.END
    context.user_data[DRAFT] = {}  # type: ignore[index]
    await update.effective_message.reply_text(
        t._("What is the new client's name? A first name or a pseudonym is enough. "
            "(/cancel stops)")
    )
    return NAME


async def receive_name(update: Update, context: LotseContext) -> int:
    """Keep the name, then ask for the town unless there is only one."""
    message = update.effective_message
    assert message is not None and message.text is not None
    t, name = context.t, " ".join(message.text.split())
    if not 1 <= telegram_length(name) <= MAX_NAME:
        problem = t._("Please send a name of 1 to %(max)s characters.", max=MAX_NAME)
        await message.reply_text(too_long(t, problem, name) if name else problem)
        return NAME
    draft = _draft(context)
    draft["name"] = name
    async with context.uow() as session:
        rows = await session.scalars(
            select(Municipality).where(Municipality.id.in_(context.actor.municipality_ids))
        )
        keys = {m.key for m in rows}
    if len(keys) == 1:
        draft["municipality"] = keys.pop()
        await _ask_language(update, context)
        return LANGUAGE
    await message.reply_text(
        t._("Which town does %(name)s live in?", name=user_text(name)),
        reply_markup=municipality_picker(context.settings, "invm", keys),
    )
    return MUNICIPALITY


async def receive_municipality(update: Update, context: LotseContext) -> int:
    query = update.callback_query
    assert query is not None and query.data is not None
    await query.answer()
    _draft(context)["municipality"] = query.data.removeprefix("invm:")
    await _ask_language(update, context)
    return LANGUAGE


async def _ask_language(update: Update, context: LotseContext) -> None:
    t = context.t
    buttons = [
        InlineKeyboardButton(lang.native_name, callback_data=f"invl:{lang.code}")
        for lang in LANGUAGES.values()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([InlineKeyboardButton(t._("Let them choose"), callback_data="invl:-")])
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        t._("Which language does %(name)s speak?", name=user_text(_draft(context)["name"])),
        reply_markup=InlineKeyboardMarkup(rows),
    )


async def receive_language(update: Update, context: LotseContext) -> int:
    """Create the client and the invite; send the link and a printable QR code."""
    query, message = update.callback_query, update.effective_message
    assert query is not None and query.data is not None and message is not None
    await query.answer()
    t, draft = context.t, _draft(context)
    language = query.data.removeprefix("invl:")
    async with context.uow() as session:
        municipality = await session.scalar(
            select(Municipality).where(Municipality.key == draft.get("municipality"))
        )
        if municipality is None or not context.actor.may_touch(municipality.id):
            await query.edit_message_text(
                t._("This button is no longer valid. Please start again with /invite.")
            )
            return ConversationHandler.END
        creator = await session.get(Caseworker, context.actor.caseworker_id)
        created = await create_client_invite(
            session,
            display_name=draft["name"],
            municipality=municipality,
            language=language if language in LANGUAGES else "",
            created_by=creator,
            now=context.now(),
        )
        client = created.invite.client
        assert client is not None
        reference, town = client.reference, municipality.name
        audit(session, actor=context.actor, action="client:invite", target=f"client:{reference}")
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    link = deep_link(context.bot.username, created.code)
    days = INVITE_VALIDITY.days
    await query.edit_message_text(
        t._("Invitation for %(name)s (%(reference)s, %(municipality)s) created. Send them this "
            "link or print the QR code:", name=user_text(draft["name"]), reference=reference,
            municipality=town)
        + "\n"
        + link
        + "\n\n"
        + t.ngettext("The link works once and is valid for %(n)s day.",
                     "The link works once and is valid for %(n)s days.", days)
    )
    await message.reply_photo(
        InputFile(qr_png(link), filename=f"invite-{reference}.png"),
        caption=t._("QR code for %(name)s (%(reference)s)", name=user_text(draft["name"]),
                    reference=reference),
    )
    return ConversationHandler.END


async def cancel(update: Update, context: LotseContext) -> int:
    """Stop the current step; nothing is stored."""
    assert update.effective_message is not None
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await update.effective_message.reply_text(context.t._("Cancelled. Nothing was stored."))
    return ConversationHandler.END


def _draft(context: LotseContext) -> dict[str, Any]:
    assert context.user_data is not None
    draft: dict[str, Any] = context.user_data.setdefault(DRAFT, {})
    return draft


def register(app: LotseApp) -> None:
    # Buttons are tracked per user and chat, not per message: the warning about it is moot.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[command("invite", begin_invite)],
            states={
                NAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, receive_name)],
                MUNICIPALITY: [button("invm", receive_municipality)],
                LANGUAGE: [button("invl", receive_language)],
            },
            fallbacks=[command("cancel", cancel)],
            conversation_timeout=15 * 60,
            allow_reentry=True,
            per_message=False,
        )
    app.add_handler(conversation)
    # /cancel outside a conversation: nothing to stop, same friendly answer.
    app.add_handler(command("cancel", cancel))
