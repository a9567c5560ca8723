"""One authorization mechanism for every command and button: refuse politely, reveal nothing,
write it to the audit log."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, filters

from bot.audit import audit
from bot.commands import BY_NAME
from bot.roles import Role
from handlers.context import LotseContext

R = TypeVar("R")
Callback = Callable[[Update, LotseContext], Awaitable[R]]


def guarded(
    roles: frozenset[Role], action: str
) -> Callable[[Callback[R]], Callable[[Update, LotseContext], Awaitable[R | None]]]:
    """Run the callback only for the given roles; everyone else gets a polite refusal."""

    def wrap(callback: Callback[R]) -> Callable[[Update, LotseContext], Awaitable[R | None]]:
        @functools.wraps(callback)
        async def checked(update: Update, context: LotseContext) -> R | None:
            if context.actor.role in roles:
                return await callback(update, context)
            await refuse(update, context, action)
            return None

        return checked

    return wrap


async def refuse(update: Update, context: LotseContext, action: str) -> None:
    """Answer like an unknown command or a stale button, so nothing about the feature leaks."""
    async with context.uow() as session:
        audit(session, actor=context.actor, action=action, allowed=False, detail="role")
    t = context.t
    if update.callback_query:
        await update.callback_query.answer(
            t._("This button is not available to you."), show_alert=True
        )
    elif update.effective_message:
        await update.effective_message.reply_text(
            t._("Sorry, I don't know this command. /help shows what I can do.")
        )


def command(name: str, callback: Callback[Any]) -> CommandHandler[LotseContext, Any]:
    """A command handler guarded by the roles listed for it in ``bot.commands``."""
    spec = BY_NAME[name]
    return CommandHandler(
        name, guarded(spec.roles, f"command:{name}")(callback), filters=filters.ChatType.PRIVATE
    )


def button(
    prefix: str, roles: frozenset[Role], callback: Callback[Any]
) -> CallbackQueryHandler[LotseContext, Any]:
    """A handler for inline buttons whose callback data starts with ``prefix:``."""
    return CallbackQueryHandler(
        guarded(roles, f"button:{prefix}")(callback), pattern=f"^{prefix}:"
    )
