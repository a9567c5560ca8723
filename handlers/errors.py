"""The error handler: log once with the update id, tell the user briefly in their language."""

from __future__ import annotations

import contextlib
import logging

from telegram import Update
from telegram.error import BadRequest, TelegramError, TimedOut

from bot.i18n import Translator, pick_language
from handlers.context import LotseApp, LotseContext
from handlers.middleware import CACHED_LANGUAGE
from handlers.rate_limit import ReplyDropped

log = logging.getLogger("lotse.errors")


async def report_error(update: object, context: LotseContext) -> None:
    """Log the failure (no message content, no token) and apologise to the user."""
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, ReplyDropped):
        return  # logged once where it was given up; an apology would meet the same limits
    if isinstance(context.error, TimedOut):
        log.warning("update %s: a reply timed out and is not sent again (it may have arrived)",
                    update_id)
        return
    query = update.callback_query if isinstance(update, Update) else None
    if query is not None:
        # Whatever happened, the button stops spinning.
        with contextlib.suppress(TelegramError):  # answered already by the handler
            await query.answer()
    if isinstance(context.error, BadRequest) and "not modified" in str(context.error):
        # A second tap on the same button: the message already shows what it should.
        log.info("update %s: message not modified (a repeated tap)", update_id)
        return
    log.error("update %s failed: %r", update_id, context.error, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_message is None:
        return
    user = update.effective_user
    language = (context.user_data or {}).get(CACHED_LANGUAGE) or pick_language(
        user.language_code if user else None
    )
    t = Translator(language, context.bot_data.settings.timezone)
    try:
        await update.effective_message.reply_text(
            t._("Sorry, something went wrong on our side. Please try again in a moment. "
                "In an emergency call 110 or 112.")
        )
    except TelegramError:
        log.warning("could not tell the user about the error in update %s", update_id)


def register(app: LotseApp) -> None:
    app.add_error_handler(report_error)
