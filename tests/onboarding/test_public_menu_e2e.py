"""A stranger finds information and asks to be contacted; languages can change any time."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import LANGUAGES
from models import AuditLog, Caseworker, Client, ContactRequest
from tests.conftest import FakeClock
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness


async def test_stranger_reads_public_information_in_their_language(harness: Harness) -> None:
    uk = tr("uk")
    olena = harness.user(7001, "Olena", "uk-UA")
    replies = await olena.send("/start")
    assert replies[0].buttons[:4] == [uk._("What is integration management?"),
                                      uk._("Office hours and places"),
                                      uk._("Emergency numbers"), uk._("Please contact me")]
    await olena.press(uk._("Office hours and places"))
    assert "Bürgerhaus „Alte Schule“" in olena.texts  # German names stay German
    assert "понеділок, 09:00–12:00" in olena.texts  # weekday in Ukrainian, 24-hour time
    assert "середа, 14:00–17:00" in olena.texts
    await olena.press(uk._("Emergency numbers"))
    for number in ("110", "112", "116 016", "116 111"):
        assert number in olena.texts
    assert "Hilfetelefon Gewalt gegen Frauen" in olena.texts
    await olena.press(uk._("What is integration management?"))
    assert "Integrationsmanagement" in olena.texts


async def test_stranger_asks_to_be_contacted_and_the_towns_caseworker_is_told(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=811, name="Frau Berger", towns=("cleebronn",))
    await add_caseworker(sessions, telegram_id=812, name="Herr Roth", towns=("brackenheim",))
    ar = tr("ar")
    ahmad = harness.user(7002, "Ahmad", "ar", username="ahmad_k")
    await ahmad.send("/start")
    await ahmad.press(ar._("Please contact me"))
    assert ahmad.last_replies[0].buttons == ["Stadt Brackenheim", "Gemeinde Cleebronn"]
    fake = harness.fake
    before = len(fake.calls)
    await ahmad.press("Gemeinde Cleebronn")
    assert ar._("Thank you. We have passed your request to the integration management of "
                "%(municipality)s. Someone will contact you soon. We stored only your "
                "Telegram name, your language and the town.",
                municipality="Gemeinde Cleebronn") in ahmad.texts
    told = [c for c in fake.calls[before:] if c.method == "sendMessage"]
    assert [c.params["chat_id"] for c in told if c.params["chat_id"] != 7002] == [811]
    notice = next(c for c in told if c.params["chat_id"] == 811).params["text"]
    assert "@ahmad_k" in notice and "العربية" in notice and "Gemeinde Cleebronn" in notice

    # Pressing again does not create a second request.
    await ahmad.press(ar._("Please contact me"))
    await ahmad.press("Gemeinde Cleebronn")
    assert ar._("You have already asked to be contacted. The team will get back to you "
                "soon.") in ahmad.texts
    async with sessions() as session:
        requests = (await session.scalars(select(ContactRequest))).all()
        assert [(r.telegram_user_id, r.language, r.username) for r in requests] == [
            (7002, "ar", "ahmad_k")]


async def test_contact_request_reaches_admins_when_no_caseworker_is_linked(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=813, towns=(), admin=True)
    stranger = harness.user(7003, "Omid", "fa")
    await stranger.send("/start")
    await stranger.press(tr("fa")._("Please contact me"))
    await stranger.press("Stadt Brackenheim")
    assert any(c.params["chat_id"] == 813 for c in harness.fake.calls_to("sendMessage"))


async def test_language_is_preselected_and_unsupported_falls_back_to_english(
    harness: Harness,
) -> None:
    pierre = harness.user(7004, "Pierre", "fr")
    await pierre.send("/help")
    assert "\nWhat I can do for you:" in pierre.texts  # after the emergency numbers
    dari = harness.user(7005, "Zahra", "prs")
    await dari.send("/help")
    assert "\n" + tr("fa")._("What I can do for you:") in dari.texts


async def test_stranger_changes_language_without_anything_being_stored(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    olena = harness.user(7006, "Olena", "de")
    replies = await olena.send("/language")
    assert replies[0].buttons == [lang.native_name for lang in LANGUAGES.values()]
    await olena.press("Українська")
    assert olena.texts == tr("uk")._("Language changed to %(language)s.",
                                     language="Українська")
    await olena.send("/help")
    assert "\n" + tr("uk")._("What I can do for you:") in olena.texts
    async with sessions() as session:
        for table in (Client, Caseworker, ContactRequest, AuditLog):
            assert await session.scalar(select(func.count()).select_from(table)) == 0


async def test_client_changes_language_and_it_is_stored(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    reference = await add_client(sessions, telegram_id=7007, language="uk", now=clock())
    client = harness.user(7007, "Olena", "uk")
    await client.send("/language")
    await client.press("العربية")
    assert tr("ar")._("Language changed to %(language)s.", language="العربية") in client.texts
    async with sessions() as session:
        assert await session.scalar(
            select(Client.language).where(Client.reference == reference)) == "ar"
    await client.send("/privacy")
    assert reference in client.texts and "العربية" in client.texts


async def test_buttons_from_old_messages_answer_kindly(harness: Harness) -> None:
    uk = tr("uk")
    stale = uk._("This button is no longer valid. Please start again with /start.")
    user = harness.user(7008, "Olena", "uk")
    await user.send("/start")
    for data in ("pub:nonsense", "lang:xx", "pcm:atlantis"):
        await user.press_data(data)
        assert user.texts == stale, data
    await user.press_data("zz:1")  # a prefix no version of the bot knows
    assert user.callback_answers()[-1].params["text"] == stale
    await user.press_data("cy:uk:" + "A" * 22)  # consent for an invite that never existed
    assert user.texts == uk._("This invitation link is not valid. Please check that you "
                              "opened the whole link, or ask your integration manager for a "
                              "new one.")
