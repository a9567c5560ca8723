"""Buttons under relayed messages and answers: quick replies, "done", one-tap contact time."""

from __future__ import annotations

from telegram import Message, Update

from bot.casework.contact_time import log_time, target_by_id
from bot.conversation.inbox import mark_done
from bot.conversation.texts import QUICK_REPLIES
from bot.refusal import Refused
from handlers.context import LotseApp, LotseContext
from handlers.conversation.relay import answer_and_confirm
from handlers.guard import button
from models import ContactKind

KINDS = {"p": ContactKind.PHONE, "c": ContactKind.CONSULTATION}


async def quick_reply(update: Update, context: LotseContext) -> None:
    """qr:<stored message>:<number>: answer the client with a translated quick reply."""
    query = update.callback_query
    assert query is not None
    _, stored, number = (query.data or "").split(":")
    await query.answer()
    if not isinstance(query.message, Message) or not 0 <= int(number) < len(QUICK_REPLIES):
        return
    # The key names the relayed message and the reply: pressing it twice answers once.
    await answer_and_confirm(
        query.message, context, key=f"q:{stored}:{number}:{context.actor.caseworker_id}",
        stored_id=int(stored), reference=None, text=None, copy=None, content="quick",
        quick=int(number))


async def done(update: Update, context: LotseContext) -> None:
    """cvd:<conversation>: no answer needed; it leaves the inbox."""
    query = update.callback_query
    assert query is not None
    async with context.uow() as session:
        reference = await mark_done(session, actor=context.actor,
                                    conversation_id=int((query.data or "").split(":")[1]),
                                    now=context.now())
    t = context.t
    if reference is None:
        await query.answer(t._("This button is not available to you."), show_alert=True)
        return
    await query.answer(t._("%(reference)s is done and has left the inbox.",
                           reference=reference))


async def contact_time(update: Update, context: LotseContext) -> None:
    """ct:<client>:<answer>:<p|c>:<minutes>: log the time once per answer."""
    query = update.callback_query
    assert query is not None
    _, client_id, answer_id, kind, minutes = (query.data or "").split(":")
    t, now = context.t, context.now()
    try:
        async with context.uow() as session:
            target = await target_by_id(session, actor=context.actor, client_id=int(client_id))
            entry, new = await log_time(
                session, actor=context.actor, target=target, minutes=int(minutes),
                kind=KINDS.get(kind, ContactKind.CONSULTATION), day=None, note=None,
                telegram_key=f"cv-answer:{answer_id}", now=now,
                timezone=context.settings.timezone,
                configs=context.settings.municipalities)
            label = target.label
    except Refused as exc:
        await query.answer(t._(exc.message, **exc.params), show_alert=True)
        return
    if new:
        await query.answer(t._("%(minutes)s min logged for %(reference)s.",
                               minutes=entry.minutes, reference=label))
        if query.message is not None:
            await query.edit_message_reply_markup(None)
    else:
        await query.answer(t._("The time of this answer is logged already (%(minutes)s min).",
                               minutes=entry.minutes), show_alert=True)


def register(app: LotseApp) -> None:
    app.add_handler(button("qr", quick_reply))
    app.add_handler(button("cvd", done))
    app.add_handler(button("ct", contact_time))
