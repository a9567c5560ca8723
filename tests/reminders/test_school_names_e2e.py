"""A child's name in German documents: an Arabic-speaking mother adds her son as "يوسف";
the bot asks how the school writes it, with a Latin suggestion; her own messages keep
"يوسف", the German sick note for the school reads the school's spelling."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import user_text
from bot.reminders.school import clean_school_name, is_latin, school_spelling_suggestion
from models import Child
from tests.conftest import FakeClock
from tests.reminders.test_reminders_e2e import reply_to_prompt
from tests.support.builders import add_client, tr
from tests.support.harness import Harness


async def test_arabic_mother_corrects_the_school_spelling_and_the_note_reads_it(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await add_client(sessions, telegram_id=5301, name="Amal", language="ar", now=clock())
    amal, ar = harness.user(5301, "Amal", "ar"), tr("ar")
    await amal.send("/children")
    await amal.press(ar._("➕ Child at school"))
    replies = await reply_to_prompt(amal, "يوسف")
    question, prompt = replies
    assert question.text == ar._(
        "How is %(name)s written at school, in Latin letters? The school and the offices "
        "need this spelling for German letters, such as the sick note. A suggestion: "
        "%(suggestion)s", name="يوسف", suggestion="Ywsf")
    assert question.buttons == [ar._("✅ %(name)s is right", name="Ywsf")]
    assert prompt.call.params["reply_markup"]["force_reply"] is True

    await reply_to_prompt(amal, "يوسف")  # still Arabic letters: asked again
    assert amal.last_replies[0].text.startswith(ar._(
        "Please write the name in Latin letters (A–Z), as the school writes it, with 1 to 40 "
        "characters on one line. A suggestion: %(suggestion)s", suggestion="Ywsf"))
    await reply_to_prompt(amal, "Yusuf")
    assert ar._("• %(name)s – school", name=user_text("يوسف")) in amal.texts  # her own spelling
    async with sessions() as session:
        child = (await session.scalars(select(Child))).one()
    assert (child.name, child.school_name) == ("يوسف", "Yusuf")

    await amal.press(ar._("🤒 %(name)s is sick", name=user_text("يوسف")))
    assert ar._("I am sorry that %(name)s is ill. How long will %(name)s probably be absent?",
                name="يوسف") in amal.texts
    await amal.press(ar._("I don't know yet"))
    letter = amal.last_replies[-1].text
    assert letter.startswith("Sehr geehrte Damen und Herren,\n\nmein Kind Yusuf ist krank "
                             "und kann ab ")
    assert "يوسف" not in letter and "\u2068" not in letter


async def test_the_suggested_spelling_can_be_confirmed_with_a_button(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await add_client(sessions, telegram_id=5302, name="Olena", language="uk", now=clock())
    olena, uk = harness.user(5302, "Olena", "uk"), tr("uk")
    await olena.send("/children")
    await olena.press(uk._("➕ Child at Kita"))
    await reply_to_prompt(olena, "Марія")
    await olena.press(uk._("✅ %(name)s is right", name=user_text("Mariya")))
    assert uk._("• %(name)s – Kita", name=user_text("Марія")) in olena.texts
    async with sessions() as session:
        child = (await session.scalars(select(Child))).one()
    assert (child.name, child.school_name) == ("Марія", "Mariya")
    await reply_to_prompt(olena, "Maria")  # the prompt was closed by the button
    async with sessions() as session:
        assert (await session.scalars(select(Child))).one().school_name == "Mariya"
    await olena.press(uk._("🤒 %(name)s is sick", name=user_text("Марія")))
    await olena.press(uk.ngettext("%(n)s day", "%(n)s days", 1))
    assert "mein Kind Mariya ist krank" in olena.last_replies[-1].text


async def test_a_latin_name_is_not_asked_again(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    await add_client(sessions, telegram_id=5303, name="Ayşe", language="tr", now=clock())
    ayse, turkish = harness.user(5303, "Ayşe", "tr"), tr("tr")
    await ayse.send("/children")
    await ayse.press(turkish._("➕ Child at school"))
    await reply_to_prompt(ayse, "Gül")
    assert turkish._("• %(name)s – school", name=user_text("Gül")) in ayse.texts
    async with sessions() as session:
        assert (await session.scalars(select(Child))).one().school_name is None


def test_latin_letters_and_suggestions() -> None:
    assert is_latin("Gül Şahin-Öztürk") and is_latin("child 1")
    assert not is_latin("يوسف") and not is_latin("Юрій")
    assert school_spelling_suggestion("يوسف") == "Ywsf"
    assert school_spelling_suggestion("Олена Петренко") == "Olena Petrenko"
    assert school_spelling_suggestion("Gül") == "Gül"
    assert clean_school_name("  Yusuf  Ali ") == "Yusuf Ali"
    assert clean_school_name("يوسف") is None and clean_school_name("123") is None


async def test_a_sick_note_waits_for_the_school_spelling(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock,
) -> None:
    """A child added before the question existed (or whose question was left open): the
    sick button asks for the school's spelling first."""
    await add_client(sessions, telegram_id=5304, name="Amal", language="fa", now=clock())
    amal, fa = harness.user(5304, "Amal", "fa"), tr("fa")
    await amal.send("/children")
    await amal.press(fa._("➕ Child at school"))
    await reply_to_prompt(amal, "زهرا")
    await amal.send("/children")  # walks away from the question
    await amal.press(fa._("🤒 %(name)s is sick", name=user_text("زهرا")))
    assert amal.last_replies[0].text.startswith(fa._(
        "How is %(name)s written at school, in Latin letters? The school and the offices "
        "need this spelling for German letters, such as the sick note. A suggestion: "
        "%(suggestion)s", name="زهرا", suggestion="Zhr"))
    await reply_to_prompt(amal, "Zahra")
    await amal.press(fa._("🤒 %(name)s is sick", name=user_text("زهرا")))
    await amal.press(fa._("About a week"))
    assert "mein Kind Zahra ist krank" in amal.last_replies[-1].text
