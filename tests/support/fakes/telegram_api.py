"""An in-process fake Telegram Bot API server (aiohttp on 127.0.0.1) for end-to-end tests.

Point python-telegram-bot at it with ``ApplicationBuilder().base_url(fake.base_url)``. Every
request is checked against the official spec (see ``api_spec``), recorded as a ``Call`` and
answered the way Telegram would, so a test can assert on what the bot sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import socket
import time
import zlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from .api_spec import check_request, decode_params, load_spec

BOT_USER_ID = 7000000001
MAX_POLL_SECONDS = 1.0  # getUpdates never holds a request longer, to keep tests fast
_MEDIA_FIELDS: dict[str, dict[str, int]] = {
    "photo": {"width": 1, "height": 1},
    "document": {},
    "audio": {"duration": 0},
    "voice": {"duration": 0},
    "video": {"width": 1, "height": 1, "duration": 0},
    "animation": {"width": 1, "height": 1, "duration": 0},
}


@dataclass(frozen=True)
class UploadedFile:
    """A file the bot uploaded in a multipart request (or a test registered with add_file)."""

    field: str
    filename: str
    content: bytes
    content_type: str


@dataclass
class Call:
    """One request the bot made; ``response`` is the result Telegram's answer carried."""

    method: str
    params: dict[str, Any]
    files: dict[str, UploadedFile] = field(default_factory=dict)
    at: float = field(default_factory=lambda: time.monotonic())  # the fake's clock, see VirtualTime
    failed: bool = False
    error: str | None = None
    response: Any = None
    finished: bool = False

    @property
    def chat_id(self) -> Any:
        """The chat the call is addressed to, if any."""
        return self.params.get("chat_id")

    @property
    def text(self) -> str | None:
        """The text or caption the call sends."""
        value = self.params.get("text", self.params.get("caption"))
        return value if isinstance(value, str) else None


