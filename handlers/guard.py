"""One authorization mechanism for every command and button.

``bot.commands`` lists who may use each command and each button prefix; ``authorize`` runs
before any feature handler and refuses the rest politely, revealing nothing, with an audit
entry. Handlers are registered through ``command`` and ``button`` so that nothing can be
registered without an entry in that table.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, CallbackQueryHandler, CommandHandler, filters

from bot.audit import audit
from bot.commands import BUTTONS, BY_NAME
from handlers.context import LotseContext

log = logging.getLogger("lotse.guard")

Callback = Callable[[Update, LotseContext], Coroutine[Any, Any, Any]]


async def authorize(update: Update, context: LotseContext) -> None:
    """Stop commands and buttons that the actor's role may not use."""
    role = context.actor.role
    query = update.callback_query
    if query is not None:
        prefix = (query.data or "").split(":", 1)[0]
        if prefix not in BUTTONS or not plausible(query.data or ""):
            await _refuse(update, context, f"button:{prefix[:20]}", stale=True)
        elif role not in BUTTONS[prefix]:
            await _refuse(update, context, f"button:{prefix}")
        return
    message = update.effective_message
    text = (message.text or "") if message else ""
    if text.startswith("/"):
        name = text.split()[0][1:].split("@", 1)[0].lower()
        spec = BY_NAME.get(name)
        if spec is not None and role not in spec.roles:
            await _refuse(update, context, f"command:{name}")


MAX_ID = 2**63 - 1  # the largest id a BIGINT column holds


def plausible(data: str) -> bool:
    """Callback data whose numeric fields are ids a database can hold: forged fields like
    "²" (a digit to Python, not to ``int``) or 60-digit numbers make the button stale."""
    for field in data.split(":")[1:]:
        if any(c.isdigit() and not c.isascii() for c in field):
            return False
        digits = field.removeprefix("-")
        if digits.isdigit() and int(digits) > MAX_ID:
            return False
    return True


async def _refuse(update: Update, context: LotseContext, action: str, *, stale: bool = False
                  ) -> None:
    """Answer like an unknown command or a stale button, so nothing about the feature leaks."""
    async with context.uow() as session:
        audit(session, actor=context.actor, action=action, allowed=False,
              detail="unknown" if stale else "role")
    t = context.t
    if update.callback_query:
        await update.callback_query.answer(
            t._("This button is no longer valid. Please start again with /start.") if stale
            else t._("This button is not available to you."),
            show_alert=True,
        )
    elif update.effective_message:
        await update.effective_message.reply_text(
            t._("Sorry, I don't know this command. /help shows what I can do.")
        )
    raise ApplicationHandlerStop


def command(name: str, callback: Callback) -> CommandHandler[LotseContext, Any]:
    """A handler for a command listed in ``bot.commands`` (private chats only)."""
    if name not in BY_NAME:
        raise KeyError(f"/{name} is not listed in bot.commands.COMMANDS")
    return CommandHandler(name, callback, filters=filters.ChatType.PRIVATE)


def button(prefix: str, callback: Callback) -> CallbackQueryHandler[LotseContext, Any]:
    """A handler for inline buttons whose callback data starts with ``prefix:``.

    Callback data is written by this bot only, so data the handler cannot read (a field
    missing, a word where an id belongs) comes from an old version or a forger: the button
    is answered as stale, with a one-line warning and no traceback."""
    if prefix not in BUTTONS:
        raise KeyError(f"button prefix {prefix!r} is not listed in bot.commands.BUTTONS")

    async def guarded(update: Update, context: LotseContext) -> Any:
        try:
            return await callback(update, context)
        except (ValueError, LookupError, OverflowError) as exc:
            log.warning("update %s: button %s: data not understood (%s)",
                        update.update_id, prefix, type(exc).__name__)
            if update.callback_query is not None:
                await update.callback_query.answer(context.t._(
                    "This button is no longer valid. Please start again with /start."),
                    show_alert=True)
            return None

    guarded.__wrapped__ = callback  # type: ignore[attr-defined]
    return CallbackQueryHandler(guarded, pattern=f"^{prefix}:")
