"""A client writes to the integration manager; the answer comes back in the client's language.

Run against SQLite and PostgreSQL (the ``database_url`` fixture), through the real
Application and the fake Bot API; the outbox delivers relays and answers.
"""

from __future__ import annotations

import itertools
import json
import time
from datetime import UTC, datetime
from datetime import time as clock_time
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.texts import QUICK_REPLIES
from bot.i18n import user_text
from handlers.outbox.dispatch import dispatcher_for
from models import (
    Absence,
    Caseworker,
    Client,
    ContactEntry,
    Conversation,
    OutboxMessage,
    StoredMessage,
)
from tests.conftest import FakeClock
from tests.support.booking_support import add_hours
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.dispatch_helpers import wait_until
from tests.support.harness import Harness, Reply, TelegramUser

_ids = itertools.count(50_000)
BERGER, ROTH = 811, 812
de, uk = tr("de"), tr("uk")


async def send(user: TelegramUser, **content: Any) -> list[Reply]:
    """A message with any content (photo, voice, …), optionally a reply to ``reply_to``."""
    message: dict[str, Any] = {"message_id": next(_ids), "date": int(time.time()),
                               "chat": user.chat(), "from": user.as_dict(), **content}
    return await user._process({"message": message})


def photo(file_id: str = "AgAD-letter") -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": file_id + "u", "width": 800,
             "height": 1100}]


async def setup(sessions: async_sessionmaker[AsyncSession], clock: FakeClock, *,
                assign: bool = True) -> tuple[int, str]:
    berger = await add_caseworker(sessions, telegram_id=BERGER, name="Frau Berger")
    await add_caseworker(sessions, telegram_id=ROTH, name="Herr Roth", towns=("cleebronn",))
    reference = await add_client(sessions, telegram_id=7101, language="uk", now=clock())
    if assign:
        async with sessions() as session, session.begin():
            client = await session.scalar(select(Client).where(Client.reference == reference))
            assert client is not None
            client.caseworker_id = berger
    # Wednesday 14:00–17:00: the next office hours from the database, not the TOML text.
    await add_hours(sessions, caseworker_id=berger, weekday=2, start=clock_time(14),
                    end=clock_time(17))
    return berger, reference


def relayed(harness: Harness, chat: int) -> list[dict[str, Any]]:
    return [m for m in harness.fake.chat_messages(chat) if "C-" in (m.get("text") or
                                                                    m.get("caption") or "")]


