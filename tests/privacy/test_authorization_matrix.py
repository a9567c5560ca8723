"""The authorization matrix (issue 11, item 8): every command and every callback prefix, pressed
by a stranger, a client, a caseworker of another town and an admin, with forged data. Each
gets an answered callback query, never the error apology, never a traceback in the log."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.commands import BUTTONS, COMMANDS
from models import Client, GoalStatus, PlanArea, PlanGoal
from tests.conftest import ADMIN_ID, FakeClock
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness, TelegramUser

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment. " \
    "In an emergency call 110 or 112."
HUGE = str(10**60)
FORGED = ["", "²", HUGE, "1", "-1", "x", "o:²", f"o:{HUGE}", "1:1", f"1:{HUGE}", "o:1:²",
          "1::", str(2**63)]
# What only the database can refuse (ids beyond 64 bits, ids of other people's rows) runs on
# both backends; what fails in parsing already ("²", empty fields) is backend-independent and
# runs on SQLite only, which keeps the suite within its time budget.
REACH_THE_DATABASE = ["1", "-1", HUGE, f"o:{HUGE}", f"1:{HUGE}", str(2**63)]
STRANGER, CLIENT, OTHER_TOWN = 7001, 7002, 7003


def forged_for(database_url: str) -> list[str]:
    return REACH_THE_DATABASE if database_url.startswith("postgresql") else FORGED


async def _cast(harness: Harness, sessions: async_sessionmaker[AsyncSession],
                clock: FakeClock) -> dict[str, TelegramUser]:
    """A client in Cleebronn with a goal (id 1, a health note), a caseworker of Brackenheim."""
    await add_client(sessions, telegram_id=CLIENT, name="Olena", town="cleebronn",
                     language="uk", now=clock())
    await add_caseworker(sessions, telegram_id=OTHER_TOWN, towns=("brackenheim",))
    async with sessions() as session, session.begin():
        client = (await session.scalars(
            Client.__table__.select().where(Client.telegram_user_id == CLIENT))).first()
        assert client is not None
        session.add(PlanGoal(client_id=client, area=PlanArea.HEALTH, status=GoalStatus.OPEN,
                             note="Depression", due_date=date(2027, 1, 1),
                             created_at=clock()))
    users = {"stranger": harness.user(STRANGER, "Max", "de"),
             "client": harness.user(CLIENT, "Olena", "uk"),
             "other town": harness.user(OTHER_TOWN, "Jana", "de"),
             "admin": harness.user(ADMIN_ID, "Petra", "de")}
    for user in users.values():
        await user.send("/start")
    return users


def _apologies(harness: Harness) -> list[str]:
    texts = [t._(APOLOGY) for t in map(tr, ("de", "uk"))]
    return [call.text for call in harness.fake.calls
            if call.text is not None and any(text in call.text for text in texts)]


async def test_every_button_with_forged_data_is_answered_without_error(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
    caplog: pytest.LogCaptureFixture, database_url: str,
) -> None:
    users = await _cast(harness, sessions, clock)
    with caplog.at_level(logging.INFO):
        for who, user in users.items():
            for prefix in BUTTONS:
                for forged in forged_for(database_url):
                    data = f"{prefix}:{forged}"
                    before = len(user.callback_answers())
                    harness.app.bot_data.flood.clear()  # the flood guard is tested elsewhere
                    await user.press_data(data)
                    assert len(user.callback_answers()) > before, (who, data)
                    assert "Depression" not in user.texts, (who, data)
                    if who == "other town":
                        assert "Olena" not in user.texts, (who, data)
    assert not _apologies(harness)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]


async def test_every_command_with_forged_arguments_keeps_its_role(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
    caplog: pytest.LogCaptureFixture, database_url: str,
) -> None:
    users = await _cast(harness, sessions, clock)
    with caplog.at_level(logging.INFO):
        for who, user in users.items():
            for spec in COMMANDS:
                arguments = ("", "²", HUGE, "C-0001", "1")
                for argument in arguments if database_url.startswith("sqlite") else (HUGE, "1"):
                    harness.app.bot_data.flood.clear()
                    await user.send(f"/{spec.name} {argument}".strip())
                    await user.send("/cancel")
                    assert "Depression" not in user.texts, (who, spec.name, argument)
    assert not _apologies(harness)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not errors, [r.getMessage() for r in errors]


async def test_a_second_tap_on_the_same_button_is_quiet(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    users = await _cast(harness, sessions, clock)
    client = users["client"]
    await client.send("/language")
    with caplog.at_level(logging.INFO):
        await client.press_data("lang:ar")
        message = harness.fake.chat_messages(CLIENT)[-1]
        before = len(client.callback_answers())
        await client.press_data("lang:ar", message)
        assert len(client.callback_answers()) > before
    assert not _apologies(harness)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
