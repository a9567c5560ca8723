"""Application wiring: command menus, the error handler, flood protection, group chats."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from telegram import Update
from telegram.ext import CommandHandler

from bot.commands import COMMANDS
from bot.i18n import LANGUAGES
from handlers.context import LotseContext
from tests.support.builders import tr
from tests.support.harness import Harness


@pytest.mark.public_menus
async def test_menus_and_descriptions_are_set_for_every_language(harness: Harness) -> None:
    menus = {c.params.get("language_code"): c.params["commands"]
             for c in harness.fake.calls_to("setMyCommands") if "scope" not in c.params
             or c.params["scope"]["type"] == "default"}
    assert set(menus) == {*LANGUAGES, None}
    uk_menu = {c["command"]: c["description"] for c in menus["uk"]}
    assert uk_menu["help"] == tr("uk")._("Help and emergency numbers")
    assert "invite" not in uk_menu  # staff commands only in the staff's own chat scope
    descriptions = {c.params.get("language_code"): c.params["description"]
                    for c in harness.fake.calls_to("setMyDescription")}
    assert set(descriptions) == {*LANGUAGES, None}
    assert descriptions["ar"] != descriptions["de"]
    assert {spec.name for spec in COMMANDS} >= set(uk_menu)


async def test_an_error_is_logged_once_and_the_user_told_in_their_language(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(update: Update, context: LotseContext) -> None:
        raise RuntimeError("boom")

    harness.app.handlers[0].insert(0, CommandHandler("crash", broken))
    user = harness.user(8001, "Amal", "ar")
    with caplog.at_level(logging.ERROR, logger="lotse.errors"):
        await user.send("/crash")
    assert tr("ar")._("Sorry, something went wrong on our side. Please try again in a "
                      "moment. In an emergency call 110 or 112.") in user.texts
    errors = [r for r in caplog.records if r.name == "lotse.errors"]
    assert len(errors) == 1 and "failed" in errors[0].getMessage()


async def test_flooding_user_is_told_once_and_then_ignored(harness: Harness) -> None:
    user = harness.user(8002, "Spam", "en")
    answers: list[str] = []
    for _ in range(25):
        answers += [r.text for r in await user.send("/help")]
    warning = "You are sending messages very quickly. Please wait a moment."
    assert answers.count(warning) == 1
    assert len(answers) == 21  # 20 answered, one warning, the rest dropped


async def test_group_chats_are_ignored(harness: Harness) -> None:
    user = harness.user(8003)
    before = len(harness.fake.calls)
    message: dict[str, Any] = {
        "message_id": 1, "date": 0, "text": "/start",
        "chat": {"id": -100123, "type": "supergroup", "title": "Team"},
        "from": user.as_dict(),
        "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
    }
    await harness.app.process_update(Update.de_json({"update_id": 999999, "message": message},
                                                    harness.app.bot))
    assert len(harness.fake.calls) == before
