"""Cross-cutting work that runs before every feature handler, in one handler group.

The steps run in order in one handler (a group each would cost a dispatch each); a step
that raises ``ApplicationHandlerStop`` ends the update there, as it would between groups.
"""

from __future__ import annotations

import time

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop, TypeHandler

from bot.i18n import pick_language
from bot.outbox.outcomes import mark_reachable
from bot.roles import Actor, Role, identify, person_rows, settle
from handlers.context import LotseApp, LotseContext
from handlers.guard import authorize
from handlers.rate_limit import CURRENT_UPDATE

FLOOD_WINDOW_SECONDS = 10.0
FLOOD_MAX_UPDATES = 20
CHOSEN_LANGUAGE = "chosen_language"  # a stranger's explicit choice (memory only)
CACHED_LANGUAGE = "language"  # the language of the last answer, for the error handler


def _cached_language(context: LotseContext) -> str | None:
    return context.user_data.get(CACHED_LANGUAGE) if context.user_data else None


async def remember_update(update: Update, context: LotseContext) -> None:
    """Note the update id, so that a reply given up by the rate limiter is logged with it."""
    CURRENT_UPDATE.set(update.update_id)


async def ignore_group_chats(update: Update, context: LotseContext) -> None:
    """Lotse talks one-to-one only; in groups it would leak case details to others."""
    chat = update.effective_chat
    if chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop


async def limit_flood(update: Update, context: LotseContext) -> None:
    """Drop updates of a user who sends more than 20 in 10 seconds; say so once."""
    user = update.effective_user
    if user is None:
        raise ApplicationHandlerStop
    now = time.monotonic()
    stamps, warned = context.bot_data.flood.get(user.id, ([], False))
    stamps = [s for s in stamps if now - s < FLOOD_WINDOW_SECONDS] + [now]
    if len(stamps) <= FLOOD_MAX_UPDATES:
        context.bot_data.flood[user.id] = (stamps, False)
        return
    context.bot_data.flood[user.id] = (stamps, True)
    if not warned and update.effective_message:
        t = context.translator(_cached_language(context) or pick_language(user.language_code))
        await update.effective_message.reply_text(
            t._("You are sending messages very quickly. Please wait a moment.")
        )
    raise ApplicationHandlerStop


async def load_actor(update: Update, context: LotseContext) -> None:
    """Find out who writes and in which language to answer."""
    user = update.effective_user
    assert user is not None  # limit_flood stopped updates without a user
    admins, reader = context.settings.admin_ids, context.bot_data.reader
    # Most updates come from clients: their one query needs no session at all.
    rows = await person_rows(reader, user.id) if reader is not None else None
    identity = None if rows is None else settle(
        rows, telegram_id=user.id, first_name=user.first_name, admin_ids=admins)
    if identity is None:
        async with context.uow() as session:
            identity = await identify(session, telegram_id=user.id,
                                      first_name=user.first_name, admin_ids=admins, rows=rows)
            if identity.actor.role is not Role.STRANGER and identity.unreachable:
                # Whoever writes has not blocked the bot (any more): the outbox may send
                # again. (The same query told whether a row of theirs is marked.)
                await mark_reachable(session, telegram_id=user.id)
    actor = identity.actor
    if actor.role is Role.STRANGER:
        # A stranger's choice of language lives only in memory: nothing is stored before
        # consent. Without a choice, Telegram's language_code preselects it.
        chosen = context.user_data.get(CHOSEN_LANGUAGE) if context.user_data is not None else None
        actor = Actor(
            telegram_id=actor.telegram_id,
            role=actor.role,
            language=chosen or pick_language(user.language_code),
            name=actor.name,
        )
    language = actor.language or pick_language(user.language_code)
    if context.user_data is not None:
        context.user_data[CACHED_LANGUAGE] = language  # for the error handler
    context.actor = actor
    context.t = context.translator(language)


async def before_features(update: Update, context: LotseContext) -> None:
    """Run the steps in order; the first that raises ApplicationHandlerStop ends the update."""
    await remember_update(update, context)
    await ignore_group_chats(update, context)
    await limit_flood(update, context)
    await load_actor(update, context)
    # Roles: one check for every command and button, before any feature sees the update.
    await authorize(update, context)


def register(app: LotseApp) -> None:
    app.add_handler(TypeHandler(Update, before_features), group=-1)
