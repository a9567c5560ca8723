"""/broadcast: audience, a text per language (German as fallback), preview, confirm, progress.

The draft lives in the caseworker's user data; its buttons carry a nonce so that buttons of
an older draft answer as stale. Confirming queues the messages in the outbox and turns the
confirmation into the status message that the dispatcher edits with the progress.
"""

from __future__ import annotations

import secrets
import warnings
from typing import Any

from sqlalchemy import select
from telegram import Update
from telegram.ext import ConversationHandler, MessageHandler, filters
from telegram.warnings import PTBUserWarning

from bot.audit import audit
from bot.i18n import LANGUAGES, N_, user_text
from bot.outbox.broadcast_progress import STOP_PREFIX, progress_of, status_message
from bot.outbox.broadcasts import (
    MAX_TEXT,
    Audience,
    audience_languages,
    shown_length,
    start_broadcast,
    stop_broadcast,
)
from bot.roles import Role
from bot.text_limits import too_long
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from handlers.outbox.broadcast_views import (
    composer,
    confirmation,
    filter_picker,
    preview,
    scope_picker,
    text_prompt,
)
from handlers.outbox.dispatch import keyboard_of, wake
from models import Municipality

CHOOSING, WRITING = range(2)
DRAFT = "broadcast_draft"
END = ConversationHandler.END
STALE = N_("This button is no longer valid. Please start again with /broadcast.")


async def begin_broadcast(update: Update, context: LotseContext) -> int:
    """Ask who should receive the announcement."""
    message = update.effective_message
    assert message is not None and context.user_data is not None
    t = context.t
    if not context.actor.municipality_ids:
        await message.reply_text(
            t._("You are not assigned to any town yet. Please ask an administrator."))
        return END
    async with context.uow() as session:
        towns = [(m.id, m.name) for m in await session.scalars(
            select(Municipality).where(Municipality.id.in_(context.actor.municipality_ids))
            .order_by(Municipality.id))]
    nonce = secrets.token_hex(2)
    context.user_data[DRAFT] = {"nonce": nonce, "texts": {}}
    text, keyboard = scope_picker(t, nonce, towns, admin=context.actor.role is Role.ADMIN)
    await message.reply_text(text, reply_markup=keyboard)
    return CHOOSING


