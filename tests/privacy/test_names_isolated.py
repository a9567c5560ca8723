"""Names are isolated everywhere (issue 11, item 5): a name with a right-to-left override, a
right-to-left mark and zero-width characters goes through every message that shows names,
and in none of them can it reorder the rest of the line."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.booking import booking_notices  # noqa: F401  (registers the booking renderers)
from bot.booking.booking_texts import appointment_details
from bot.casework.cases import CaseCard
from bot.config import LocationConfig, load_municipalities
from bot.conversation import texts as conversation_texts  # noqa: F401  (registers the answer)
from bot.i18n import FSI, PDI, Translator, user_text
from bot.onboarding import notifications  # noqa: F401  (registers the contact request)
from bot.outbox.broadcasts import render_broadcast
from bot.outbox.queue import RENDERERS
from bot.quarters import Quarter
from bot.reminders.appointments import details as appointment_lines
from bot.texts import office_hours
from handlers.casework.case_card import card_text
from models import ClientStatus
from tests.conftest import EXAMPLE_CONFIG, FakeClock
from tests.support.builders import add_caseworker, add_client
from tests.support.harness import Harness

TZ = ZoneInfo("Europe/Berlin")
EVIL = "\u202eOlena\u200f\u200b\u2060\ufeff"
CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u200f\u200b\u2060\ufeff"
SAFE = f"{FSI}Olena{PDI}"


def assert_isolated(text: str) -> None:
    assert not any(c in text for c in CONTROLS), text
    assert SAFE in text, text


def test_the_helper() -> None:
    assert user_text(EVIL) == SAFE
    assert user_text(user_text(EVIL)) == SAFE  # not wrapped twice
    assert user_text("\u202e\u200b") == f"{FSI}–{PDI}"
    assert user_text("مریم\u200cجان") == f"{FSI}مریم\u200cجان{PDI}"  # ZWNJ stays (Persian)
    # Any parameter loses overrides, even one that does not come through the helper.
    assert "\u202e" not in Translator("de", TZ)._("Note: %(note)s", note="\u202eabc")


@pytest.mark.parametrize("language", ["de", "ar", "uk"])
def test_every_rendered_message_with_a_name(language: str) -> None:
    t = Translator(language, TZ)
    start = datetime(2027, 3, 2, 9, tzinfo=UTC)
    booking = {"booking_id": 1, "start": start.isoformat(),
               "end": (start + timedelta(minutes=30)).isoformat(), "place": "Rathaus",
               "address": "Marktplatz 1", "caseworker": "Frau Maier", "client_name": EVIL,
               "reference": "C-0001", "language": "uk", "topic": "housing"}
    texts = [RENDERERS["contact.request"](t, {"municipality": "Cleebronn", "name": EVIL,
                                              "handle": EVIL, "language": "uk"}).text]
    texts += [RENDERERS[kind](t, booking).text for kind in (
        "booking.staff_new", "booking.staff_moved", "booking.staff_cancelled")]
    texts.append(card_text(t, CaseCard(
        client_id=1, reference="C-0001", name=EVIL, language="uk", status=ClientStatus.ACTIVE,
        municipality="Cleebronn", caseworker="Frau Maier", care_start=date(2026, 1, 1),
        care_limit_months=None, care_until=None, extended=False, beyond_limit=False,
        quarter=Quarter.of(date(2027, 1, 5)), minutes_quarter=0, minutes_total=0,
        last_contact=None, goals=())))
    for text in texts:
        assert_isolated(text)


async def test_case_list_and_plan_isolate_the_name(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    reference = await add_client(sessions, telegram_id=7101, name=EVIL, now=clock())
    await add_caseworker(sessions, telegram_id=7102, towns=("cleebronn",))
    worker = harness.user(7102, "Jana", "de")
    await worker.send("/cases")
    assert_isolated(worker.texts)
    await worker.send(f"/plan {reference}")
    assert_isolated(worker.texts)


@pytest.mark.parametrize("language", ["de", "ar", "fa"])
def test_every_rendered_text_with_a_name_place_or_announcement(language: str) -> None:
    """Outbox messages and shared texts: caseworker names, places, addresses, descriptions
    and broadcast texts (a line of several lines isolated line by line)."""
    t = Translator(language, TZ)
    start = datetime(2027, 3, 2, 9, tzinfo=UTC)
    texts = [
        render_broadcast(t, {"texts": {"de": EVIL, language: f"{EVIL}\n\n{EVIL}"}}).text,
        render_broadcast(t, {"texts": {"de": f"{EVIL}\n{EVIL}"}}).text,
        RENDERERS["conversation.answer"](t, {"name": EVIL, "text": "Hallo"}).text,
        appointment_details(t, start=start, end=start + timedelta(minutes=30), place=EVIL,
                            address="Marktplatz 1", caseworker=EVIL),
        "\n".join(appointment_lines(t, {"kind": "other", "description": EVIL, "place": EVIL,
                                        "address": EVIL})),
        RENDERERS["absence.substitute"](t, {
            "caseworker": EVIL, "first_day": "2027-03-01", "last_day": "2027-03-05",
            "cancelled": [{"start": start.isoformat(), "client_name": EVIL,
                           "reference": "C-0001"}]}).text,
        office_hours(t, [replace(load_municipalities(EXAMPLE_CONFIG)[0], locations=(
            LocationConfig(key="x", name=EVIL, address=EVIL),))]),
    ]
    for text in texts:
        assert_isolated(text)
    for line in texts[0].splitlines():  # every line of the announcement on its own
        assert not line or "Olena" not in line or line.count(FSI) == line.count(PDI) == 1


async def test_staff_dialogues_isolate_names_and_notes(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    """A caseworker called EVIL: the greeting, the /invite dialogue for a client called EVIL
    (town, language, link, QR caption) and a /block with EVIL as its note."""
    await add_caseworker(sessions, telegram_id=7202, name=EVIL,
                         towns=("cleebronn", "brackenheim"))
    worker = harness.user(7202, "Jana", "de")
    await worker.send("/start")
    assert_isolated(worker.texts)
    await worker.send("/invite")
    await worker.send(EVIL)
    assert_isolated(worker.texts)
    await worker.press("Cleebronn")
    assert_isolated(worker.texts)
    replies = await worker.press("Українська")
    assert len(replies) == 2  # the link and the QR code
    for reply in replies:
        assert_isolated(reply.text)
    await worker.send(f"/block 4.3.2026 09:00-10:30 {EVIL}")
    assert_isolated(worker.texts)
    await worker.send("/block")
    assert_isolated(worker.texts)


async def test_client_greeting_and_privacy_isolate_the_name(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    await add_client(sessions, telegram_id=7203, name=EVIL, now=clock())
    client = harness.user(7203, "Olena", "uk")
    await client.send("/start")
    assert_isolated(client.texts)
    await client.send("/privacy")
    assert_isolated(client.texts)