async def test_ukrainian_client_sends_a_letter_and_gets_answers_in_ukrainian(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    _, reference = await setup(sessions, clock)
    olena, berger = harness.user(7101, "Olena", "uk"), harness.user(BERGER, "Anna", "de")
    fake = harness.fake

    await send(olena, photo=photo(), caption="Що це за лист?")
    assert len(olena.last_replies) == 1  # one acknowledgement per conversation
    assert "середа 14:00" in olena.texts and "Integrationsmanager/in" in olena.texts
    await olena.send("Що мені робити?")
    assert olena.last_replies == []

    copies = fake.calls_to("copyMessage")
    assert [(c.params["chat_id"], c.params["from_chat_id"]) for c in copies] == [
        (BERGER, 7101)]
    caption = copies[0].params["caption"]
    assert caption.startswith(f"📨 {reference} · Українська · ") and "Що це за лист?" in caption
    buttons = Reply(copies[0]).buttons
    assert de._("Bring the letter") in buttons and de._("Received") in buttons
    texts = [c.params["text"] for c in fake.calls_to("sendMessage")
             if c.params["chat_id"] == BERGER]
    assert any(reference in t and "Що мені робити?" in t for t in texts)
    assert not any(str(c.params["chat_id"]) == str(ROTH) for c in fake.calls
                   if "chat_id" in c.params)  # only the client's own caseworker

    # 1. An answer by Telegram's "Reply" to the relayed question.
    question = next(m for m in fake.chat_messages(BERGER) if "Що мені робити?" in
                    (m.get("text") or ""))
    await send(berger, text="Bitte kommen Sie am Mittwoch.", reply_to_message=question)
    assert de._("Sent to %(reference)s.", reference=reference) in berger.texts
    answer = fake.sent_to(7101)[-1]
    assert answer.params["text"].startswith(uk._(
        "%(name)s, your integration manager (Integrationsmanager/in), writes:",
        name=user_text("Frau Berger")))
    assert "Bitte kommen Sie am Mittwoch." in answer.params["text"]

    # 2. A quick reply under the photo: Ukrainian, with the German beside it.
    await berger.press(de._("Bring the letter"))
    quick = fake.sent_to(7101)[-1].params["text"]
    assert uk._(QUICK_REPLIES[1][1]) in quick and f"🇩🇪 {de._(QUICK_REPLIES[1][1])}" in quick
    await berger.press(de._("Come to office hours"))
    assert "середа 14:00" in fake.sent_to(7101)[-1].params["text"]

    # Answered: the inbox is empty; the case card's messages are stored as file ids.
    await berger.send("/inbox")
    assert de._("No conversation is waiting for an answer.") in berger.texts
    async with sessions() as session:
        stored = (await session.scalars(select(StoredMessage).order_by(StoredMessage.id))).all()
    assert [(s.from_client, s.content) for s in stored][:2] == [(True, "photo"), (True, "text")]
    assert stored[0].file_id == "AgAD-letter"
    await berger.send(f"/case {reference}")
    card = berger.texts
    assert de._("Last messages:") in card and "⬅" in card and "📷 Що це за лист?" in card
    assert "➡" in card and "Bitte kommen Sie am Mittwoch." in card
    assert de._(QUICK_REPLIES[1][0]) in card  # the quick reply in the caseworker's words
    # The client sees in /privacy that messages are stored, files as Telegram references.
    await olena.send("/privacy")
    assert uk._("Messages between you and the integration management: %(count)s, of them "
                "with a photo, document, voice or video: %(files)s (kept as Telegram "
                "references, not downloaded)", count=len(stored), files=1) in olena.texts
    fake.assert_no_violations()


async def test_substitute_answers_during_an_absence(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    berger_id, _ = await setup(sessions, clock)
    async with sessions() as session, session.begin():
        substitute = await session.scalar(select(Caseworker.id).where(
            Caseworker.telegram_user_id == ROTH))
        assert substitute is not None
        session.add(Absence(caseworker_id=berger_id, substitute_id=substitute,
                            start_at=datetime(2026, 3, 1, tzinfo=UTC),
                            end_at=datetime(2026, 3, 20, tzinfo=UTC)))
    olena, roth_user = harness.user(7101, "Olena", "uk"), harness.user(ROTH, "Paul", "de")
    await send(olena, photo=photo(), caption="Лист від Jobcenter")
    copies = harness.fake.calls_to("copyMessage")
    assert [c.params["chat_id"] for c in copies] == [ROTH]
    await roth_user.press(de._("Only information"))
    text = harness.fake.sent_to(7101)[-1].params["text"]
    assert "Herr Roth" in text and uk._(QUICK_REPLIES[2][1]) in text
    # A document as answer (a filled-in form) is copied back with the sender line.
    relayed_photo = relayed(harness, ROTH)[0]
    await send(roth_user, document={"file_id": "form-1", "file_unique_id": "f1",
                                    "file_name": "Antrag.pdf"},
               caption="Bitte unterschreiben", reply_to_message=relayed_photo)
    back = harness.fake.calls_to("copyMessage")[-1]
    assert back.params["chat_id"] == 7101 and back.params["from_chat_id"] == ROTH
    assert back.params["caption"] == uk._(
        "%(name)s, your integration manager (Integrationsmanager/in), writes:",
        name=user_text("Herr Roth")) + "\n\nBitte unterschreiben"


async def test_relay_that_fails_stays_in_the_inbox_and_is_delivered_later(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    _, reference = await setup(sessions, clock)
    olena, berger = harness.user(7101, "Olena", "uk"), harness.user(BERGER, "Anna", "de")
    fake = harness.fake
    fake.fail_next("sendMessage", error_code=502, description="Bad Gateway", chat_id=BERGER)
    await olena.send("Допоможіть, будь ласка, з листом")
    assert uk._("Thank you, your message has reached your integration manager "
                "(Integrationsmanager/in). You will get an answer here during office hours "
                "— next: %(when)s.", when="середа 14:00") in olena.texts
    assert relayed(harness, BERGER) == []
    # 5xx: retried after the backoff.
    clock.advance(minutes=1)
    dispatcher = dispatcher_for(harness.app)
    assert dispatcher is not None
    await dispatcher.drain()
    assert len(relayed(harness, BERGER)) == 1

    # 403 (the caseworker blocked the bot): it stays in the inbox and is shown on request.
    fake.fail_next("copyMessage", error_code=403, description="Forbidden: bot was blocked by "
                   "the user", chat_id=BERGER)
    await send(olena, voice={"file_id": "voice-1", "file_unique_id": "v1", "duration": 7})
    await dispatcher.drain()
    async with sessions() as session:
        states = (await session.scalars(select(OutboxMessage.state).where(
            OutboxMessage.kind == "conversation.relay").order_by(OutboxMessage.id))).all()
    assert [s.value for s in states] == ["sent", "blocked"]
    await berger.send("/inbox")
    assert reference in berger.texts and "Українська" in berger.texts
    assert "“\u2068Допоможіть, будь ласка, з листом\u2069”" in berger.texts
    # Writing again unblocked the bot: the blocked relay goes again with the next round
    # (which may be a drain the handler started already: wait for it, don't race it).
    await dispatcher.drain()
    await wait_until(lambda: not fake.calls_to("copyMessage")[-1].failed, timeout=10)
    voice = fake.calls_to("copyMessage")[-1]
    assert voice.params["chat_id"] == BERGER and not voice.failed
    # "Show" relays the waiting conversation once more, on request.
    await berger.press(de._("Show %(reference)s", reference=reference))
    assert len([c for c in fake.calls_to("copyMessage") if not c.failed]) == 2
    # Marked done: it leaves the inbox.
    await berger.send("/inbox")
    await berger.press(de._("✓ %(reference)s done", reference=reference))
    await berger.send("/inbox")
    assert de._("No conversation is waiting for an answer.") in berger.texts


async def test_urgent_request_at_night_reaches_the_caseworker_at_once(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    _, reference = await setup(sessions, clock)
    clock.now = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)  # 23:00 in Berlin: quiet hours
    olena = harness.user(7101, "Olena", "uk")
    await olena.send("/start")
    assert "🆘 " + uk._("I need help urgently") in olena.last_replies[-1].buttons
    await olena.send("/help")
    assert olena.texts.index("110") < olena.texts.index("/book")  # emergency numbers first
    await olena.press(uk._("I need help urgently"))
    assert "116 111" in olena.texts
    await olena.press(uk._("Yes, I need help urgently"))
    told = [c for c in harness.fake.calls_to("sendMessage") if c.params["chat_id"] == BERGER]
    assert len(told) == 1 and reference in told[0].params["text"]
    assert "🆘" in told[0].params["text"]
    assert "116 111" in olena.texts and "14:00–20:00" in olena.texts
    async with sessions() as session:
        conversation = await session.scalar(select(Conversation))
        assert conversation is not None and conversation.urgent_at is not None


async def test_urgent_request_of_a_town_without_a_linked_caseworker_reaches_the_admins(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    admin = 813
    await add_caseworker(sessions, telegram_id=admin, name="Herr Hauptamt",
                         towns=("brackenheim",), admin=True)
    await add_client(sessions, telegram_id=7102, language="ar", now=clock())  # Cleebronn
    amal = harness.user(7102, "Amal", "ar")
    await amal.send("/help")
    await amal.press(tr("ar")._("I need help urgently"))
    await amal.press(tr("ar")._("Yes, I need help urgently"))
    told = [c for c in harness.fake.calls_to("sendMessage") if c.params["chat_id"] == admin]
    assert len(told) == 1 and "🆘" in told[0].params["text"]


async def test_voice_video_note_and_album_are_relayed(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await setup(sessions, clock, assign=False)  # no caseworker assigned: the whole town
    olena = harness.user(7101, "Olena", "uk")
    await send(olena, voice={"file_id": "voice-1", "file_unique_id": "v1", "duration": 7})
    assert len(olena.last_replies) == 1
    await send(olena, video_note={"file_id": "vn-1", "file_unique_id": "vn1", "length": 240,
                                  "duration": 5})
    first_album_photo = next(_ids) + 1
    for number in (1, 2):
        await send(olena, photo=photo(f"album-{number}"), media_group_id="album-1",
                   **({"caption": "Два листи з Jobcenter"} if number == 1 else {}))
    assert olena.last_replies == []  # acknowledged once only
    copies = harness.fake.calls_to("copyMessage")
    for chat in (BERGER, ROTH):  # every active caseworker of the town
        assert len([c for c in copies if c.params["chat_id"] == chat]) == 2
    note = next(c for c in copies if c.params["chat_id"] == BERGER and "caption" not in
                c.params)
    assert note is not None  # a video note carries no caption: its header goes before it

    # The album is collected for a moment, then copied as one album after its header.
    clock.advance(seconds=3)
    dispatcher = dispatcher_for(harness.app)
    assert dispatcher is not None
    await dispatcher.drain()
    albums = harness.fake.calls_to("copyMessages")
    assert sorted(c.params["chat_id"] for c in albums) == [BERGER, ROTH]
    ids = albums[0].params["message_ids"]
    ids = json.loads(ids) if isinstance(ids, str) else ids
    assert ids == [first_album_photo, first_album_photo + 1]
    header = [c for c in harness.fake.calls_to("sendMessage")
              if c.params["chat_id"] == BERGER and "Два листи з Jobcenter" in c.params["text"]]
    assert len(header) == 1 and de._("Bring the letter") in Reply(header[0]).buttons
    harness.fake.assert_no_violations()


async def test_one_tap_contact_time_is_billed_once(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    _, reference = await setup(sessions, clock)
    olena, berger = harness.user(7101, "Olena", "uk"), harness.user(BERGER, "Anna", "de")
    await olena.send("Чи можна мені зателефонувати?")
    await berger.send(f"/reply {reference} Ich rufe Sie heute an.")
    assert "Ich rufe Sie heute an." in harness.fake.sent_to(7101)[-1].params["text"]
    confirmation = berger.last_replies[-1].call.params
    await berger.press(de._("⏱ %(minutes)s min phone", minutes=10))
    # The buttons are gone after the first tap; a second tap (a slow client) changes nothing.
    data = next(b["callback_data"] for row in confirmation["reply_markup"]["inline_keyboard"]
                for b in row if b["text"] == de._("⏱ %(minutes)s min phone", minutes=10))
    await berger.press_data(data)
    async with sessions() as session:
        entries = (await session.scalars(select(ContactEntry))).all()
    assert [(e.minutes, e.kind.value, e.case_reference) for e in entries] == [
        (10, "phone", reference)]


async def test_only_staff_of_the_clients_town_may_answer(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    _, reference = await setup(sessions, clock)
    await add_caseworker(sessions, telegram_id=813, name="Herr Weiss", towns=("brackenheim",))
    olena, weiss = harness.user(7101, "Olena", "uk"), harness.user(813, "Jan", "de")
    await olena.send("Добрий день")
    before = len(harness.fake.sent_to(7101))
    await weiss.send(f"/reply {reference} Hallo")
    assert de._("I cannot find the case %(reference)s among the cases of your towns. "
                "/cases shows them.", reference=reference) in weiss.texts
    await olena.send("/reply C-0001 x")  # a client may not use /reply at all
    assert len(harness.fake.sent_to(7101)) == before + 1  # only the refusal to Olena
