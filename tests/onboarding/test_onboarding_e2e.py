"""Clients and caseworkers join by invite link; bad links change nothing."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import actor_key
from bot.i18n import FSI, PDI, user_text
from handlers.onboarding.start import consent_text
from models import AuditLog, Client, ClientStatus, Invite
from tests.conftest import FakeClock
from tests.support.builders import add_caseworker, caseworker_invite, client_invite, tr
from tests.support.every_table import where_found
from tests.support.harness import Harness

LINK = re.compile(r"https://t\.me/lotse_test_bot\?start=([A-Za-z0-9_-]{22})")


async def _invite_by_telegram(harness: Harness, caseworker_id: int, name: str,
                              language_label: str) -> str:
    """The caseworker runs /invite and returns the code from the link the bot sends."""
    caseworker = harness.user(caseworker_id, "Anna", "de")
    de = tr("de")
    replies = await caseworker.send("/invite")
    assert de._("What is the new client's name? A first name or a pseudonym is enough. "
                "(/cancel stops)") in replies[0]
    replies = await caseworker.send(name)
    assert de._("Which language does %(name)s speak?", name=user_text(name)) in replies[-1]
    replies = await caseworker.press(language_label)
    match = LINK.search(caseworker.texts)
    assert match, caseworker.texts
    assert replies[-1].method == "sendPhoto"
    assert replies[-1].call.files["photo"].content.startswith(b"\x89PNG")
    return match.group(1)


async def test_ukrainian_client_joins_by_invite_link_and_consents(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=801, towns=("cleebronn",))
    code = await _invite_by_telegram(harness, 801, "Olena", "Українська")
    uk = tr("uk")

    olena = harness.user(5001, "Olena", "uk")
    replies = await olena.send(f"/start {code}")
    assert replies[0].text == consent_text(
        uk, "Olena", town="Gemeinde Cleebronn", months=24,
        url="https://www.brackenheim.de/datenschutz")
    # The truth, in Ukrainian: who is responsible, Telegram, how long, the authority, the link.
    for part in ("Gemeinde Cleebronn", "Telegram", "24", "LfDI BW",
                 "https://www.brackenheim.de/datenschutz", "/privacy"):
        assert part in replies[0].text, part
    assert uk._("Yes, I agree") in replies[0].buttons
    # Nothing about the Telegram account is stored before consent.
    async with sessions() as session:
        client = await session.scalar(select(Client).where(Client.display_name == "Olena"))
        assert client is not None and client.telegram_user_id is None
        assert client.status is ClientStatus.INVITED and client.consent_at is None

    await olena.press(uk._("Yes, I agree"))
    assert uk._(
        "Thank you, %(name)s. You are now connected with the integration management of "
        "%(municipality)s. Your case reference is %(reference)s.",
        name=user_text("Olena"), municipality="Gemeinde Cleebronn", reference=client.reference,
    ) in olena.texts
    async with sessions() as session:
        linked = await session.get(Client, client.id)
        assert linked is not None
        assert linked.telegram_user_id == 5001 and linked.status is ClientStatus.ACTIVE
        assert linked.consent_at is not None and linked.language == "uk"

    await olena.send("/start")
    assert uk._("Hello %(name)s! What would you like to do?",
                name=user_text("Olena")) in olena.texts
    await olena.send("/help")
    assert uk._("What I can do for you:") in olena.texts
    assert "116 016" in olena.texts and "116 111" in olena.texts


async def test_arabic_client_consents_and_sees_isolated_names(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, name="Amal", town="brackenheim", language="ar",
                               now=clock())
    ar = tr("ar")
    amal = harness.user(5002, "Amal", "ar")
    replies = await amal.send(f"/start {code}")
    assert f"{FSI}Amal{PDI}" in replies[0].text
    await amal.press(ar._("Yes, I agree"))
    assert f"{FSI}Stadt Brackenheim{PDI}" in amal.texts
    assert re.search(f"{FSI}C-\\d{{4}}{PDI}", amal.texts)
    await amal.send("/help")
    assert ar._("What I can do for you:") in amal.texts


async def test_client_may_read_consent_in_another_language_first(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, name="Karim", now=clock())  # language left open
    karim = harness.user(5003, "Karim", "de")
    await karim.send(f"/start {code}")
    await karim.press("فارسی")
    fa = tr("fa")
    assert fa._("Yes, I agree") in karim.last_replies[0].buttons
    await karim.press(fa._("Yes, I agree"))
    async with sessions() as session:
        client = await session.scalar(select(Client).where(Client.telegram_user_id == 5003))
        assert client is not None and client.language == "fa"


async def test_declining_consent_stores_nothing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, language="uk", now=clock())
    olena = harness.user(5004)
    await olena.send(f"/start {code}")
    await olena.press(tr("uk")._("No, thank you"))
    assert tr("uk")._("That is all right. We have stored nothing that names you: only a coded "
                      "entry without your Telegram account, so that misuse can be traced. If "
                      "you change your mind, open the invitation link again while it is "
                      "valid.") in olena.texts
    await olena.send("/help")
    await olena.send("/cases")  # refused: audited by the keyed hash only
    async with sessions() as session:
        assert await where_found(session, 5004) == []  # nothing with the Telegram id
        assert await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.actor_key == actor_key(5004))) >= 1
        assert await session.scalar(
            select(func.count()).select_from(Client).where(Client.telegram_user_id == 5004)
        ) == 0
        assert await session.scalar(select(Invite.used_at)) is None


async def test_used_code_is_refused_and_changes_nothing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, language="uk", now=clock())
    first = harness.user(5005)
    await first.send(f"/start {code}")
    await first.press(tr("uk")._("Yes, I agree"))

    intruder = harness.user(5006, "Ivan", "ru")
    await intruder.send(f"/start {code}")
    assert tr("ru")._("This invitation link has already been used. Each link works only "
                      "once. If this was not you, please tell your integration manager.") \
        in intruder.texts
    async with sessions() as session:
        client = await session.scalar(select(Client))
        assert client is not None and client.telegram_user_id == 5005
        assert await session.scalar(select(Invite.used_by_telegram_id)) == 5005
        refused = await session.scalar(
            select(func.count()).select_from(AuditLog).where(
                AuditLog.actor_key == actor_key(5006), AuditLog.allowed.is_(False)))
        assert refused == 1


async def test_pressing_consent_after_the_invite_was_used_elsewhere_is_refused(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, language="uk", now=clock())
    first, second = harness.user(5011), harness.user(5012)
    await first.send(f"/start {code}")
    await second.send(f"/start {code}")  # both see the consent text
    await first.press(tr("uk")._("Yes, I agree"))
    await second.press(tr("uk")._("Yes, I agree"))
    assert tr("uk")._("This invitation link has already been used. Each link works only "
                      "once. If this was not you, please tell your integration manager.") \
        in second.texts
    async with sessions() as session:
        assert await session.scalar(select(Client.telegram_user_id)) == 5011


async def test_expired_code_is_refused_and_changes_nothing(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await client_invite(sessions, language="uk", now=clock())
    clock.advance(days=14, seconds=1)
    olena = harness.user(5007)
    await olena.send(f"/start {code}")
    assert tr("uk")._("This invitation link has expired. Please ask your integration "
                      "manager for a new one.") in olena.texts
    async with sessions() as session:
        client = await session.scalar(select(Client))
        assert client is not None and client.telegram_user_id is None
        assert await session.scalar(select(Invite.used_at)) is None


async def test_forged_and_malformed_codes_are_refused(harness: Harness) -> None:
    stranger = harness.user(5008, "Ali", "tr")
    not_valid = tr("tr")._("This invitation link is not valid. Please check that you opened "
                           "the whole link, or ask your integration manager for a new one.")
    for code in ("A" * 22, "abc", "x" * 64, "../../etc"):
        await stranger.send(f"/start {code}")
        assert not_valid in stranger.texts, code


async def test_caseworker_joins_and_gets_the_caseworker_menu(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    code = await caseworker_invite(sessions, name=user_text("Herr Aydin"), towns=("brackenheim",),
                                   now=clock())
    aydin = harness.user(802, "Mehmet", "tr")
    await aydin.send(f"/start {code}")
    de = tr("de")
    assert de._("Welcome, %(name)s! You are now registered for %(towns)s.",
                name=user_text("Herr Aydin"), towns="Stadt Brackenheim") in aydin.texts
    assert "/invite" in aydin.texts
    menus = [c for c in harness.fake.calls_to("setMyCommands")
             if (c.params.get("scope") or {}).get("chat_id") == 802]
    assert menus and "invite" in [c["command"] for c in menus[-1].params["commands"]]

    await aydin.send("/start")
    assert de._("Hello %(name)s. You are signed in as integration manager.",
                name=user_text("Herr Aydin")) in aydin.texts
