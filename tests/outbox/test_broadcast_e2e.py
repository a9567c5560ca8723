"""/broadcast end to end, against a fake Bot API that enforces 30 messages/s and 1/s per chat.

Interactive steps are a virtual second apart, as a person's would be (see VirtualTime).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import LANGUAGES, user_text
from bot.outbox.broadcasts import (
    MAX_TEXT,
    Audience,
    audience_languages,
    render_broadcast,
    shown_length,
    start_broadcast,
)
from bot.outbox.dispatcher import Dispatcher
from bot.roles import Actor, Role
from bot.text_limits import TEXT_LIMIT, length_hint, telegram_length
from handlers.outbox.dispatch import dispatcher_for, wake
from models import AuditLog, Broadcast, Client, Municipality, OutboxMessage, OutboxState
from tests.conftest import ADMIN_ID, FakeClock
from tests.support.builders import add_caseworker, add_client, client_by_reference, tr
from tests.support.dispatch_helpers import VirtualTime, add_clients, wait_until
from tests.support.fakes.telegram_api import FakeTelegramAPI
from tests.support.harness import Harness, TelegramUser

Sessions = async_sessionmaker[AsyncSession]
de = tr("de")
WORKER = 811
SENT = ("Announcement sent: %(delivered)s of %(total)s delivered, %(blocked)s blocked the "
        "bot, %(failed)s failed.")
STOPPED = ("Announcement stopped: %(delivered)s delivered, %(blocked)s blocked the bot, "
           "%(failed)s failed, %(not_sent)s not sent.")


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeTelegramAPI]:
    """The Bot API with Telegram's limits: 30 messages per second, one per second per chat."""
    async with FakeTelegramAPI(
            rate_limit_global=30, burst_global=30, rate_limit_per_chat=1) as fake:
        yield fake
        fake.assert_no_violations()


