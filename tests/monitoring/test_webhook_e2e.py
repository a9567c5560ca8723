"""Webhook mode: one port takes Telegram's updates (secret checked) and answers /healthz."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import httpx
import pytest

from bot.app import build_application
from bot.config import ConfigError, Settings
from handlers.monitoring import server
from tests.support.harness import Harness

SECRET = "the-secret-of-this-test"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, webhook_url="https://bot.example.org/telegram/hook",
                   webhook_secret=SECRET, listen="127.0.0.1:0")


def _update(update_id: int, user_id: int) -> bytes:
    return json.dumps({"update_id": update_id, "message": {
        "message_id": 1, "date": int(time.time()), "text": "/help",
        "chat": {"id": user_id, "type": "private", "first_name": "Olena"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Olena", "language_code": "uk"},
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
    }}).encode()


async def test_webhook_takes_updates_with_the_secret_only_and_serves_healthz(
    harness: Harness
) -> None:
    json_type = {"Content-Type": "application/json"}
    base = f"http://127.0.0.1:{server.port(harness.app)}"
    async with httpx.AsyncClient(base_url=base) as http:
        assert (await http.get("/healthz")).status_code == 200
        for headers, body, status in [
            (json_type, _update(71, 5301), 403),  # no secret
            ({**json_type, "X-Telegram-Bot-Api-Secret-Token": "wrong"}, _update(72, 5301), 403),
            ({"X-Telegram-Bot-Api-Secret-Token": SECRET}, _update(73, 5301), 415),
            ({**json_type, "X-Telegram-Bot-Api-Secret-Token": SECRET}, b"{not json", 400),
        ]:
            response = await http.post("/telegram/hook", content=body, headers=headers)
            assert response.status_code == status, (headers, body)
        assert (await http.get("/telegram/hook")).status_code == 405
        accepted = await http.post("/telegram/hook", content=_update(74, 5302),
                                   headers={**json_type, "X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert accepted.status_code == 200
    await harness.fake.wait_for_call("sendMessage", chat_id=5302, timeout=10)
    assert not [c for c in harness.fake.calls_to("sendMessage") if str(c.chat_id) == "5301"]


async def test_a_port_in_use_is_one_clear_error(harness: Harness, settings: Settings) -> None:
    taken = server.port(harness.app)
    second = build_application(replace(settings, listen=f"127.0.0.1:{taken}"))
    with pytest.raises(ConfigError, match=f"cannot listen on 127.0.0.1:{taken}: "):
        await server.start(second)
