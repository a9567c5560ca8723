"""Every answer arrives: the real Application against a fake Bot API with Telegram's flood
control (30 messages/s with bursts of 30; one per second per chat with bursts of 3).

Waiting for the limits happens on virtual time (see VirtualTime), so the tests take no longer
than the work itself; the fake measures its limits on the same clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest

from handlers.context import LotseApp
from handlers.rate_limit import LotseRateLimiter
from tests.support.dispatch_helpers import VirtualTime
from tests.support.fakes.telegram_api import FakeTelegramAPI
from tests.support.harness import Harness

HELP_HEADING = "110"  # every /help answer names the police's number


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(rate_limit_global=30, burst_global=30, rate_limit_per_chat=1,
                               burst_per_chat=3) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def vt(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    virtual = VirtualTime()
    virtual.install(monkeypatch)
    limiter = harness.app.bot_data.limiter
    monkeypatch.setattr(limiter, "monotonic", virtual.monotonic)
    monkeypatch.setattr(limiter, "sleep", virtual.sleep)
    rate_limiter = rate_limiter_of(harness.app)
    monkeypatch.setattr(rate_limiter, "monotonic", virtual.monotonic)
    monkeypatch.setattr(rate_limiter, "sleep", virtual.sleep)
    return virtual


def rate_limiter_of(app: LotseApp) -> LotseRateLimiter:
    found = app.bot.rate_limiter
    assert isinstance(found, LotseRateLimiter)
    return found


async def test_a_crowd_writing_at_once_gets_every_answer_without_a_single_429(
    harness: Harness, fake_api: FakeTelegramAPI, vt: VirtualTime
) -> None:
    users = [harness.user(600_000 + i, f"User {i}", "uk") for i in range(60)]
    answers = await asyncio.gather(*(user.send(text) for user in users
                                     for text in ("/help", "/start")))
    assert all(answer for answer in answers)  # 120 of 120 updates answered
    assert fake_api.rate_limited == 0
    for user in users:
        assert len(fake_api.sent_to(user.id)) >= 2


async def test_one_person_typing_ten_commands_gets_ten_answers_in_order(
    harness: Harness, fake_api: FakeTelegramAPI, vt: VirtualTime
) -> None:
    user = harness.user(610_001, "Taras", "uk")
    commands = ["/help", "/language", "/privacy", "/start", "/help",
                "/language", "/privacy", "/start", "/help", "/language"]
    first_replies = []
    for command in commands:  # as fast as a person types: nothing in between
        first_replies.append((await user.send(command))[0].call)
    assert fake_api.rate_limited == 0
    sent = fake_api.sent_to(user.id)
    assert [sent.index(c) for c in first_replies] == sorted(sent.index(c) for c in first_replies)


async def test_a_429_delays_a_reply_and_does_not_lose_it(
    harness: Harness, fake_api: FakeTelegramAPI, vt: VirtualTime
) -> None:
    user = harness.user(610_002, "Olena", "uk")
    fake_api.fail_next("sendMessage", error_code=429, retry_after=2, times=2,
                       description="Too Many Requests: retry after 2")
    before = vt.now
    replies = await user.send("/help")
    assert replies and HELP_HEADING in replies[0].text
    assert vt.now - before >= 4  # waited as long as Telegram said, twice
    refused = [c for c in fake_api.calls if c.failed]
    assert len(refused) == 2


async def test_a_reply_refused_three_times_is_given_up_with_one_line_and_no_apology(
    harness: Harness, fake_api: FakeTelegramAPI, vt: VirtualTime,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = harness.user(610_003, "Olena", "uk")
    fake_api.fail_next("sendMessage", error_code=429, retry_after=1, times=3,
                       description="Too Many Requests: retry after 1")
    with caplog.at_level(logging.INFO):
        replies = await user.send("/help")
    assert not [r for r in replies if not r.call.failed]  # nothing arrived
    lines = [r for r in caplog.records if r.name.startswith("lotse")
             and r.levelno >= logging.WARNING]
    assert len(lines) == 1 and "update" in lines[0].getMessage()
    assert lines[0].exc_info is None  # no traceback
    assert len([c for c in fake_api.calls if c.failed]) == 3
    assert (await user.send("/help"))  # the next one goes through


async def test_a_server_error_on_a_reply_is_retried(
    harness: Harness, fake_api: FakeTelegramAPI, vt: VirtualTime
) -> None:
    user = harness.user(610_004, "Omid", "fa")
    fake_api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=2)
    replies = await user.send("/help")
    assert replies and HELP_HEADING in replies[0].text
    assert len([c for c in fake_api.calls if c.failed]) == 2


async def test_a_callback_answer_and_an_edit_pass_the_same_limiter(
    harness: Harness, fake_api: FakeTelegramAPI, vt: VirtualTime
) -> None:
    user = harness.user(610_005, "Olena", "uk")
    await user.send("/language")
    fake_api.fail_next("answerCallbackQuery", error_code=429, retry_after=1,
                       description="Too Many Requests: retry after 1")
    await user.press("English")
    answered = [c for c in fake_api.calls_to("answerCallbackQuery") if not c.failed]
    assert len(answered) == 1  # retried after the flood pause, not lost
