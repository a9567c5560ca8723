"""Drive the real Application like a Telegram user: send text, press buttons, read replies.

Updates go through ``Application.process_update`` (as in python-telegram-bot's own tests);
everything the bot sends travels over HTTP to the fake Bot API, which validates it.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from typing import Any

from telegram import Update

from handlers.context import LotseApp
from tests.support.fakes.telegram_api import Call, FakeTelegramAPI

_update_ids = itertools.count(1)
_message_ids = itertools.count(1)


@dataclass
class Reply:
    """One thing the bot sent or edited in the user's chat."""

    call: Call

    @property
    def method(self) -> str:
        return self.call.method

    @property
    def text(self) -> str:
        return self.call.text or ""

    @property
    def buttons(self) -> list[str]:
        markup = self.call.params.get("reply_markup") or {}
        return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]

    def __contains__(self, needle: str) -> bool:
        return needle in self.text


@dataclass
class TelegramUser:
    """A person in a private chat with the bot."""

    harness: Harness
    id: int
    first_name: str = "Olena"
    language_code: str | None = "uk"
    username: str | None = None
    last_replies: list[Reply] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            user["language_code"] = self.language_code
        if self.username:
            user["username"] = self.username
        return user

    def chat(self) -> dict[str, Any]:
        return {"id": self.id, "type": "private", "first_name": self.first_name}

    async def send(self, text: str) -> list[Reply]:
        """Write a message (commands included) and return what the bot answered."""
        message: dict[str, Any] = {
            "message_id": next(_message_ids),
            "date": int(time.time()),
            "chat": self.chat(),
            "from": self.as_dict(),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return await self._process({"message": message})

    async def press(self, label: str) -> list[Reply]:
        """Press the newest inline button whose label contains ``label``."""
        for message in reversed(self.harness.fake.chat_messages(self.id)):
            keyboard = (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in (b for row in keyboard for b in row):
                if label in button["text"] and "callback_data" in button:
                    return await self.press_data(button["callback_data"], message)
        raise AssertionError(f"no button {label!r} in the chat of user {self.id}")

    async def press_data(self, data: str, message: dict[str, Any] | None = None) -> list[Reply]:
        """Send a callback query with arbitrary data, as a stale or forged button would."""
        if message is None:
            messages = self.harness.fake.chat_messages(self.id)
            message = messages[-1] if messages else {
                "message_id": 1, "date": int(time.time()), "chat": self.chat()}
        query = {
            "id": str(next(_update_ids)),
            "from": self.as_dict(),
            "chat_instance": f"ci-{self.id}",
            "data": data,
            "message": message,
        }
        return await self._process({"callback_query": query})

    async def _process(self, payload: dict[str, Any]) -> list[Reply]:
        fake = self.harness.fake
        before = len(fake.calls)
        update = Update.de_json({"update_id": next(_update_ids), **payload}, self.harness.app.bot)
        await self.harness.app.process_update(update)
        self.last_replies = [
            Reply(call)
            for call in fake.calls[before:]
            if str(call.chat_id) == str(self.id) and call.method != "answerCallbackQuery"
            and not call.method.startswith("setMy")
        ]
        return self.last_replies

    def callback_answers(self) -> list[Call]:
        return self.harness.fake.calls_to("answerCallbackQuery")

    @property
    def texts(self) -> str:
        """All texts of the last answer, joined: handy for ``in`` checks."""
        return "\n".join(reply.text for reply in self.last_replies)


@dataclass
class Harness:
    app: LotseApp
    fake: FakeTelegramAPI

    def user(
        self, user_id: int, first_name: str = "Olena", language_code: str | None = "uk",
        username: str | None = None,
    ) -> TelegramUser:
        return TelegramUser(self, user_id, first_name, language_code, username)