class ApiError(Exception):
    """An error answer: ``{"ok": false, "error_code": ..., "description": ...}``."""

    def __init__(self, error_code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """Return the JSON body Telegram sends for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class _Fault:
    method: str
    error: ApiError
    times: int
    chat_id: int | str | None

    def matches(self, call: Call) -> bool:
        return call.method == self.method and (
            self.chat_id is None or _same_chat(call.chat_id, self.chat_id)
        )


class _SlidingWindow:
    """At most ``rate`` messages per second, counted over a sliding window."""

    def __init__(self, rate: float) -> None:
        self.capacity = max(1, math.floor(rate))
        self.seconds = self.capacity / rate
        self._sent: deque[float] = deque()

    def retry_after(self, now: float) -> int | None:
        """Return the seconds to wait before the next message, or None if it may go now."""
        while self._sent and now - self._sent[0] >= self.seconds:
            self._sent.popleft()
        if len(self._sent) < self.capacity:
            return None
        return max(1, math.ceil(self._sent[0] + self.seconds - now))

    def record(self, now: float) -> None:
        self._sent.append(now)


class _TokenBucket:
    """``rate`` messages per second with bursts of ``burst`` (GCRA, i.e. a token bucket)."""

    def __init__(self, rate: float, burst: int) -> None:
        self.interval = 1.0 / rate
        self.tolerance = (max(1, burst) - 1) * self.interval
        self._tat = -math.inf  # theoretical arrival time of the next message

    def retry_after(self, now: float) -> int | None:
        early = self._tat - self.tolerance - now
        return None if early <= 0 else max(1, math.ceil(early))

    def record(self, now: float) -> None:
        self._tat = max(self._tat, now) + self.interval


_Handler = Callable[["FakeTelegramAPI", Call], Awaitable[Any]]
_HANDLERS: dict[str, _Handler] = {}


def _answers(*methods: str) -> Callable[[_Handler], _Handler]:
    """Register a FakeTelegramAPI coroutine as the fake's answer to these Bot API methods."""

    def register(handler: _Handler) -> _Handler:
        _HANDLERS.update(dict.fromkeys(methods, handler))
        return handler

    return register


class FakeTelegramAPI:
    """A fake Bot API server: validates, records and answers the bot's requests."""

    def __init__(
        self,
        *,
        bot_username: str = "lotse_test_bot",
        rate_limit_global: float | None = None,
        rate_limit_per_chat: float | None = None,
        burst_global: int | None = None,
        burst_per_chat: int | None = None,
        spec_path: Path | None = None,
    ) -> None:
        """Rate limits, when given, answer 429 like Telegram's flood control: by default over
        a sliding window of one second, counting sent messages; with a burst, as a token
        bucket of that size (Telegram tolerates short bursts); a per-chat burst counts edits
        as well."""
        self.bot_user: dict[str, Any] = {
            "id": BOT_USER_ID,
            "is_bot": True,
            "first_name": "Lotse",
            "username": bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.rate_limited = 0
        self._spec = load_spec(spec_path)
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        # Telegram's state as far as the bot can observe it
        self._updates: list[dict[str, Any]] = []
        self._next_update_id = 1
        self._update_pushed = asyncio.Event()
        self._message_ids: dict[str, int] = {}
        self._messages: dict[tuple[str, int], dict[str, Any]] = {}
        self._files: dict[str, UploadedFile] = {}
        self._commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._descriptions: dict[tuple[str, str], str] = {}
        self._webhook_url = ""
        # test controls
        self._faults: list[_Fault] = []
        self._global_window: _SlidingWindow | _TokenBucket | None = None
        if rate_limit_global:
            self._global_window = (_TokenBucket(rate_limit_global, burst_global) if burst_global
                                   else _SlidingWindow(rate_limit_global))
        self._per_chat_rate = rate_limit_per_chat
        self._per_chat_burst = burst_per_chat
        self._counts_edits = bool(burst_per_chat)
        self._chat_windows: dict[str, _SlidingWindow | _TokenBucket] = {}
        self._call_finished = asyncio.Event()
        self._consumed: set[int] = set()

    # -----------------------------------------------------------------------------------------
    # Lifecycle

    async def start(self) -> None:
        """Start serving on a free port of 127.0.0.1."""
        app = web.Application(client_max_size=50 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{file_path:.+}", self._handle_file)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        self._closing = False
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()

    async def stop(self) -> None:
        """Answer waiting long polls and stop serving."""
        self._closing = True
        self._update_pushed.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return self._port

    @property
    def base_url(self) -> str:
        """The Bot API URL for PTB's ``base_url`` (the token is appended to it)."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """The file download URL for PTB's ``base_file_url``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # -----------------------------------------------------------------------------------------
    # What tests use

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates (numbering it if needed) and return its update_id."""
        update = dict(update)
        update.setdefault("update_id", self._next_update_id)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._updates.append(update)
        self._update_pushed.set()
        return int(update["update_id"])

    def fail_next(
        self,
        method: str,
        *,
        error_code: int,
        description: str,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (to ``chat_id``, if given) with an error.

        A 429 without ``retry_after`` gets ``retry_after=1``, since PTB needs it for RetryAfter.
        """
        if error_code == 429 and retry_after is None:
            retry_after = 1
        error = ApiError(error_code, description, retry_after)
        self._faults.append(_Fault(method, error, times, chat_id))

    def add_file(
        self,
        content: bytes,
        *,
        filename: str = "file.bin",
        content_type: str = "application/octet-stream",
    ) -> str:
        """Store a file (e.g. one a user sends in an update) and return its file_id."""
        return self._store_file(UploadedFile("", filename, content, content_type))

    def chat_messages(self, chat_id: int | str) -> list[dict[str, Any]]:
        """The bot's messages in a chat as Telegram holds them now (after edits), oldest first."""
        chat = str(chat_id)
        return [
            message
            for (message_chat, _), message in sorted(self._messages.items(), key=lambda i: i[0][1])
            if message_chat == chat
        ]

    def calls_to(self, method: str) -> list[Call]:
        """Return the calls of one method, in order."""
        return [call for call in self.calls if call.method == method]

    def sent_to(self, chat_id: int | str, *, include_failed: bool = False) -> list[Call]:
        """Return the messages sent, copied, forwarded or edited in a chat, in order."""
        return [
            call
            for call in self.calls
            if _shows_message(call.method)
            and _same_chat(call.chat_id, chat_id)
            and (include_failed or not call.failed)
        ]

    async def wait_for_call(
        self, method: str, *, chat_id: int | str | None = None, timeout: float = 5.0
    ) -> Call:
        """Wait for the next answered call of ``method`` that no earlier wait returned."""
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for index, call in enumerate(self.calls):
                        if (
                            index not in self._consumed
                            and call.finished
                            and call.method == method
                            and (chat_id is None or _same_chat(call.chat_id, chat_id))
                        ):
                            self._consumed.add(index)
                            return call
                    self._call_finished.clear()
                    await self._call_finished.wait()
        except TimeoutError:
            seen = [f"{call.method}({call.chat_id})" for call in self.calls]
            raise AssertionError(f"no {method} call within {timeout}s; calls: {seen}") from None

    def assert_no_violations(self) -> None:
        """Fail the test if the bot made any request that real Telegram would refuse."""
        assert not self.violations, "Bot API violations:\n" + "\n".join(self.violations)

    def clear(self) -> None:
        """Forget recorded calls and violations (Telegram's state and queued faults stay)."""
        self.calls.clear()
        self.violations.clear()
        self._consumed.clear()
        self.rate_limited = 0

    # -----------------------------------------------------------------------------------------
    # HTTP

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            raw_params, files = await _read_params(request)
        except ValueError as exc:
            self.violations.append(f"{method}: unreadable request body: {exc}")
            error = ApiError(400, "Bad Request: unreadable request body")
            return web.json_response(error.payload(), status=400)
        params = decode_params(self._spec.methods.get(method), raw_params)
        call = Call(method, params, files)
        self.calls.append(call)
        try:
            call.response = await self._answer(call)
            body: dict[str, Any] = {"ok": True, "result": call.response}
            status = 200
        except ApiError as error:
            call.failed, call.error = True, error.description
            body, status = error.payload(), error.error_code
        except Exception as exc:  # a bug in the fake must fail the test, not hang the bot
            self.violations.append(f"{method}: fake crashed: {exc!r}")
            call.failed, call.error = True, repr(exc)
            body, status = ApiError(500, f"Internal Server Error: {exc!r}").payload(), 500
        call.finished = True
        self._call_finished.set()
        return web.json_response(body, status=status)

    async def _handle_file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_path"].rpartition("/")[2]
        stored = self._files.get(file_id)
        if stored is None:
            raise web.HTTPNotFound()
        return web.Response(body=stored.content, content_type=stored.content_type)

    async def _answer(self, call: Call) -> Any:
        problems = check_request(self._spec, call.method, call.params, call.files.keys())
        handler = _HANDLERS.get(call.method)
        if not problems and handler is None:
            problems = [f"fake does not implement {call.method}"]
        if problems:
            self.violations.extend(f"{call.method}: {problem}" for problem in problems)
            raise ApiError(400, "Bad Request: " + "; ".join(problems))
        assert handler is not None
        self._raise_injected_fault(call)
        self._enforce_rate_limit(call)
        return await handler(self, call)

    def _raise_injected_fault(self, call: Call) -> None:
        fault = next((fault for fault in self._faults if fault.matches(call)), None)
        if fault is None:
            return
        fault.times -= 1
        if fault.times <= 0:
            self._faults.remove(fault)
        raise fault.error

    def _enforce_rate_limit(self, call: Call) -> None:
        counted = _shows_message if self._counts_edits else _sends_message
        if not counted(call.method):
            return
        windows = [self._global_window] if self._global_window else []
        if self._per_chat_rate and call.chat_id is not None:
            chat = str(call.chat_id)
            if chat not in self._chat_windows:
                self._chat_windows[chat] = (
                    _TokenBucket(self._per_chat_rate, self._per_chat_burst)
                    if self._per_chat_burst else _SlidingWindow(self._per_chat_rate))
            windows.append(self._chat_windows[chat])
        now = time.monotonic()
        waits = [wait for window in windows if (wait := window.retry_after(now)) is not None]
        if waits:
            self.rate_limited += 1
            wait = max(waits)
            raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        for window in windows:
            window.record(now)

    # -----------------------------------------------------------------------------------------
    # Bot API methods

    @_answers(
        "answerCallbackQuery",
        "deleteMessage",
        "sendChatAction",
        "setChatMenuButton",
        "close",
        "logOut",
    )
    async def _true(self, call: Call) -> bool:
        return True

    @_answers("getMe")
    async def _get_me(self, call: Call) -> dict[str, Any]:
        return dict(self.bot_user)

    @_answers("getUpdates")
    async def _get_updates(self, call: Call) -> list[dict[str, Any]]:
        offset = call.params.get("offset")
        if isinstance(offset, int):
            self._forget_updates(offset)
        timeout = min(float(call.params.get("timeout", 0)), MAX_POLL_SECONDS)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                while not self._updates and not self._closing:
                    self._update_pushed.clear()
                    await self._update_pushed.wait()
        return self._updates[: call.params.get("limit", 100)]

    def _forget_updates(self, offset: int) -> None:
        if offset < 0:
            del self._updates[:offset]
        else:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]

    @_answers("getWebhookInfo")
    async def _get_webhook_info(self, call: Call) -> dict[str, Any]:
        return {
            "url": self._webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": 0 if self._webhook_url else len(self._updates),
        }

    @_answers("setWebhook")
    async def _set_webhook(self, call: Call) -> bool:
        self._webhook_url = call.params["url"]
        return True

    @_answers("deleteWebhook")
    async def _delete_webhook(self, call: Call) -> bool:
        self._webhook_url = ""
        if call.params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    @_answers(
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendAudio",
        "sendVoice",
        "sendVideo",
        "sendAnimation",
        "forwardMessage",
    )
    async def _send_message(self, call: Call) -> dict[str, Any]:
        chat = str(call.chat_id)
        message_id = self._message_ids.get(chat, 0) + 1
        self._message_ids[chat] = message_id
        message = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": _chat(call.chat_id),
            "from": self.bot_user,
            **self._content(call),
        }
        self._messages[(chat, message_id)] = message
        return message

    @_answers("copyMessage")
    async def _copy_message(self, call: Call) -> dict[str, int]:
        message = await self._send_message(call)
        return {"message_id": message["message_id"]}

    @_answers("copyMessages")
    async def _copy_messages(self, call: Call) -> list[dict[str, int]]:
        ids = call.params["message_ids"]
        ids = json.loads(ids) if isinstance(ids, str) else ids
        copied = []
        for _ in ids:
            message = await self._send_message(call)
            copied.append({"message_id": message["message_id"]})
        return copied

    @_answers("editMessageText", "editMessageCaption", "editMessageReplyMarkup")
    async def _edit_message(self, call: Call) -> dict[str, Any] | bool:
        if "inline_message_id" in call.params:
            return True
        key = (str(call.chat_id), call.params["message_id"])
        stored = self._messages.get(key)
        content = self._content(call)
        if stored is not None and all(stored.get(field) == content.get(field)
                                      for field in ("text", "caption", "reply_markup")):
            # As Telegram: an edit that changes nothing is refused.
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        message = dict(stored or {"message_id": key[1], "chat": _chat(call.chat_id)})
        message.setdefault("from", self.bot_user)
        message.setdefault("date", int(time.time()))
        message["edit_date"] = int(time.time())
        message.pop("reply_markup", None)
        message.update(self._content(call))
        self._messages[key] = message
        return message

    def _content(self, call: Call) -> dict[str, Any]:
        """Return the Message fields that echo what the call sends."""
        content: dict[str, Any] = {
            key: call.params[key]
            for key in ("text", "entities", "caption", "caption_entities")
            if key in call.params
        }
        markup = call.params.get("reply_markup")
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            content["reply_markup"] = markup
        for name in _MEDIA_FIELDS:
            if name in call.files or isinstance(call.params.get(name), str):
                content[name] = self._media(name, call.files.get(name), call.params.get(name))
        return content

    def _media(self, name: str, upload: UploadedFile | None, value: Any) -> Any:
        """Return the PhotoSize list, Document, Voice ... for a sent file or file_id."""
        file_id = self._store_file(upload) if upload else str(value)
        media: dict[str, Any] = {
            "file_id": file_id,
            "file_unique_id": f"unique-{file_id}",
            **_MEDIA_FIELDS[name],
        }
        stored = self._files.get(file_id)
        if stored:
            media["file_size"] = len(stored.content)
        if name == "photo":
            return [media]
        if stored:
            media.update(file_name=stored.filename, mime_type=stored.content_type)
        return media

    def _store_file(self, upload: UploadedFile) -> str:
        file_id = f"file-{len(self._files) + 1}"
        self._files[file_id] = upload
        return file_id

    @_answers("getFile")
    async def _get_file(self, call: Call) -> dict[str, Any]:
        file_id = call.params["file_id"]
        stored = self._files.get(file_id)
        if stored is None:
            self.violations.append(f"getFile: unknown file_id {file_id!r} (use add_file)")
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": f"unique-{file_id}",
            "file_size": len(stored.content),
            "file_path": f"documents/{file_id}",
        }

    @_answers("setMyCommands")
    async def _set_my_commands(self, call: Call) -> bool:
        self._commands[_command_key(call)] = call.params["commands"]
        return True

    @_answers("getMyCommands")
    async def _get_my_commands(self, call: Call) -> list[dict[str, Any]]:
        return self._commands.get(_command_key(call), [])

    @_answers("deleteMyCommands")
    async def _delete_my_commands(self, call: Call) -> bool:
        self._commands.pop(_command_key(call), None)
        return True

    @_answers("setMyDescription", "setMyShortDescription")
    async def _set_description(self, call: Call) -> bool:
        name = "short_description" if "Short" in call.method else "description"
        self._descriptions[(name, call.params.get("language_code", ""))] = call.params.get(name, "")
        return True

    @_answers("getMyDescription", "getMyShortDescription")
    async def _get_description(self, call: Call) -> dict[str, str]:
        name = "short_description" if "Short" in call.method else "description"
        return {name: self._descriptions.get((name, call.params.get("language_code", "")), "")}


