"""Tests of the fake Bot API server: it answers like Telegram and catches what Telegram refuses."""

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeChat,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Forbidden, RetryAfter
from telegram.ext import Application, ApplicationBuilder, CommandHandler, ContextTypes

from tests.support.fakes.api_spec import SPEC_ENV_VAR
from tests.support.fakes.telegram_api import BOT_USER_ID, FakeTelegramAPI

TOKEN = "123:ABC"
USER_ID = 4242


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as api:
        yield api


@pytest.fixture
async def bot(fake: FakeTelegramAPI) -> AsyncIterator[Bot]:
    async with Bot(token=TOKEN, base_url=fake.base_url, base_file_url=fake.base_file_url) as bot:
        yield bot


@pytest.fixture
async def http(fake: FakeTelegramAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"{fake.base_url}{TOKEN}/") as client:
        yield client


@pytest.fixture
def tiny_spec() -> dict[str, Any]:
    """A spec that knows only getMe."""
    get_me = {"name": "getMe", "fields": [], "returns": ["User"]}
    return {"version": "0.1", "methods": {"getMe": get_me}, "types": {}}


def user_message(text: str, *, chat_id: int = USER_ID) -> dict[str, Any]:
    """Build the JSON of a private text message from a user."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Olena", "language_code": "uk"}
    entities = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {
        "message_id": 1,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "Olena"},
        "from": user,
        "text": text,
        **({"entities": entities} if text.startswith("/") else {}),
    }


async def test_get_me_answers_the_bot_user(
    fake: FakeTelegramAPI, bot: Bot, http: httpx.AsyncClient
) -> None:
    assert bot.username == "lotse_test_bot"
    assert bot.id == BOT_USER_ID

    posted = await http.post("getMe")
    got = await http.get("getMe")

    assert posted.status_code == got.status_code == 200
    assert posted.json()["result"]["username"] == "lotse_test_bot"
    assert [call.method for call in fake.calls] == ["getMe", "getMe", "getMe"]
    assert fake.violations == []


async def test_bot_username_is_configurable() -> None:
    async with (
        FakeTelegramAPI(bot_username="other_bot") as fake,
        Bot(token=TOKEN, base_url=fake.base_url) as bot,
    ):
        assert bot.username == "other_bot"


async def test_send_message_with_inline_keyboard_is_recorded_decoded(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    keyboard = InlineKeyboardMarkup(
        [[InlineKeyboardButton("Book", callback_data="book:1")]],
    )

    first = await bot.send_message(USER_ID, "Choose a slot", reply_markup=keyboard)
    second = await bot.send_message(USER_ID, "Second")

    call = fake.calls_to("sendMessage")[0]
    assert call.params["chat_id"] == USER_ID
    assert call.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Book", "callback_data": "book:1"}]]
    }
    assert first.reply_markup == keyboard
    assert first.from_user is not None and first.from_user.id == BOT_USER_ID
    assert (first.message_id, second.message_id) == (1, 2)
    assert [sent.text for sent in fake.sent_to(USER_ID)] == ["Choose a slot", "Second"]
    assert fake.violations == []


async def test_edit_message_text_answers_the_edited_message(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    sent = await bot.send_message(USER_ID, "Before")

    edited = await bot.edit_message_text("After", chat_id=USER_ID, message_id=sent.message_id)

    assert not isinstance(edited, bool)
    assert (edited.message_id, edited.text) == (sent.message_id, "After")
    assert await bot.edit_message_text("Inline", inline_message_id="abc") is True
    assert [call.method for call in fake.sent_to(USER_ID)] == ["sendMessage", "editMessageText"]


async def test_uploaded_document_is_recorded(fake: FakeTelegramAPI, bot: Bot) -> None:
    message = await bot.send_document(
        USER_ID, b"Gelbe Tonne", filename="waste.ics", caption="Calendar"
    )

    upload = fake.calls_to("sendDocument")[0].files["document"]
    assert (upload.field, upload.filename, upload.content) == (
        "document",
        "waste.ics",
        b"Gelbe Tonne",
    )
    assert message.document is not None and message.document.file_name == "waste.ics"
    assert message.caption == "Calendar"
    assert fake.violations == []


async def test_file_added_by_a_test_can_be_downloaded(fake: FakeTelegramAPI, bot: Bot) -> None:
    file_id = fake.add_file(b"BEGIN:VCALENDAR", filename="abfall.ics")

    telegram_file = await bot.get_file(file_id)

    assert await telegram_file.download_as_bytearray() == bytearray(b"BEGIN:VCALENDAR")


async def test_too_long_text_is_a_violation(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest, match="too long"):
        await bot.send_message(USER_ID, "x" * 4097)

    assert fake.violations == [
        "sendMessage: text is too long: 4097 characters, at most 4096 allowed"
    ]
    assert fake.calls_to("sendMessage")[0].failed
    assert fake.sent_to(USER_ID) == []


async def test_text_length_counts_utf16_units_after_html_parsing(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    await bot.send_message(USER_ID, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    with pytest.raises(BadRequest):
        await bot.send_message(USER_ID, "😀" * 2049)  # 4098 UTF-16 code units

    assert len(fake.violations) == 1
    assert "4098 characters" in fake.violations[0]


async def test_too_long_callback_data_is_a_violation(fake: FakeTelegramAPI, bot: Bot) -> None:
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Slot", callback_data="x" * 65)]])

    with pytest.raises(BadRequest):
        await bot.send_message(USER_ID, "Choose", reply_markup=keyboard)

    assert len(fake.violations) == 1
    assert "callback_data must be 1-64 bytes, got 65" in fake.violations[0]


async def test_button_without_action_is_a_violation(
    fake: FakeTelegramAPI, http: httpx.AsyncClient
) -> None:
    markup = '{"inline_keyboard": [[{"text": "Nothing"}]]}'

    response = await http.post(
        "sendMessage", data={"chat_id": "1", "text": "a", "reply_markup": markup}
    )

    assert response.status_code == 400
    assert "must have exactly one action" in fake.violations[0]


async def test_unknown_parameter_is_a_violation(
    fake: FakeTelegramAPI, http: httpx.AsyncClient
) -> None:
    response = await http.post(
        "sendMessage", data={"chat_id": "1", "text": "Hallo", "disable_web_page_preview": "true"}
    )

    assert response.status_code == 400
    assert response.json() == {
        "ok": False,
        "error_code": 400,
        "description": "Bad Request: unknown parameter 'disable_web_page_preview'",
    }
    assert fake.violations == ["sendMessage: unknown parameter 'disable_web_page_preview'"]


async def test_missing_required_parameter_is_a_violation(
    fake: FakeTelegramAPI, http: httpx.AsyncClient
) -> None:
    response = await http.post("sendMessage", data={"text": "Hallo"})

    assert response.status_code == 400
    assert fake.violations == ["sendMessage: required parameter 'chat_id' is missing"]


async def test_wrongly_typed_parameter_is_a_violation(
    fake: FakeTelegramAPI, http: httpx.AsyncClient
) -> None:
    await http.post("deleteMessage", data={"chat_id": "1", "message_id": "first"})

    assert fake.violations == ["deleteMessage: parameter 'message_id' must be Integer, got 'first'"]


async def test_json_body_is_understood(fake: FakeTelegramAPI, http: httpx.AsyncClient) -> None:
    response = await http.post("sendMessage", json={"chat_id": 7, "text": "123"})

    assert response.json()["result"]["text"] == "123"
    assert fake.calls[0].params == {"chat_id": 7, "text": "123"}
    assert fake.violations == []


async def test_unimplemented_method_is_a_violation(fake: FakeTelegramAPI, bot: Bot) -> None:
    with pytest.raises(BadRequest):
        await bot.send_dice(USER_ID)

    assert fake.violations == ["sendDice: fake does not implement sendDice"]


async def test_commands_are_checked_and_kept_per_scope_and_language(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    scope = BotCommandScopeChat(USER_ID)
    await bot.set_my_commands([BotCommand("book", "Book a slot")], scope=scope, language_code="uk")

    with pytest.raises(BadRequest):
        await bot.set_my_commands([BotCommand("Book-Now", "Book a slot")])

    assert await bot.get_my_commands(scope=scope, language_code="uk") == (
        BotCommand("book", "Book a slot"),
    )
    assert await bot.get_my_commands() == ()
    assert fake.violations == ["setMyCommands: command name 'Book-Now' must match [a-z0-9_]{1,32}"]


async def test_get_updates_returns_pushed_updates_and_respects_offset(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    first = fake.push_update({"message": user_message("Hallo")})
    second = fake.push_update({"message": user_message("Noch da?")})

    updates = await bot.get_updates(timeout=5)
    later = await bot.get_updates(offset=second, timeout=0)

    assert [update.update_id for update in updates] == [first, second]
    assert [update.update_id for update in later] == [second]


async def test_get_updates_waits_for_a_pushed_update(bot: Bot, fake: FakeTelegramAPI) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=30))
    await asyncio.sleep(0.05)
    fake.push_update({"message": user_message("Hallo")})

    updates = await asyncio.wait_for(poll, timeout=1)

    assert updates[0].message is not None and updates[0].message.text == "Hallo"


async def test_empty_long_poll_returns_within_a_second(bot: Bot) -> None:
    started = asyncio.get_running_loop().time()

    assert await bot.get_updates(timeout=dt.timedelta(seconds=30)) == ()

    assert asyncio.get_running_loop().time() - started < 1.5


async def test_fail_next_429_raises_retry_after(fake: FakeTelegramAPI, bot: Bot) -> None:
    fake.fail_next(
        "sendMessage",
        error_code=429,
        description="Too Many Requests: retry after 7",
        retry_after=7,
    )

    with pytest.raises(RetryAfter, match="Flood control exceeded"):
        await bot.send_message(USER_ID, "Reminder")
    await bot.send_message(USER_ID, "Reminder")

    assert fake.calls_to("sendMessage")[0].error == "Too Many Requests: retry after 7"
    assert [call.failed for call in fake.calls_to("sendMessage")] == [True, False]
    assert fake.violations == []


async def test_fail_next_answers_like_telegram(
    fake: FakeTelegramAPI, http: httpx.AsyncClient
) -> None:
    fake.fail_next("getMe", error_code=429, description="Too Many Requests: retry after 1", times=2)
    fake.fail_next("getMe", error_code=401, description="Unauthorized")

    answers = [await http.post("getMe") for _ in range(4)]

    assert [answer.status_code for answer in answers] == [429, 429, 401, 200]
    assert answers[0].json() == {
        "ok": False,
        "error_code": 429,
        "description": "Too Many Requests: retry after 1",
        "parameters": {"retry_after": 1},
    }


async def test_fail_next_403_raises_forbidden_for_that_chat_only(
    fake: FakeTelegramAPI, bot: Bot
) -> None:
    fake.fail_next(
        "sendMessage",
        error_code=403,
        description="Forbidden: bot was blocked by the user",
        chat_id=USER_ID,
    )

    await bot.send_message(USER_ID + 1, "To someone else")
    with pytest.raises(Forbidden, match="blocked by the user"):
        await bot.send_message(USER_ID, "Reminder")

    assert fake.calls_to("sendMessage")[1].failed
    assert fake.violations == []


async def test_rate_limit_per_chat_answers_429() -> None:
    async with (
        FakeTelegramAPI(rate_limit_global=30, rate_limit_per_chat=1.0) as fake,
        Bot(token=TOKEN, base_url=fake.base_url) as bot,
    ):
        await bot.send_message(USER_ID, "First")
        await bot.send_message(USER_ID + 1, "Another chat")
        with pytest.raises(RetryAfter):
            await bot.send_message(USER_ID, "Too soon")

        assert fake.rate_limited == 1
        assert fake.violations == []
        assert [call.text for call in fake.sent_to(USER_ID)] == ["First"]


async def test_rate_limit_global_answers_429_across_chats() -> None:
    async with (
        FakeTelegramAPI(rate_limit_global=2) as fake,
        Bot(token=TOKEN, base_url=fake.base_url) as bot,
    ):
        await bot.send_message(1, "One")
        await bot.send_message(2, "Two")
        with pytest.raises(RetryAfter):
            await bot.send_message(3, "Three")
        await bot.send_chat_action(3, "typing")  # not a message, so not limited

        assert fake.rate_limited == 1


async def test_spec_location_can_be_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tiny_spec: dict[str, Any]
) -> None:
    spec_file = tmp_path / "api.json"
    spec_file.write_text(json.dumps(tiny_spec))
    monkeypatch.setenv(SPEC_ENV_VAR, str(spec_file))

    async with (
        FakeTelegramAPI() as fake,
        httpx.AsyncClient(base_url=f"{fake.base_url}{TOKEN}/") as http,
    ):
        await http.post("sendMessage", data={"chat_id": "1", "text": "Hallo"})

    assert fake.violations == ["sendMessage: unknown method 'sendMessage' (not in Bot API 0.1)"]


async def test_application_replies_to_start_while_polling(fake: FakeTelegramAPI) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("Willkommen")

    application: Application[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(TOKEN).base_url(fake.base_url).build()
    )
    application.add_handler(CommandHandler("start", start))

    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling()
        fake.push_update({"message": user_message("/start")})
        reply = await fake.wait_for_call("sendMessage", chat_id=USER_ID)
        await application.updater.stop()
        await application.stop()

    assert reply.text == "Willkommen"
    fake.assert_no_violations()
