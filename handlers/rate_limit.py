"""The Application's rate limiter: every Bot API request of the process passes here.

PTB hands each request (except getUpdates) to :meth:`LotseRateLimiter.process_request`; it
takes a slot of the one :class:`~bot.limiter.FloodLimiter` and then makes the call:

* callback answers go first, then replies to people, then the outbox (which marks its requests
  ``rate_limit_args={"priority": Priority.BACKGROUND, …}``);
* ``RetryAfter`` pauses every request for the time Telegram names; a reply is tried again, at
  most three times in all, then logged once with its update id and dropped; an outbox request
  is handed back to the dispatcher, which keeps its own stored retry logic;
* a network error or 5xx on a reply is retried with a doubling backoff while the reply is
  younger than a minute; ``TimedOut`` is not retried (the message may have arrived).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import time
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import BaseRateLimiter
from telegram.warnings import PTBDeprecationWarning

from bot.limiter import FloodLimiter, Priority

log = logging.getLogger("lotse.limiter")
CURRENT_UPDATE: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "lotse_update_id", default=None)
REPLY_TRIES = 3  # RetryAfter: tries of one reply in all
REPLY_MAX_AGE = 60.0  # seconds: an answer older than this is no longer useful
FIRST_BACKOFF = 0.5  # seconds after the first network error, doubled each time

Callback = Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]]


class ReplyDropped(TelegramError):
    """A reply could not be sent within its limits; it was logged once, where it was given up."""


def retry_after_seconds(exc: RetryAfter) -> float:
    """RetryAfter's wait in seconds (PTB gives int seconds or a timedelta, by setting)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        wait = exc.retry_after
    return wait.total_seconds() if isinstance(wait, timedelta) else float(wait)


def _chat_of(data: dict[str, Any]) -> int | None:
    chat = data.get("chat_id")
    if isinstance(chat, int):
        return chat
    if isinstance(chat, str) and chat.lstrip("-").isdigit():
        return int(chat)
    return None  # no chat (callback answers, menus) or a @channel name, which Lotse never uses


class LotseRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Installed with ``ApplicationBuilder().rate_limiter(...)``; wraps the one FloodLimiter."""

    def __init__(self, limiter: FloodLimiter, *,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.limiter = limiter
        self.sleep, self.monotonic = sleep, monotonic

    async def initialize(self) -> None:
        """Nothing to open: the limiter lives as long as the Application."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str,
        data: dict[str, Any], rate_limit_args: dict[str, Any] | None,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        options = rate_limit_args or {}
        priority = options.get("priority") or (
            Priority.URGENT if endpoint == "answerCallbackQuery" else Priority.REPLY)
        chat = _chat_of(data)
        if priority is Priority.BACKGROUND:  # the outbox decides what happens after a failure
            async with self.limiter.slot(chat, priority,
                                         max_pause_wait=options.get("max_pause_wait")):
                return await self._call(callback, args, kwargs)
        return await self._reply(callback, args, kwargs, endpoint, chat, priority)

    async def _call(self, callback: Callback, args: Any, kwargs: dict[str, Any]
                    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        try:
            return await callback(*args, **kwargs)
        except RetryAfter as exc:  # paused before the slot is given back: nobody slips in
            self.limiter.pause(retry_after_seconds(exc))
            raise

    async def _reply(
        self, callback: Callback, args: Any, kwargs: dict[str, Any], endpoint: str,
        chat: int | None, priority: Priority,
    ) -> bool | dict[str, Any] | list[dict[str, Any]]:
        started, tries, backoff = self.monotonic(), 0, FIRST_BACKOFF
        while True:
            tries += 1
            try:
                async with self.limiter.slot(chat, priority):
                    return await self._call(callback, args, kwargs)
            except RetryAfter as exc:
                if tries >= REPLY_TRIES:
                    raise self._drop(endpoint, f"flood limit {tries} times") from exc
            except (TimedOut, BadRequest):
                raise  # TimedOut: it may have arrived, so it is not sent twice
            except NetworkError as exc:  # no connection, or Telegram answered 5xx
                if self.monotonic() - started + backoff > REPLY_MAX_AGE:
                    raise self._drop(endpoint, f"network errors for {REPLY_MAX_AGE:.0f} s, "
                                               f"last: {exc.message}") from exc
                await self.sleep(backoff)
                backoff *= 2

    def _drop(self, endpoint: str, why: str) -> ReplyDropped:
        update_id = CURRENT_UPDATE.get()
        log.warning("update %s: %s not sent after %s; given up", update_id, endpoint, why)
        return ReplyDropped(f"{endpoint} given up: {why}")
