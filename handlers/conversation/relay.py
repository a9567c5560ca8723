"""A client's message to the caseworker, the caseworker's reply back, and ``/reply``.

Registered after every other feature and right before the fallback: a message that a flow
(an /invite, a broadcast draft, a plan note) waits for never reaches this handler.
"""

from __future__ import annotations

import re
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.ext import MessageHandler, filters

from bot.audit import audit
from bot.conversation.relay import (
    Incoming,
    answer,
    client_by_reference,
    client_of_message,
    may_answer,
    receive,
)
from bot.i18n import Translator
from bot.parsing import normalise_reference
from bot.roles import Role
from handlers import fallback
from handlers.context import LotseApp, LotseContext
from handlers.guard import command
from handlers.outbox.dispatch import deliver_now
from models import Client

RELAYED = (filters.TEXT | filters.PHOTO | filters.Document.ALL | filters.VOICE
           | filters.VIDEO_NOTE | filters.VIDEO | filters.AUDIO) & ~filters.COMMAND
REFERENCE = re.compile(r"\bC-\d{4,8}\b")
QUICK_DATA = re.compile(r"^qr:(\d+):")


def incoming_of(message: Message) -> Incoming | None:
    """What the message holds, or None for kinds that are not relayed (stickers, …)."""
    text = message.text or message.caption
    common: dict[str, Any] = {"chat_id": message.chat_id, "message_id": message.message_id,
                              "text": text, "media_group_id": message.media_group_id}
    if message.text:
        return Incoming("text", **common)
    for content in ("photo", "document", "voice", "video_note", "video", "audio"):
        value = getattr(message, content)
        if value:
            file = value[-1] if isinstance(value, tuple | list) else value
            return Incoming(content, file_id=file.file_id, **common)
    return None


async def on_message(update: Update, context: LotseContext) -> None:
    message = update.effective_message
    assert message is not None
    actor = context.actor
    if actor.role is Role.CLIENT and actor.client_id is not None:
        await relay_from_client(message, context)
    elif actor.is_staff and message.reply_to_message is not None and any(
            target_of(message.reply_to_message)):
        await reply_from_caseworker(message, context)
    else:
        await fallback.other_message(update, context)


async def relay_from_client(message: Message, context: LotseContext) -> None:
    t, actor = context.t, context.actor
    assert actor.client_id is not None
    incoming = incoming_of(message)
    if incoming is None:
        await message.reply_text(t._("I can pass on texts, photos, documents, voice messages "
                                     "and video messages to your integration manager."))
        return
    async with context.uow() as session:
        received = await receive(session, client_id=actor.client_id, incoming=incoming,
                                 now=context.now(), tz=context.settings.timezone)
    await deliver_now(context, received.keys)
    if received.first:  # (the photos of an album after the first belong to it already)
        await message.reply_text(acknowledgement(t, received.next_hours))


def acknowledgement(t: Translator, next_hours: Any) -> str:
    """One short answer per conversation: it arrived, and when an answer can be expected."""
    if next_hours is None:
        return t._("Thank you, your message has reached your integration manager "
                   "(Integrationsmanager/in). You will get an answer here as soon as possible.")
    when = (f"{t.fmt_weekday(next_hours.astimezone(t.timezone).weekday())} "
            f"{t.fmt_time(next_hours)}")
    return t._("Thank you, your message has reached your integration manager "
               "(Integrationsmanager/in). You will get an answer here during office hours "
               "— next: %(when)s.", when=when)


def target_of(replied: Message) -> tuple[int | None, str | None]:
    """The stored message id behind a relayed message's buttons, or a case reference."""
    markup = replied.reply_markup
    if markup is not None:
        for row in markup.inline_keyboard:
            for button in row:
                match = QUICK_DATA.match(str(button.callback_data or ""))
                if match:
                    return int(match.group(1)), None
    found = REFERENCE.search(replied.text or replied.caption or "")
    return None, found.group(0) if found else None


async def reply_from_caseworker(message: Message, context: LotseContext) -> None:
    assert message.reply_to_message is not None
    stored_id, reference = target_of(message.reply_to_message)
    copy = None if message.text else (message.chat_id, message.message_id)
    incoming = incoming_of(message)
    await answer_and_confirm(message, context, key=f"{message.chat_id}:{message.message_id}",
                             stored_id=stored_id, reference=reference,
                             text=message.text or message.caption, copy=copy,
                             content=incoming.content if incoming else "other",
                             file_id=incoming.file_id if incoming else None)


async def reply_command(update: Update, context: LotseContext) -> None:
    """/reply C-0042 text: an answer without replying to the relayed message."""
    message = update.effective_message
    assert message is not None
    parts = (message.text or "").split(maxsplit=2)
    reference = normalise_reference(parts[1]) if len(parts) > 1 else None
    if reference is None or len(parts) < 3:
        await message.reply_text(context.t._(
            "Please write: /reply <case> <text>, for example: /reply C-0042 Please come on "
            "Wednesday. Or answer a relayed message with Telegram's “Reply”."))
        return
    await answer_and_confirm(message, context, key=f"{message.chat_id}:{message.message_id}",
                             stored_id=None, reference=reference, text=parts[2], copy=None,
                             content="text")


async def answer_and_confirm(
    message: Message, context: LotseContext, *, key: str, stored_id: int | None,
    reference: str | None, text: str | None, copy: tuple[int, int] | None, content: str,
    quick: int | None = None, file_id: str | None = None,
) -> None:
    """Queue the answer for the client and confirm it to the caseworker under ``message``,
    with the one-tap contact-time buttons."""
    t, actor, now = context.t, context.actor, context.now()
    async with context.uow() as session:
        client = await _client(session, stored_id, reference)
        if client is None or not await may_answer(session, actor, client, now):
            audit(session, actor=actor, action="conversation:answer", allowed=False,
                  target=f"client:{reference or stored_id}")
            answered = None
            refused = True
        else:
            refused = False
            answered = await answer(session, actor=actor, client=client, key=key, now=now,
                                    tz=context.settings.timezone, content=content, text=text,
                                    copy=copy, quick=quick, file_id=file_id)
    if refused:
        await message.reply_text(t._(
            "I cannot find the case %(reference)s among the cases of your towns. "
            "/cases shows them.", reference=reference or "–"))
        return
    if answered is None:
        await message.reply_text(t._("This client cannot be reached through the bot."))
        return
    await deliver_now(context, answered.keys)
    await message.reply_text(t._("Sent to %(reference)s.", reference=answered.reference),
                             reply_markup=contact_time_keyboard(t, answered.client_id,
                                                                answered.answer_id))


async def _client(session: Any, stored_id: int | None, reference: str | None
                  ) -> Client | None:
    if stored_id is not None:
        return await client_of_message(session, stored_id)
    return await client_by_reference(session, reference or "")


def contact_time_keyboard(t: Translator, client_id: int, answer_id: int
                          ) -> InlineKeyboardMarkup:
    """Log the contact time of this answer with one tap (once, however often it is pressed)."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(t._("⏱ %(minutes)s min phone", minutes=m),
                              callback_data=f"ct:{client_id}:{answer_id}:p:{m}")
         for m in (5, 10, 15)],
        [InlineKeyboardButton(t._("⏱ %(minutes)s min consultation", minutes=m),
                              callback_data=f"ct:{client_id}:{answer_id}:c:{m}")
         for m in (5, 10, 15)],
    ])


def register(app: LotseApp) -> None:
    app.add_handler(command("reply", reply_command))
    app.add_handler(MessageHandler(filters.ChatType.PRIVATE & RELAYED, on_message))
