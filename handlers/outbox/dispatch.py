"""Wire the outbox dispatcher into the Application: a JobQueue job, and the Bot API transport.

The job wakes the dispatcher every few seconds (``LOTSE_DISPATCH_INTERVAL``); handlers call
:func:`wake` after queueing a broadcast and :func:`deliver_now` for notifications that should
not wait for the next wake-up. The transport's requests pass the Application's rate limiter
(``handlers/rate_limit.py``) at background priority, after the replies to people.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest, ChatMigrated, Forbidden, RetryAfter, TelegramError, TimedOut
from telegram.ext import Application, ExtBot

from bot.limiter import Deferred, Priority
from bot.outbox.broadcast_progress import ProgressReporter
from bot.outbox.dispatcher import Dispatcher
from bot.outbox.queue import Rendered
from bot.outbox.sender import Outcome, SendResult
from handlers.context import BotData, LotseContext
from handlers.rate_limit import retry_after_seconds

log = logging.getLogger("lotse.dispatch")
JOB_NAME = "outbox-dispatcher"
DELIVER_NOW_TIMEOUT = 3.0  # a handler waits no longer; the dispatcher sends the rest

AnyApp = Application[Any, Any, Any, Any, BotData, Any]
_dispatchers: weakref.WeakKeyDictionary[Any, Dispatcher] = weakref.WeakKeyDictionary()


class TelegramTransport:
    """Sends rendered messages with PTB and turns its exceptions into outcomes.

    ``bot`` must carry the Application's rate limiter: every request is marked as background
    work, and a flood pause longer than ``max_pause_wait`` seconds defers it instead.
    """

    def __init__(self, bot: ExtBot[dict[str, Any]], *, max_pause_wait: float = 5.0) -> None:
        self.bot = bot
        self.limits = {"priority": Priority.BACKGROUND, "max_pause_wait": max_pause_wait}

    async def send(self, chat_id: int, message: Rendered) -> SendResult:
        markup = keyboard_of(message.buttons)
        try:
            if message.document is not None:
                filename, content = message.document
                sent = await self.bot.send_document(
                    chat_id, InputFile(content, filename=filename),
                    caption=message.text or None, reply_markup=markup,
                    rate_limit_args=self.limits,
                )
            elif message.album is not None:
                from_chat, message_ids = message.album
                copies = await self.bot.copy_messages(
                    chat_id, from_chat, message_ids, rate_limit_args=self.limits)
                return SendResult(Outcome.SENT, message_id=copies[0].message_id)
            elif message.copy is not None:
                from_chat, message_id = message.copy
                copied = await self.bot.copy_message(
                    chat_id, from_chat, message_id, caption=message.text or None,
                    reply_markup=markup, rate_limit_args=self.limits,
                )
                return SendResult(Outcome.SENT, message_id=copied.message_id)
            else:
                sent = await self.bot.send_message(chat_id, message.text, reply_markup=markup,
                                                   rate_limit_args=self.limits)
        except TelegramError as exc:
            return outcome_of(exc)
        except Deferred as deferred:
            return SendResult(Outcome.DEFERRED, str(deferred), retry_after=deferred.seconds)
        return SendResult(Outcome.SENT, message_id=sent.message_id)

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> SendResult:
        try:
            await self.bot.edit_message_text(
                message.text, chat_id=chat_id, message_id=message_id,
                reply_markup=keyboard_of(message.buttons), rate_limit_args=self.limits,
            )
        except TelegramError as exc:
            return outcome_of(exc)
        except Deferred as deferred:
            return SendResult(Outcome.DEFERRED, str(deferred), retry_after=deferred.seconds)
        return SendResult(Outcome.SENT, message_id=message_id)


def keyboard_of(buttons: list[list[tuple[str, str]]]) -> InlineKeyboardMarkup | None:
    """Rendered buttons, rows of (label, callback data), as an inline keyboard."""
    if not buttons:
        return None
    return InlineKeyboardMarkup([
        [InlineKeyboardButton(label, callback_data=data) for label, data in row]
        for row in buttons
    ])


def outcome_of(exc: TelegramError) -> SendResult:
    """What a Bot API error means for an outbox message (see errors.md in the shared data)."""
    detail = f"{type(exc).__name__}: {exc.message}"[:300]
    if isinstance(exc, RetryAfter):
        return SendResult(Outcome.RETRY_AFTER, detail, retry_after=retry_after_seconds(exc))
    if isinstance(exc, Forbidden):
        return SendResult(Outcome.BLOCKED, detail)
    if isinstance(exc, BadRequest | ChatMigrated):
        return SendResult(Outcome.REJECTED, detail)
    if isinstance(exc, TimedOut) and not exc.message.startswith("Pool timeout"):
        return SendResult(Outcome.UNCERTAIN, detail)  # the request may have arrived
    return SendResult(Outcome.TRANSIENT, detail)  # network errors, 5xx, pool timeouts


def dispatcher_for(app: AnyApp) -> Dispatcher | None:
    """The application's dispatcher, created once the database is open (None before)."""
    dispatcher, data = _dispatchers.get(app), app.bot_data
    if data.engine is None or data.sessions is None:
        return None
    if dispatcher is None or dispatcher.engine is not data.engine:  # (re)initialised
        config = data.dispatch
        dispatcher = Dispatcher(
            engine=data.engine, sessions=data.sessions,
            transport=TelegramTransport(app.bot, max_pause_wait=config.max_pause_wait),
            timezone=data.settings.timezone, clock=data.clock, config=config,
            limiter=data.limiter, on_send=data.metrics.count_send,
        )
        dispatcher.hooks.append(ProgressReporter(dispatcher))
        _dispatchers[app] = dispatcher
    return dispatcher


def wake(app: AnyApp) -> None:
    """Let the dispatcher look for due messages now (in the background)."""
    dispatcher = dispatcher_for(app)
    if dispatcher is not None and app.running:
        # A drain already under way takes this as a request for one more round.
        app.create_task(dispatcher.drain(lambda: not app.running), name="outbox-drain")


async def deliver_now(context: LotseContext, keys: list[str]) -> None:
    """Send these queued messages now if the limits allow; never hold the handler long."""
    dispatcher = dispatcher_for(context.application)
    if dispatcher is None or not keys:
        return
    # As a task of the application, it is finished (not cut off) when the bot stops.
    task = context.application.create_task(dispatcher.deliver_now(keys), name="deliver-now")
    done, _ = await asyncio.wait({task}, timeout=DELIVER_NOW_TIMEOUT)
    if not done:
        log.info("a notification waits for the dispatcher (sending limits reached)")


async def _tick(context: LotseContext) -> None:
    """Wake the dispatcher (the JobQueue calls this every few seconds)."""
    wake(context.application)


def register(app: AnyApp) -> None:
    config = app.bot_data.dispatch
    assert app.job_queue is not None, "python-telegram-bot[job-queue] is required"
    app.job_queue.run_repeating(_tick, interval=config.interval, first=0.5, name=JOB_NAME)