@pytest.fixture
def vt(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> VirtualTime:
    """Virtual time for the fake's limits and for the dispatcher's pacing."""
    virtual = VirtualTime()
    virtual.install(monkeypatch, dispatcher(harness))
    return virtual


def dispatcher(harness: Harness) -> Dispatcher:
    found = dispatcher_for(harness.app)
    assert found is not None
    return found


async def act(vt: VirtualTime, user: TelegramUser, text: str | None = None, *,
              press: str | None = None, data: str | None = None) -> str:
    """One step of a person, a virtual second after the last; returns the texts answered."""
    vt.advance(1.1)
    if text is not None:
        await user.send(text)
    elif press is not None:
        await user.press(press)
    else:
        assert data is not None
        await user.press_data(data, _message_with(user, data))
    return user.texts


def _message_with(user: TelegramUser, data: str) -> dict[str, Any]:
    for message in reversed(user.harness.fake.chat_messages(user.id)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            if any(b.get("callback_data") == data for b in row):
                return message
    return user.harness.fake.chat_messages(user.id)[-1]


def button_data(user: TelegramUser, suffix: str) -> str:
    """The callback data of the newest button whose data ends with ``suffix``."""
    for message in reversed(user.harness.fake.chat_messages(user.id)):
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if button.get("callback_data", "").endswith(suffix):
                    return str(button["callback_data"])
    raise AssertionError(f"no button ending in {suffix!r}")


async def status_text(harness: Harness, sessions: Sessions) -> str:
    """The sender's status message of the newest broadcast, as Telegram shows it now."""
    async with sessions() as session:
        chat, message_id = (await session.execute(
            select(Broadcast.status_chat_id, Broadcast.status_message_id)
            .order_by(Broadcast.id.desc()).limit(1))).one()
    [message] = [m for m in harness.fake.chat_messages(chat) if m["message_id"] == message_id]
    return str(message.get("text"))


async def shows(harness: Harness, sessions: Sessions, expected: str) -> None:
    async def shown() -> bool:
        return await status_text(harness, sessions) == expected

    await wait_until(shown)


async def finished(sessions: Sessions) -> bool:
    async with sessions() as session:
        return await session.scalar(
            select(func.count()).select_from(Broadcast).where(Broadcast.finished_at.is_(None))
        ) == 0 and await session.scalar(select(func.count()).select_from(Broadcast)) > 0


async def test_caseworker_writes_per_language_previews_and_sends_with_german_fallback(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime
) -> None:
    await add_caseworker(sessions, telegram_id=WORKER, towns=("cleebronn",))
    for chat, language in ((7101, "uk"), (7102, "ar"), (7103, "ru")):
        await add_client(sessions, telegram_id=chat, language=language, now=clock.now)
    await add_client(sessions, telegram_id=7104, town="brackenheim", now=clock.now)
    worker = harness.user(WORKER, "Frau Berger", "de")
    assert await act(vt, worker, "/broadcast") == de._("Who should receive the announcement?")
    assert worker.last_replies[0].buttons == ["Gemeinde Cleebronn", de._("Cancel")]
    await act(vt, worker, press="Gemeinde Cleebronn")
    assert worker.last_replies[0].buttons == [
        f"{de._('All clients')} (3)", de._("Families with children at school"),
        "Українська (1)", "العربية (1)", "Русский (1)", de._("Cancel")]
    await act(vt, worker, press=de._("All clients"))
    assert de._("Please send the German text of the announcement. Whoever has no text in "
                "their language gets the German one.") in worker.texts
    german = "Am Samstag ist Sommerfest im Bürgerhaus „Alte Schule“, ab 15 Uhr."
    ukrainian = "У суботу свято літа в Bürgerhaus „Alte Schule“, з 15:00."
    await act(vt, worker, german)
    assert de.ngettext("The announcement goes to %(n)s client.",
                       "The announcement goes to %(n)s clients.", 3) in worker.texts
    await act(vt, worker, press="✏️ Українська")
    assert worker.texts == de._("Please send the text in %(language)s.",
                                language="Українська")
    await act(vt, worker, ukrainian)
    assert "✅ Українська (1)" in worker.last_replies[0].buttons
    texts = {"de": german, "uk": ukrainian}
    for code in ("ar", "uk"):
        shown = await act(vt, worker, data=button_data(worker, f":p:{code}"))
        assert shown == "👁 " + de._("Preview for %(language)s:", language=LANGUAGES[
            code].native_name) + "\n\n" + render_broadcast(tr(code), {"texts": texts}).text
    await act(vt, worker, press=de.ngettext("Send to %(n)s client", "Send to %(n)s clients", 3))
    assert worker.texts == de.ngettext("Send the announcement to %(n)s client now?",
                                       "Send the announcement to %(n)s clients now?", 3)
    await act(vt, worker, press=de._("Yes, send it"))
    await wait_until(lambda: finished(sessions))
    await shows(harness, sessions, de._(SENT, delivered=3, total=3, blocked=0, failed=0))

    def received(chat: int) -> list[str]:
        return [c.text or "" for c in harness.fake.sent_to(chat)]

    assert received(7101) == [render_broadcast(tr("uk"), {"texts": texts}).text]
    assert ukrainian in received(7101)[0]
    arabic = received(7102)[0]
    assert german in arabic and tr("ar")._("This announcement is only available in "
                                           "German.") in arabic
    assert german in received(7103)[0] and received(7104) == []
    async with sessions() as session:
        actions = set(await session.scalars(select(AuditLog.action)))
    assert "broadcast:send" in actions


async def test_a_thousand_clients_get_it_once_within_telegrams_limits(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = harness.fake
    chats = await add_clients(sessions, 600, now=clock.now, language="uk")
    chats += await add_clients(sessions, 400, now=clock.now, town="brackenheim",
                               language="ar", first_chat=600_000)
    admin = harness.user(ADMIN_ID, "Frau Klein", "de")
    await act(vt, admin, "/broadcast")
    await act(vt, admin, press=de._("All towns"))
    await act(vt, admin, press=de._("All clients"))
    await act(vt, admin, "Das Rathaus ist am Freitag geschlossen.")
    await act(vt, admin, press=de.ngettext("Send to %(n)s client", "Send to %(n)s clients",
                                            1000))
    edits: list[float] = []
    edit = dispatcher(harness).transport.edit

    async def timed_edit(chat_id: int, message_id: int, message: Any) -> Any:
        edits.append(vt.now)
        return await edit(chat_id, message_id, message)

    monkeypatch.setattr(dispatcher(harness).transport, "edit", timed_edit)
    blocked, lost, flaky = chats[10:15], chats[20], chats[700]
    fake.fail_next("sendMessage", error_code=429, description="Too Many Requests: retry after 2",
                   retry_after=2)
    for chat in blocked:
        fake.fail_next("sendMessage", error_code=403, chat_id=chat,
                       description="Forbidden: bot was blocked by the user")
    fake.fail_next("sendMessage", error_code=400, chat_id=lost,
                   description="Bad Request: chat not found")
    fake.fail_next("sendMessage", error_code=500, chat_id=flaky,
                   description="Internal Server Error")
    await act(vt, admin, press=de._("Yes, send it"))

    async def only_the_retry_is_left() -> bool:
        async with sessions() as session:
            open_rows = await session.scalar(select(func.count()).select_from(OutboxMessage)
                                             .where(OutboxMessage.state.in_(
                                                 (OutboxState.PENDING, OutboxState.SENDING))))
            return open_rows == 1

    await wait_until(only_the_retry_is_left)
    clock.advance(seconds=10)  # the backoff after the 500
    wake(harness.app)
    await wait_until(lambda: finished(sessions))
    await shows(harness, sessions, de._(SENT, delivered=994, total=1000, blocked=5, failed=1))

    delivered = Counter(c.chat_id for c in fake.calls_to("sendMessage") if not c.failed)
    assert all(delivered[chat] == 1 for chat in chats if chat not in [*blocked, lost])
    assert not any(delivered[chat] for chat in [*blocked, lost])
    refused = [c for c in fake.calls if c.failed and "Too Many Requests" in (c.error or "")]
    assert len(refused) == 1 and fake.rate_limited == 0  # no 429 after the injected one
    async with sessions() as session:
        unreachable = set(await session.scalars(select(Client.telegram_user_id).where(
            Client.unreachable_since.is_not(None))))
    assert unreachable == set(blocked)
    progress = edits[:-1]  # the last edit is the final report
    assert len(progress) >= 3
    assert all(b - a >= 3.0 for a, b in itertools.pairwise(progress))


async def test_a_running_broadcast_can_be_stopped(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime
) -> None:
    await add_caseworker(sessions, telegram_id=WORKER, towns=("cleebronn",))
    await add_clients(sessions, 100, now=clock.now)
    gate, waiting = asyncio.Event(), asyncio.Event()

    async def held_sleep(seconds: float) -> None:  # the first second's 30 messages go out
        waiting.set()
        await gate.wait()
        await vt.sleep(seconds)

    dispatcher(harness).limiter.sleep = held_sleep
    worker = harness.user(WORKER, "Frau Berger", "de")
    for step in ("/broadcast", "Gemeinde Cleebronn", de._("All clients"), "Kurs fällt aus.",
                 de.ngettext("Send to %(n)s client", "Send to %(n)s clients", 100),
                 de._("Yes, send it")):
        await act(vt, worker, step) if step.startswith("/") or step == "Kurs fällt aus." \
            else await act(vt, worker, press=step)
    try:
        await asyncio.wait_for(waiting.wait(), 10)
        await act(vt, worker, press=de._("Stop sending"))
    finally:
        gate.set()  # also when the test fails: the bot must be able to stop
    await wait_until(lambda: finished(sessions))
    async with sessions() as session:
        counts = Counter((await session.scalars(select(OutboxMessage.state))).all())
    assert counts[OutboxState.SENT] >= 30 and counts[OutboxState.CANCELLED] > 0
    assert counts[OutboxState.SENT] + counts[OutboxState.CANCELLED] == 100
    await shows(harness, sessions, de._(STOPPED, delivered=counts[OutboxState.SENT], blocked=0,
                                        failed=0, not_sent=counts[OutboxState.CANCELLED]))
    sent = [c for c in harness.fake.calls_to("sendMessage") if c.chat_id != WORKER]
    assert len(sent) == counts[OutboxState.SENT]


async def test_clients_cannot_broadcast_and_forged_or_old_buttons_change_nothing(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime
) -> None:
    await add_caseworker(sessions, telegram_id=WORKER, towns=("cleebronn",))
    await add_client(sessions, telegram_id=7101, now=clock.now)
    olena = harness.user(7101)
    assert await act(vt, olena, "/broadcast") == tr("uk")._(
        "Sorry, I don't know this command. /help shows what I can do.")
    worker = harness.user(WORKER, "Frau Berger", "de")
    await act(vt, worker, "/broadcast")
    nonce = button_data(worker, ":x:").split(":")[1]
    async with sessions() as session:
        brackenheim = await session.scalar(
            select(Municipality.id).where(Municipality.key == "brackenheim"))
    stale = de._("This button is no longer valid. Please start again with /broadcast.")
    await act(vt, worker, data="bc:ffff:m:*")  # a button of an older draft
    assert await act(vt, worker, data=f"bc:{nonce}:m:{brackenheim}") == stale  # not her town
    await act(vt, worker, data="bcx:999")
    alerts = [c.params.get("text") for c in worker.callback_answers()]
    assert [alerts[0], alerts[-1]] == [stale, stale]
    await act(vt, worker, "/broadcast")
    assert await act(vt, worker, press=de._("Cancel")) == de._("Cancelled. Nothing was sent.")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0


async def test_a_client_who_blocked_the_bot_is_reachable_again_after_writing(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime
) -> None:
    reference = await add_client(sessions, telegram_id=7101, now=clock.now)
    admin = Actor(telegram_id=ADMIN_ID, role=Role.ADMIN, language="de",
                  municipality_ids=frozenset({1, 2}))
    harness.fake.fail_next("sendMessage", error_code=403, chat_id=7101,
                           description="Forbidden: bot was blocked by the user")
    async with sessions() as session, session.begin():
        await start_broadcast(session, actor=admin, audience=Audience(frozenset({1, 2})),
                              texts={"de": "Hallo"}, urgent=False, now=clock.now,
                              status_chat_id=None)
    await dispatcher(harness).drain()
    assert (await client_by_reference(sessions, reference)).unreachable_since is not None
    await act(vt, harness.user(7101), "/help")
    assert (await client_by_reference(sessions, reference)).unreachable_since is None


async def test_a_flood_wait_holds_every_request_and_the_reply_comes_after_it(
    harness: Harness, sessions: Sessions, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real time here: a 429 for the outbox pauses the whole bot (Telegram's flood limit is
    per bot); someone who writes /help meanwhile is answered when the pause ends, not lost."""
    monkeypatch.setattr(dispatcher(harness).limiter, "monotonic", time.monotonic)
    monkeypatch.setattr(dispatcher(harness).limiter, "sleep", asyncio.sleep)
    chats = await add_clients(sessions, 20, now=clock.now)
    admin = Actor(telegram_id=ADMIN_ID, role=Role.ADMIN, language="de",
                  municipality_ids=frozenset({1, 2}))
    # (3 s: long enough that a loaded machine is still inside the pause when /help comes)
    harness.fake.fail_next("sendMessage", error_code=429, retry_after=3,
                           description="Too Many Requests: retry after 3")
    async with sessions() as session, session.begin():
        await start_broadcast(session, actor=admin, audience=Audience(frozenset({1, 2})),
                              texts={"de": "Hallo"}, urgent=False, now=clock.now,
                              status_chat_id=None)
    wake(harness.app)
    await wait_until(lambda: any(c.failed for c in harness.fake.calls), timeout=10)
    refused_at = next(c.at for c in harness.fake.calls if c.failed)
    # The whole bot waits: every request is held until Telegram's 3 s have passed. (The fake
    # notes the 429 when it answers; the bot reads the answer a moment later.)
    limiter = dispatcher(harness).limiter
    await wait_until(lambda: limiter.paused_until > 0, timeout=10)
    assert limiter.paused_until >= refused_at + 3
    asked_at = time.monotonic()
    replies = await harness.user(7301, "Omid", "fa").send("/help")
    assert asked_at < refused_at + 3  # (asked during the pause, so the answer had to wait)
    assert replies and all(r.call.at >= refused_at + 3 for r in replies)  # after the pause
    await wait_until(lambda: finished_rows(sessions, len(chats)), timeout=15)
    assert [c for c in harness.fake.calls if c.failed] == [
        next(c for c in harness.fake.calls if c.failed)]  # no second 429


async def finished_rows(sessions: Sessions, count: int) -> bool:
    async with sessions() as session:
        sent = await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == OutboxState.SENT))
        return sent == count


async def test_a_broadcast_at_night_waits_for_the_morning_unless_urgent(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime
) -> None:
    from datetime import UTC, datetime

    clock.now = datetime(2026, 6, 10, 20, 30, tzinfo=UTC)  # 22:30 in Berlin
    await add_caseworker(sessions, telegram_id=WORKER, towns=("cleebronn",))
    await add_client(sessions, telegram_id=7101, now=clock.now)
    worker = harness.user(WORKER, "Frau Berger", "de")
    for step in ("/broadcast", "Gemeinde Cleebronn", de._("All clients")):
        await act(vt, worker, step) if step.startswith("/") else await act(vt, worker,
                                                                            press=step)
    await act(vt, worker, "Wasser abkochen!")
    await act(vt, worker, press=de.ngettext("Send to %(n)s client", "Send to %(n)s clients", 1))
    assert de._("It is quiet time (21:00–07:00): the messages will go out at 07:00, unless "
                "you send them as urgent.") in worker.texts
    await act(vt, worker, press=de._("Send now: it is urgent"))
    await wait_until(lambda: finished(sessions))
    assert len(harness.fake.sent_to(7101)) == 1


async def test_the_audience_can_be_families_with_school_children_or_one_language(
    sessions: Sessions, clock: FakeClock
) -> None:
    from models import Child, ChildPlace

    for chat, language in ((7201, "uk"), (7202, "ar"), (7203, "uk"), (7204, "ar")):
        await add_client(sessions, telegram_id=chat, language=language, now=clock.now)
    await add_client(sessions, telegram_id=7205, town="brackenheim", now=clock.now)
    async with sessions() as session, session.begin():
        for chat, place in ((7201, ChildPlace.SCHOOL), (7202, ChildPlace.SCHOOL),
                            (7203, ChildPlace.KITA)):
            client = await session.scalar(select(Client).where(Client.telegram_user_id == chat))
            assert client is not None
            session.add(Child(client_id=client.id, name="Kind 1", place=place))
        cleebronn = await session.scalar(
            select(Municipality.id).where(Municipality.key == "cleebronn"))
    assert cleebronn is not None
    town = frozenset({cleebronn})
    async with sessions() as session:
        assert await audience_languages(session, Audience(town)) == {"uk": 2, "ar": 2}
        assert await audience_languages(session, Audience(town, school_children=True)) == {
            "uk": 1, "ar": 1}
        assert await audience_languages(session, Audience(town, language="ar")) == {"ar": 2}


async def test_a_text_of_3000_emoji_is_refused_and_the_longest_allowed_reaches_everyone(
    harness: Harness, sessions: Sessions, clock: FakeClock, vt: VirtualTime
) -> None:
    """Telegram counts UTF-16 code units: 3,000 emoji are 6,000 of them, not 3,000."""
    await add_caseworker(sessions, telegram_id=WORKER, towns=("cleebronn",))
    for chat, language in ((7101, "uk"), (7102, "ar"), (7103, "fa")):
        await add_client(sessions, telegram_id=chat, language=language, now=clock.now)
    worker = harness.user(WORKER, "Frau Berger", "de")
    for step in ("/broadcast", "Gemeinde Cleebronn", de._("All clients")):
        await act(vt, worker, step) if step.startswith("/") else await act(vt, worker,
                                                                            press=step)
    too_long = de._("This text is too long: at most %(max)s characters, please.", max=MAX_TEXT)
    # (counted as sent: the isolate around the text is two more units, one pair per line)
    assert await act(vt, worker, "🎉" * 3000) == too_long + "\n\n" + length_hint(de, 6002)
    assert await act(vt, worker, "!" + "🎉" * 1899) == too_long + "\n\n" + length_hint(de, 3801)
    assert await act(vt, worker, "a\n" * 1000) == too_long + "\n\n" + length_hint(de, 3999)
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert await session.scalar(select(func.count()).select_from(Broadcast)) == 0

    german = "🎉" * (MAX_TEXT // 2 - 1)  # exactly the most Telegram units a text may have
    ukrainian = "Ї" * (MAX_TEXT - 4) + "🎉"
    assert shown_length(german) == shown_length(ukrainian) == MAX_TEXT
    await act(vt, worker, german)  # the draft was still waiting for the German text
    await act(vt, worker, press="✏️ Українська")
    await act(vt, worker, ukrainian)
    texts = {"de": german, "uk": ukrainian}
    for code in ("uk", "ar", "fa"):  # the previews fit, with heading, note and isolates
        shown = await act(vt, worker, data=button_data(worker, f":p:{code}"))
        assert shown.endswith(user_text(texts.get(code, german)))
    await act(vt, worker, press=de.ngettext("Send to %(n)s client", "Send to %(n)s clients", 3))
    await act(vt, worker, press=de._("Yes, send it"))
    await wait_until(lambda: finished(sessions))
    await shows(harness, sessions, de._(SENT, delivered=3, total=3, blocked=0, failed=0))
    for chat, language in ((7101, "uk"), (7102, "ar"), (7103, "fa")):
        [received] = [c.text for c in harness.fake.sent_to(chat)]
        assert received == render_broadcast(tr(language), {"texts": texts}).text
        assert telegram_length(received) <= TEXT_LIMIT
