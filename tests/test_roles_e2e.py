"""One authorization mechanism: staff commands and buttons refused for clients and strangers."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import actor_key
from bot.commands import COMMANDS, staff_only
from bot.i18n import user_text
from bot.roles import Role
from models import AuditLog, Client
from tests.conftest import ADMIN_ID, FakeClock
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness

UNKNOWN = "Sorry, I don't know this command. /help shows what I can do."


@pytest.mark.parametrize("who", ["client", "stranger"])
async def test_every_staff_command_is_refused_for_clients_and_strangers(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock, who: str
) -> None:
    if who == "client":
        await add_client(sessions, telegram_id=6001, name="Amal", language="ar", now=clock())
    user = harness.user(6001, "Amal", "ar")
    commands = staff_only()
    assert commands, "the registry lists staff commands"
    for spec in commands:
        await user.send(f"/{spec.name}")
        assert user.texts == tr("ar")._(UNKNOWN), spec.name
    # A refused /invite must not have opened the conversation: a name is not taken.
    await user.send("Olena")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Client).where(
            Client.display_name == "Olena")) == 0
        mine = AuditLog.actor_telegram_id == 6001 if who == "client" \
            else AuditLog.actor_key == actor_key(6001)
        denied = await session.scalars(select(AuditLog.action).where(
            mine, AuditLog.allowed.is_(False)))
        assert sorted(denied) == sorted(f"command:{spec.name}" for spec in commands)


async def test_staff_buttons_are_refused_for_a_client(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await add_client(sessions, telegram_id=6002, language="uk", now=clock())
    client = harness.user(6002)
    await client.send("/start")
    for forged in ("invl:uk", "invm:cleebronn"):
        await client.press_data(forged)
        answer = client.callback_answers()[-1]
        assert answer.params["text"] == tr("uk")._("This button is not available to you.")
        assert answer.params["show_alert"] is True
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditLog).where(
            AuditLog.action.like("button:inv%"), AuditLog.allowed.is_(False))) == 2


async def test_configured_admin_is_recognised_on_first_contact(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    admin = harness.user(ADMIN_ID, "Petra", "de")
    await admin.send("/start")
    assert tr("de")._("Hello %(name)s. You are signed in as administrator.",
                      name=user_text("Petra")) in admin.texts


async def test_caseworker_without_towns_cannot_invite(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=803, towns=())
    worker = harness.user(803, "Jana", "de")
    await worker.send("/invite")
    assert tr("de")._("You are not assigned to any town yet. Please ask an administrator.") \
        in worker.texts


async def test_caseworker_with_two_towns_picks_the_town_and_can_cancel(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_caseworker(sessions, telegram_id=804, towns=("brackenheim", "cleebronn"))
    worker = harness.user(804, "Jana", "de")
    de = tr("de")
    await worker.send("/invite")
    await worker.send("   ")
    await worker.send("x" * 61)
    assert de._("Please send a name of 1 to %(max)s characters.", max=60) in worker.texts
    await worker.send("Hassan")
    assert worker.last_replies[-1].buttons == ["Stadt Brackenheim", "Gemeinde Cleebronn"]
    await worker.send("/cancel")
    assert de._("Cancelled. Nothing was stored.") in worker.texts
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Client)) == 0


def test_every_command_in_the_registry_is_valid_for_telegram() -> None:
    for spec in COMMANDS:
        assert spec.roles, spec.name
        assert spec.name.isascii() and spec.name.islower() and len(spec.name) <= 32
    assert all(Role.STRANGER not in spec.roles for spec in staff_only())