# ---------------------------------------------------------------------------------------------
# Helpers


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Collect query, form (urlencoded or multipart) or JSON parameters and uploaded files."""
    params: dict[str, Any] = dict(request.query)
    files: dict[str, UploadedFile] = {}
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
    elif request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for name, value in (await request.post()).items():
            if isinstance(value, web.FileField):
                content = value.file.read()
                files[name] = UploadedFile(name, value.filename, content, value.content_type)
            else:
                params[name] = value.decode() if isinstance(value, bytes | bytearray) else value
    return params, files


def _sends_message(method: str) -> bool:
    return (method.startswith("send") and method != "sendChatAction") or method in (
        "copyMessage",
        "copyMessages",
        "forwardMessage",
    )


def _shows_message(method: str) -> bool:
    return _sends_message(method) or method.startswith("editMessage")


def _same_chat(left: Any, right: Any) -> bool:
    return left is not None and str(left) == str(right)


def _chat(chat_id: Any) -> dict[str, Any]:
    """Return a Chat object for a chat_id: users are positive, groups negative, channels @names."""
    if isinstance(chat_id, int) and chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "User"}
    if isinstance(chat_id, int):
        kind = "supergroup" if str(chat_id).startswith("-100") else "group"
        return {"id": chat_id, "type": kind, "title": "Group"}
    name = str(chat_id).lstrip("@")
    return {
        "id": -1_000_000_000_000 - zlib.crc32(name.encode()),
        "type": "channel",
        "title": name,
        "username": name,
    }


def _command_key(call: Call) -> tuple[str, str]:
    scope = call.params.get("scope") or {"type": "default"}
    return (json.dumps(scope, sort_keys=True), call.params.get("language_code", ""))