async def press(update: Update, context: LotseContext) -> int | None:
    """Handle every button of the draft: audience, texts, previews, confirmation."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t, draft = context.t, _draft(context)
    _, nonce, action, arg = [*query.data.split(":"), "", "", ""][:4]
    if draft is None or nonce != draft["nonce"]:
        await query.answer(t._(STALE), show_alert=True)
        return None
    await query.answer()
    if action == "x":
        context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
        await query.edit_message_text(t._("Cancelled. Nothing was sent."))
        return END
    if action == "m":  # the towns
        ids = context.actor.municipality_ids if arg == "*" else (
            {int(arg)} if arg.isdigit() and context.actor.may_touch(int(arg)) else set())
        if not ids:
            await query.edit_message_text(t._(STALE))
            return END
        draft["ids"] = sorted(ids)
        async with context.uow() as session:
            counts = await audience_languages(session, Audience(frozenset(ids)))
        text, keyboard = filter_picker(t, nonce, counts)
        await query.edit_message_text(text, reply_markup=keyboard)
        return CHOOSING
    if action == "f" and "ids" in draft:  # all, school families or one language
        draft["language"] = arg if arg in LANGUAGES else None
        draft["school"] = arg == "school"
        async with context.uow() as session:
            draft["counts"] = await audience_languages(session, _audience(draft))
        if not draft["counts"]:
            await query.edit_message_text(t._(
                "Nobody in this audience can receive messages from the bot yet. Please choose "
                "another audience with /broadcast."))
            return END
        return await _ask_text(update, context, "de", edit=True)
    if "counts" not in draft:
        return None
    if action == "t" and arg in LANGUAGES:
        return await _ask_text(update, context, arg, edit=False)
    if action == "e":
        draft["texts"].pop(arg, None)
        draft.pop("awaiting", None)
        await _show_composer(update, context)
        return CHOOSING
    if action == "p" and arg in LANGUAGES and "de" in draft["texts"]:
        assert update.effective_message is not None
        await update.effective_message.reply_text(preview(t, arg, draft["texts"]))
        return CHOOSING
    if action in ("s", "b") and "de" in draft["texts"]:
        text, keyboard = (confirmation(t, nonce, sum(draft["counts"].values()), context.now())
                          if action == "s" else composer(t, draft))
        await query.edit_message_text(text, reply_markup=keyboard)
        return CHOOSING
    if action in ("y", "u") and "de" in draft["texts"]:
        return await _send(update, context, urgent=action == "u")
    return None


async def receive_text(update: Update, context: LotseContext) -> int:
    """Keep the text for the language asked for, then show the draft."""
    message = update.effective_message
    assert message is not None
    t, draft = context.t, _draft(context)
    if draft is None or "awaiting" not in draft:
        await message.reply_text(t._("Please use the buttons above, or /cancel."))
        return CHOOSING
    text = (message.text or "").strip()
    if not text:
        await message.reply_text(t._("Please send the announcement as a text message."))
        return WRITING
    if shown_length(text) > MAX_TEXT:  # nothing is kept: they shorten it and send again
        await message.reply_text(too_long(t, t._("This text is too long: at most %(max)s "
                                                 "characters, please.", max=MAX_TEXT),
                                          user_text(text)))
        return WRITING
    draft["texts"][draft.pop("awaiting")] = text
    await _show_composer(update, context)
    return CHOOSING


async def stop_sending(update: Update, context: LotseContext) -> None:
    """Stop a running broadcast: what is not sent yet is cancelled."""
    query = update.callback_query
    assert query is not None and query.data is not None
    t, raw = context.t, query.data.removeprefix(f"{STOP_PREFIX}:")
    async with context.uow() as session:
        broadcast = raw.isdigit() and await stop_broadcast(
            session, broadcast_id=int(raw), actor=context.actor)
        if not broadcast:
            await query.answer(t._(STALE), show_alert=True)
            return
        audit(session, actor=context.actor, action="broadcast:stop",
              target=f"broadcast:{broadcast.id}")
        progress = await progress_of(session, broadcast.id)
        status = status_message(t, broadcast, progress,
                                finished=broadcast.finished_at is not None)
    await query.answer()
    await query.edit_message_text(status.text)
    # The dispatcher writes the final report, once the messages in flight are answered.
    wake(context.application)


async def cancel(update: Update, context: LotseContext) -> int:
    """Drop the draft; nothing was sent."""
    assert update.effective_message is not None
    if context.user_data is not None:
        context.user_data.pop(DRAFT, None)
    await update.effective_message.reply_text(context.t._("Cancelled. Nothing was sent."))
    return END


async def _send(update: Update, context: LotseContext, *, urgent: bool) -> int:
    query, chat = update.callback_query, update.effective_chat
    assert query is not None and query.message is not None and chat is not None
    t, draft = context.t, _draft(context)
    assert draft is not None
    context.user_data.pop(DRAFT, None)  # type: ignore[union-attr]
    async with context.uow() as session:
        try:
            broadcast = await start_broadcast(
                session, actor=context.actor, audience=_audience(draft), texts=draft["texts"],
                urgent=urgent, now=context.now(), status_chat_id=chat.id)
        except PermissionError:  # a town was taken from them since the draft began
            await query.edit_message_text(t._(STALE))
            return END
        broadcast.status_message_id = query.message.message_id
        audit(session, actor=context.actor, action="broadcast:send",
              target=f"broadcast:{broadcast.id}", detail=f"{broadcast.total} recipients")
        status = status_message(t, broadcast, await progress_of(session, broadcast.id),
                                finished=False)
    await query.edit_message_text(status.text, reply_markup=keyboard_of(status.buttons))
    wake(context.application)
    return END


async def _ask_text(update: Update, context: LotseContext, language: str, *, edit: bool) -> int:
    query = update.callback_query
    assert query is not None and update.effective_message is not None
    draft = _draft(context)
    assert draft is not None
    draft["awaiting"] = language
    text, keyboard = text_prompt(context.t, draft, language)
    if edit:
        await query.edit_message_text(text, reply_markup=keyboard)
    else:
        await update.effective_message.reply_text(text, reply_markup=keyboard)
    return WRITING


async def _show_composer(update: Update, context: LotseContext) -> None:
    draft = _draft(context)
    assert draft is not None and update.effective_message is not None
    text, keyboard = composer(context.t, draft)
    await update.effective_message.reply_text(text, reply_markup=keyboard)


def _audience(draft: dict[str, Any]) -> Audience:
    return Audience(frozenset(draft["ids"]), draft.get("language"), draft.get("school", False))


def _draft(context: LotseContext) -> dict[str, Any] | None:
    draft = (context.user_data or {}).get(DRAFT)
    return draft if isinstance(draft, dict) else None


def register(app: LotseApp) -> None:
    # Buttons are tracked per user and chat, not per message: the warning about it is moot.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=PTBUserWarning)
        conversation = ConversationHandler(
            entry_points=[command("broadcast", begin_broadcast)],
            states={
                CHOOSING: [button("bc", press),
                           MessageHandler(filters.TEXT & ~filters.COMMAND, receive_text)],
                WRITING: [MessageHandler(~filters.COMMAND, receive_text), button("bc", press)],
            },
            fallbacks=[command("cancel", cancel)],
            conversation_timeout=30 * 60,
            allow_reentry=True,
            per_message=False,
        )
    app.add_handler(conversation)
    app.add_handler(button(STOP_PREFIX, stop_sending))
