"""Names and notes are measured as Telegram counts them: a text of emoji that is too long is
refused politely, naming the limit and how Telegram counted, and nothing is stored; the same
text a little shorter goes through. Echoes of long mistyped input stay within Telegram's limit
(the fake Bot API refuses any message over 4096 UTF-16 units)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.casework.plans import AREA_LABELS
from bot.i18n import Translator, user_text
from bot.text_limits import length_hint
from models import Child, Client, ContactEntry, ExternalAppointment, PlanArea, PlanGoal, TimeBlock
from tests.conftest import FakeClock
from tests.reminders.test_reminders_e2e import reply_to_prompt
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness

Sessions = async_sessionmaker[AsyncSession]
de, uk = tr("de"), tr("uk")
NOTE_TOO_LONG = "The note is too long: at most %(max)s characters, please."


async def count(sessions: Sessions, model: type) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def refusal(message: str, length: int, t: Translator = de, **params: object) -> str:
    """The answer to a text that is too long: the input's own refusal, then the count."""
    return t._(message, **params) + "\n\n" + length_hint(t, length)


async def test_an_invite_name_of_31_emoji_is_refused_and_30_are_taken(
    harness: Harness, sessions: Sessions
) -> None:
    await add_caseworker(sessions, telegram_id=811, towns=("cleebronn",))
    worker = harness.user(811, "Anna", "de")
    await worker.send("/invite")
    await worker.send("🌻" * 31)  # 31 characters, 62 units
    assert worker.texts == refusal("Please send a name of 1 to %(max)s characters.", 62, max=60)
    assert await count(sessions, Client) == 0
    await worker.send("🌻" * 30)
    assert de._("Which language does %(name)s speak?", name=user_text("🌻" * 30)) in worker.texts


async def test_a_childs_name_of_emoji_is_refused_and_asked_again(
    harness: Harness, sessions: Sessions, clock: FakeClock
) -> None:
    await add_client(sessions, telegram_id=5101, language="uk", now=clock())
    olena = harness.user(5101, "Olena", "uk")
    await olena.send("/children")
    await olena.press(uk._("➕ Child at school"))
    await reply_to_prompt(olena, "🧸" * 21)  # 42 units, the limit is 40
    assert olena.texts == refusal("Please answer with a name of 1 to 40 characters, on one "
                                  "line.", 42, uk)
    assert olena.last_replies[0].call.params["reply_markup"]["force_reply"] is True
    assert await count(sessions, Child) == 0
    await reply_to_prompt(olena, "🧸" * 20)
    assert uk._("• %(name)s – school", name=user_text("🧸" * 20)) in olena.texts


async def test_a_log_note_and_a_plan_note_of_emoji_are_refused_until_shortened(
    harness: Harness, sessions: Sessions, clock: FakeClock
) -> None:
    await add_caseworker(sessions, telegram_id=811, towns=("cleebronn",))
    reference = await add_client(sessions, telegram_id=5101, now=clock())
    worker = harness.user(811, "Anna", "de")
    await worker.send(f"/log {reference} 30 phone " + "📞" * 251)  # 502 units
    assert worker.texts == refusal(NOTE_TOO_LONG, 502, max=500)
    assert await count(sessions, ContactEntry) == 0
    await worker.send(f"/log {reference} 30 phone " + "📞" * 250)
    async with sessions() as session:
        assert await session.scalar(select(ContactEntry.note)) == "📞" * 250

    await worker.send(f"/plan {reference}")
    await worker.press(de._("Add goal"))
    await worker.press(de._(AREA_LABELS[PlanArea.WORK]))
    await worker.press(de._("Note"))
    await worker.send("🎯" * 151)  # 302 units
    assert worker.texts == refusal(NOTE_TOO_LONG, 302, max=300)
    await worker.send("🎯" * 150)  # the goal still waits for its note
    assert de._("Saved.") in worker.texts
    async with sessions() as session:
        assert await session.scalar(select(PlanGoal.note)) == "🎯" * 150


async def test_a_block_note_of_emoji_is_refused_instead_of_cut(
    harness: Harness, sessions: Sessions
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    worker = harness.user(801, "Anna", "de")
    await worker.send("/block 4.3.2026 09:00-10:30 " + "🌴" * 51)  # 102 units
    assert worker.texts == refusal(NOTE_TOO_LONG, 102, max=100)
    assert await count(sessions, TimeBlock) == 0
    await worker.send("/block 4.3.2026 09:00-10:30 " + "🌴" * 50)
    async with sessions() as session:
        assert await session.scalar(select(TimeBlock.note)) == "🌴" * 50


async def test_a_remind_place_or_address_of_emoji_is_refused(
    harness: Harness, sessions: Sessions, clock: FakeClock
) -> None:
    await add_caseworker(sessions, telegram_id=803, towns=("cleebronn",))
    reference = await add_client(sessions, telegram_id=5105, now=clock())
    worker = harness.user(803, "Anna", "de")
    for step in (f"/remind {reference}", "04.03.2026", "09:30"):
        await worker.send(step)
    await worker.send("🏥" * 61 + "\nLerchenstraße 40, 74072 Heilbronn")  # 122 units
    assert worker.texts == refusal("Please send the name of the place (2 to 120 characters) "
                                   "on the first line and the address on the second line.", 122)
    await worker.send("Landratsamt Heilbronn\n" + "🏠" * 101)  # 202 units
    assert worker.texts == refusal("The address is too long: at most %(max)s characters, "
                                   "please.", 202, max=200)
    await worker.send("🏥" * 60 + "\n" + "🏠" * 100)
    await worker.press(de._("Jobcenter"))
    await worker.press(de._("✅ Save"))
    async with sessions() as session:
        place = (await session.execute(select(ExternalAppointment.place_name,
                                              ExternalAppointment.place_address))).one()
    assert tuple(place) == ("🏥" * 60, "🏠" * 100)


async def test_long_mistyped_words_are_quoted_shortly(
    harness: Harness, sessions: Sessions
) -> None:
    await add_caseworker(sessions, telegram_id=801)
    worker = harness.user(801, "Anna", "de")
    await worker.send("/block " + "📅" * 2000)  # no date: the answer repeats 40 units of it
    assert worker.texts.startswith(de._("“%(value)s” is not a valid date. Please write it "
                                        "like 2026-04-01 or 1.4.2026.",
                                        value=user_text("📅" * 19 + "…")))
    await worker.send("/absent 4.3.2026 5.3.2026 " + "👤" * 2000)
    assert de._("I do not know a colleague called “%(name)s”.",
                name=user_text("👤" * 19 + "…")) in worker.texts
