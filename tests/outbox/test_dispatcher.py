"""The outbox dispatcher with a fake clock: language at send time, combining, expiry, quiet
hours, Telegram's limits, RetryAfter, 5xx, 403, 400, timeouts and crash leftovers."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TimedOut

from bot.config import ConfigError, DispatchConfig
from bot.outbox.outcomes import mark_reachable
from bot.outbox.queue import Rendered, enqueue, message_kind
from bot.outbox.sender import Outcome, SendResult
from handlers.outbox.dispatch import outcome_of
from models import Client, OutboxMessage, OutboxState
from tests.conftest import FakeClock
from tests.support.builders import add_client, client_by_reference, tr
from tests.support.dispatch_helpers import VirtualTime, outbox_rows, standalone_dispatcher
from tests.support.fakes.telegram_api import FakeTelegramAPI

Sessions = async_sessionmaker[AsyncSession]
HEADING = "What I can do for you:"  # a msgid every catalog translates


@message_kind("test.note")
def _note(t: Any, params: dict[str, Any]) -> Rendered:
    buttons = [[("OK", "pub:about")]] if params.get("button") else []
    return Rendered(f"{t._(HEADING)} {params['n']}", buttons=buttons)


@message_kind("test.doc")
def _doc(t: Any, params: dict[str, Any]) -> Rendered:
    return Rendered("Termin.ics", document=("termin.ics", b"BEGIN:VCALENDAR"))


@message_kind("test.broken")
def _broken(t: Any, params: dict[str, Any]) -> Rendered:
    raise KeyError("missing parameter")


async def put(sessions: Sessions, key: str, chat: int, due: datetime, **extra: Any) -> None:
    extra.setdefault("kind", "test.note")
    extra.setdefault("params", {"n": key})
    async with sessions() as session, session.begin():
        assert await enqueue(session, key=key, chat_id=chat, due_at=due, **extra)


async def states(sessions: Sessions) -> dict[str, OutboxState]:
    return {row.key: row.state for row in await outbox_rows(sessions)}


async def row(sessions: Sessions, key: str) -> OutboxMessage:
    async with sessions() as session:
        found = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == key))
        assert found is not None
        return found


async def test_message_is_rendered_in_the_language_the_client_uses_when_it_is_sent(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    client = await client_by_reference(
        sessions, await add_client(sessions, telegram_id=701, language="uk", now=clock.now))
    await put(sessions, "now", 701, clock.now, client_id=client.id)
    await put(sessions, "later", 701, clock.now + timedelta(hours=1), client_id=client.id)
    async with sessions() as session, session.begin():  # switched after it was planned
        await session.execute(update(Client).values(language="ar"))
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        await dispatcher.drain()
        assert [c.text for c in fake_api.sent_to(701)] == [f"{tr('ar')._(HEADING)} now"]
        assert await states(sessions) == {"now": OutboxState.SENT, "later": OutboxState.PENDING}
        clock.advance(hours=1)
        await dispatcher.drain()
        await dispatcher.drain()  # nothing is sent twice
    assert len(fake_api.sent_to(701)) == 2
    assert (await row(sessions, "later")).sent_at == clock.now


async def test_messages_due_in_the_same_minute_go_out_as_one(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    await put(sessions, "waste", 702, clock.now)
    await put(sessions, "school", 702, clock.now, params={"n": "school", "button": True})
    await put(sessions, "booking", 702, clock.now + timedelta(seconds=20))
    await put(sessions, "next-minute", 702, clock.now + timedelta(minutes=1))
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        await dispatcher.drain()
        [combined] = fake_api.sent_to(702)
        assert combined.text == "\n\n".join(f"{HEADING} {n}" for n in ("waste", "school",
                                                                         "booking"))
        assert combined.params["reply_markup"]["inline_keyboard"] == [
            [{"text": "OK", "callback_data": "pub:about"}]]
        clock.advance(minutes=1)
        await dispatcher.drain()
    assert [c.text for c in fake_api.sent_to(702)][1:] == [f"{HEADING} next-minute"]
    assert set((await states(sessions)).values()) == {OutboxState.SENT}


async def test_a_message_whose_moment_passed_is_expired_never_sent_late(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    await put(sessions, "bins-yesterday", 703, clock.now - timedelta(hours=14),
              expires_at=clock.now - timedelta(minutes=1))
    await put(sessions, "appointment-today", 703, clock.now - timedelta(hours=2),
              expires_at=clock.now + timedelta(hours=1))
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        await dispatcher.drain()
    assert [c.text for c in fake_api.sent_to(703)] == [f"{HEADING} appointment-today"]
    assert await states(sessions) == {"bins-yesterday": OutboxState.EXPIRED,
                                      "appointment-today": OutboxState.SENT}


async def test_quiet_hours_hold_messages_until_seven_also_across_the_dst_change(
    sessions: Sessions, fake_api: FakeTelegramAPI
) -> None:
    # Saturday 22:30 in Berlin; that night the clocks go forward (02:00 CET → 03:00 CEST).
    clock = FakeClock(datetime(2026, 3, 28, 21, 30, tzinfo=UTC))
    seven = datetime(2026, 3, 29, 5, 0, tzinfo=UTC)  # 07:00 CEST
    await put(sessions, "news", 704, clock.now)
    await put(sessions, "urgent", 705, clock.now, urgent=True)
    await put(sessions, "too-early", 706, clock.now, expires_at=seven - timedelta(minutes=30))
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        await dispatcher.drain()
        assert [c.chat_id for c in fake_api.calls_to("sendMessage")] == [705]
        assert (await row(sessions, "news")).due_at == seven
        assert (await row(sessions, "too-early")).state is OutboxState.EXPIRED
        clock.now = seven - timedelta(minutes=1)
        await dispatcher.drain()
        assert not fake_api.sent_to(704)
        clock.now = seven
        await dispatcher.drain()
    assert len(fake_api.sent_to(704)) == 1


async def test_sending_keeps_to_30_per_second_and_1_per_chat(
    sessions: Sessions, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    vt = VirtualTime()
    vt.install(monkeypatch)
    for i in range(90):
        await put(sessions, f"k{i}", 800 + i, clock.now)
    for minute in (3, 2, 1):  # three more for chat 800, each in its own minute
        await put(sessions, f"earlier{minute}", 800, clock.now - timedelta(minutes=minute))
    async with FakeTelegramAPI(
            rate_limit_global=30, burst_global=30, rate_limit_per_chat=1) as fake:
        async with standalone_dispatcher(sessions, fake, clock) as dispatcher:
            vt.install(monkeypatch, dispatcher)
            await dispatcher.drain()
        fake.assert_no_violations()
        assert fake.rate_limited == 0  # the fake never had to refuse a message
        starts = [(c.at, c.chat_id) for c in fake.calls_to("sendMessage")]  # virtual time
        assert len(starts) == 93
    times = [at for at, _ in starts]
    # 30 a second with bursts of 30: any stretch holds at most 30 + 30 × its length
    assert all(j - i + 1 <= 30 + 30 * (times[j] - times[i]) + 1e-6
               for i in range(len(times)) for j in range(i, len(times)))
    own = [at for at, chat in starts if chat == 800]
    assert len(own) == 4 and all(b - a >= 1.0 for a, b in itertools.pairwise(own))
    assert set((await states(sessions)).values()) == {OutboxState.SENT}


async def test_retry_after_pauses_the_outbox_then_the_message_goes(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await put(sessions, "flood", 710, clock.now)
    fake_api.fail_next("sendMessage", error_code=429, description="Too Many Requests: "
                       "retry after 5", retry_after=5)
    vt = VirtualTime()
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        vt.install(monkeypatch, dispatcher)
        await dispatcher.drain()
    assert [c.failed for c in fake_api.sent_to(710, include_failed=True)] == [True, False]
    assert max(vt.sleeps) >= 5
    assert (await row(sessions, "flood")).state is OutboxState.SENT


async def test_server_errors_are_retried_with_backoff_up_to_a_limit(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    await put(sessions, "once", 711, clock.now)
    await put(sessions, "never", 712, clock.now)
    fake_api.fail_next("sendMessage", error_code=500, description="Internal Server Error",
                       chat_id=711)
    fake_api.fail_next("sendMessage", error_code=502, description="Bad Gateway", times=99,
                       chat_id=712)
    async with standalone_dispatcher(sessions, fake_api, clock, max_attempts=3) as dispatcher:
        await dispatcher.drain()
        once = await row(sessions, "once")
        assert (once.state, once.attempts) == (OutboxState.PENDING, 1)
        assert once.due_at == clock.now + timedelta(seconds=10)
        assert "Internal Server Error" in (once.last_error or "")
        for _ in range(4):
            clock.advance(minutes=10)
            await dispatcher.drain()
    assert (await row(sessions, "once")).state is OutboxState.SENT
    never = await row(sessions, "never")
    assert never.state is OutboxState.FAILED and never.attempts == 3
    assert (never.last_error or "").startswith("gave up after 3 attempts")
    assert len(fake_api.sent_to(712, include_failed=True)) == 3


async def test_a_client_who_blocked_the_bot_gets_nothing_until_they_write_again(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    client = await client_by_reference(
        sessions, await add_client(sessions, telegram_id=713, now=clock.now))
    for minute in range(3):
        await put(sessions, f"m{minute}", 713, clock.now + timedelta(minutes=minute),
                  client_id=client.id)
    fake_api.fail_next("sendMessage", error_code=403,
                       description="Forbidden: bot was blocked by the user")
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        await dispatcher.drain()
        assert (await client_by_reference(sessions, client.reference)).unreachable_since \
            == clock.now
        clock.advance(minutes=1)
        await dispatcher.drain()
        assert len(fake_api.sent_to(713, include_failed=True)) == 1  # m1 was not even tried
        async with sessions() as session, session.begin():
            await mark_reachable(session, telegram_id=713)  # they wrote to the bot
        clock.advance(minutes=1)
        await dispatcher.drain()
    assert await states(sessions) == {"m0": OutboxState.BLOCKED, "m1": OutboxState.BLOCKED,
                                      "m2": OutboxState.SENT}


async def test_bad_request_fails_with_its_reason_and_bad_rows_do_not_stop_others(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    await put(sessions, "lost", 714, clock.now)
    await put(sessions, "broken", 715, clock.now, kind="test.broken")
    await put(sessions, "calendar", 716, clock.now, kind="test.doc")
    fake_api.fail_next("sendMessage", error_code=400, description="Bad Request: chat not found")
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        await dispatcher.drain()
    lost, broken = await row(sessions, "lost"), await row(sessions, "broken")
    assert lost.state is OutboxState.FAILED
    assert "chat not found" in (lost.last_error or "").lower()
    assert broken.state is OutboxState.FAILED
    assert (broken.last_error or "").startswith("rendering failed: KeyError")
    [document] = fake_api.calls_to("sendDocument")
    assert document.params["caption"] == "Termin.ics"
    assert document.files["document"].content == b"BEGIN:VCALENDAR"


class TimingOut:
    """A transport whose first sends time out after the request left (maybe delivered)."""

    def __init__(self, inner: Any, times: int) -> None:
        self.inner, self.times = inner, times

    async def send(self, chat_id: int, message: Rendered) -> SendResult:
        if self.times:
            self.times -= 1
            await self.inner.send(chat_id, message)  # it did arrive
            return outcome_of(TimedOut())
        result: SendResult = await self.inner.send(chat_id, message)
        return result

    async def edit(self, chat_id: int, message_id: int, message: Rendered) -> SendResult:
        result: SendResult = await self.inner.edit(chat_id, message_id, message)
        return result


@pytest.mark.parametrize("timeouts", [1, 2])
async def test_a_timed_out_send_is_uncertain_and_retried_once_after_a_delay(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock, timeouts: int
) -> None:
    await put(sessions, "maybe", 717, clock.now)
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        dispatcher.transport = TimingOut(dispatcher.transport, timeouts)
        await dispatcher.drain()
        maybe = await row(sessions, "maybe")
        assert (maybe.state, maybe.uncertain) == (OutboxState.UNCERTAIN, True)
        assert maybe.due_at == clock.now + timedelta(minutes=1)
        clock.advance(seconds=59)
        await dispatcher.drain()
        assert len(fake_api.sent_to(717)) == 1  # not before the delay
        clock.advance(seconds=1)
        await dispatcher.drain()
        clock.advance(minutes=5)
        await dispatcher.drain()
    maybe = await row(sessions, "maybe")
    assert len(fake_api.sent_to(717)) == 2  # at most one duplicate, never more
    if timeouts == 1:
        assert maybe.state is OutboxState.SENT
    else:
        assert maybe.state is OutboxState.FAILED
        assert (maybe.last_error or "").startswith("timed out twice")


async def test_rows_left_sending_by_a_crash_are_resolved_at_start(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock
) -> None:
    await put(sessions, "in-flight", 718, clock.now)
    await put(sessions, "in-flight-again", 719, clock.now)
    async with sessions() as session, session.begin():
        await session.execute(update(OutboxMessage).values(
            state=OutboxState.SENDING, claimed_by=424242, attempts=1))
        await session.execute(update(OutboxMessage).where(
            OutboxMessage.key == "in-flight-again").values(uncertain=True))
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        assert await dispatcher.recover() == 2
        assert await states(sessions) == {"in-flight": OutboxState.UNCERTAIN,
                                          "in-flight-again": OutboxState.FAILED}
        await dispatcher.drain()
        assert not fake_api.calls_to("sendMessage")  # only after the delay
        clock.advance(minutes=1)
        await dispatcher.drain()
    assert [c.chat_id for c in fake_api.calls_to("sendMessage")] == [718]


def test_bot_api_errors_map_to_outcomes() -> None:
    assert outcome_of(RetryAfter(7)).retry_after == 7
    cases = {
        Forbidden("Forbidden: bot was blocked by the user"): Outcome.BLOCKED,
        Forbidden("Forbidden: user is deactivated"): Outcome.BLOCKED,
        BadRequest("Bad Request: chat not found"): Outcome.REJECTED,
        TimedOut(): Outcome.UNCERTAIN,
        TimedOut("Pool timeout: All connections in the connection pool are occupied. "
                 "Request was *not* sent to Telegram."): Outcome.TRANSIENT,
        NetworkError("Bad Gateway"): Outcome.TRANSIENT,
        NetworkError("Internal Server Error (500)"): Outcome.TRANSIENT,
    }
    for error, outcome in cases.items():
        assert outcome_of(error).outcome is outcome, error


def test_dispatch_settings_come_from_the_environment() -> None:
    config = DispatchConfig.from_environ({"LOTSE_DISPATCH_INTERVAL": "0.5",
                                          "LOTSE_SEND_RATE": "20",
                                          "LOTSE_UNCERTAIN_RETRY_SECONDS": "5"})
    assert (config.interval, config.per_second, config.batch_size) == (0.5, 20, 20)
    assert config.uncertain_delay == timedelta(seconds=5)
    assert DispatchConfig.from_environ({}) == DispatchConfig()
    with pytest.raises(ConfigError, match="LOTSE_SEND_RATE must be a number from 1 to 1000"):
        DispatchConfig.from_environ({"LOTSE_SEND_RATE": "fast"})


async def test_a_long_flood_wait_puts_messages_back_instead_of_holding_the_bot(
    sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for chat in (720, 721, 722):
        await put(sessions, f"c{chat}", chat, clock.now)
    fake_api.fail_next("sendMessage", error_code=429, retry_after=60,
                       description="Too Many Requests: retry after 60")
    vt = VirtualTime()
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        vt.install(monkeypatch, dispatcher)
        await dispatcher.drain()
        refused = fake_api.calls_to("sendMessage")[0].chat_id
        waiting = [r for r in await outbox_rows(sessions) if r.state is OutboxState.PENDING]
        assert {r.due_at for r in waiting} == {clock.now + timedelta(seconds=60)}
        # Only the refused message counts an attempt; the others were not even tried.
        assert {(r.chat_id == refused, r.attempts) for r in waiting} <= {(True, 1), (False, 0)}
        assert refused in {r.chat_id for r in waiting}
        clock.advance(seconds=60)
        vt.advance(60)
        await dispatcher.drain()
    assert set((await states(sessions)).values()) == {OutboxState.SENT}
