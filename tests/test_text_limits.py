"""Text is measured as Telegram counts it (UTF-16 code units), cut between characters, and
whatever the bot composes from emoji, Arabic or CJK names stays within 4096 units."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.casework.cases import CardAppointment, CaseCard
from bot.i18n import LANGUAGES, user_text
from bot.outbox.broadcasts import MAX_TEXT, render_broadcast
from bot.outbox.compose import compose
from bot.outbox.queue import RENDERERS, Rendered
from bot.outbox.store import DueRow
from bot.quarters import Quarter
from bot.text_limits import (
    CAPTION_LIMIT,
    ELLIPSIS,
    TEXT_LIMIT,
    quote,
    telegram_length,
    too_long,
    truncate,
)
from handlers.casework.case_card import card_text
from handlers.casework.casework_ui import MAX_TEXT as CHUNK_LIMIT
from handlers.casework.casework_ui import chunks
from handlers.outbox.broadcast_views import preview
from models import ClientStatus
from tests.support.builders import tr

BERLIN = ZoneInfo("Europe/Berlin")
# Characters that Telegram counts as one unit and as two, mixed with ZWJ sequences and spaces.
WIDE = ["😀", "👍🏽", "👨‍👩‍👧", "𝔸", "🇺🇦"]
NARROW = ["a", "ü", "ع", "ی", "漢", "ї", " ", "\u2068", "\u2069"]
texts = st.one_of(st.text(), st.lists(st.sampled_from(WIDE + NARROW)).map("".join))


def no_lone_surrogate(text: str) -> bool:
    text.encode("utf-16-le")  # strict: a half of a surrogate pair would raise here
    return True


def test_emoji_count_two_units_like_in_telegram() -> None:
    assert telegram_length("Olena") == 5
    assert telegram_length("مرحبا") == 5  # Arabic letters are one unit each
    assert telegram_length("漢字") == 2
    assert telegram_length("😀") == 2
    assert telegram_length("👨‍👩‍👧") == 8  # three emoji joined by two zero-width joiners
    assert telegram_length("😀" * 3000) == 6000
    assert telegram_length("\ud83d") == 1  # a lone surrogate, as Python allows it
    assert (TEXT_LIMIT, CAPTION_LIMIT) == (4096, 1024)


def test_truncate_keeps_what_fits_and_marks_the_cut() -> None:
    assert truncate("Olena", 5) == "Olena"
    assert truncate("😀😀😀", 6) == "😀😀😀"
    assert truncate("😀😀😀", 5) == "😀😀" + ELLIPSIS
    assert truncate("😀😀😀", 4) == "😀" + ELLIPSIS  # not half an emoji
    assert truncate("ab 😀", 4) == "ab" + ELLIPSIS
    assert truncate("😀😀", 3, ellipsis="") == "😀"
    assert truncate("abc", 0) == ""
    assert quote("😀" * 100) == user_text("😀" * 19 + ELLIPSIS)


@given(texts, st.integers(min_value=0, max_value=80))
def test_truncate_never_exceeds_and_never_splits_a_surrogate_pair(text: str, limit: int) -> None:
    cut = truncate(text, limit)
    assert telegram_length(cut) <= limit
    assert no_lone_surrogate(cut)
    if telegram_length(text) <= limit:
        assert cut == text
    else:
        assert cut.endswith(ELLIPSIS) or cut == ""
        assert text.startswith(cut.removesuffix(ELLIPSIS))


@given(st.lists(texts, max_size=30), st.integers(min_value=2, max_value=60))
def test_chunks_never_exceed_and_never_split_a_surrogate_pair(lines: list[str],
                                                              limit: int) -> None:
    messages = chunks(lines, limit)
    assert all(telegram_length(m) <= limit and no_lone_surrogate(m) for m in messages)
    if all(line and telegram_length(line) <= limit for line in lines):  # nothing to cut
        assert "\n".join(messages) == "\n".join(lines)


def test_a_plan_of_emoji_notes_is_split_into_messages_that_fit() -> None:
    lines = [f"🟡 Arbeit: in Arbeit\n    Notiz: {'🚀' * 150}" for _ in range(20)]  # 20 × 317
    messages = chunks(lines)
    assert len(messages) == 2
    assert all(telegram_length(m) <= CHUNK_LIMIT for m in messages)
    assert "\n".join(messages) == "\n".join(lines)
    [single] = chunks(["😀" * 5000])
    assert telegram_length(single) <= CHUNK_LIMIT and single.startswith("😀" * 1000)


def test_the_case_card_of_a_client_with_many_emoji_places_fits_one_message() -> None:
    places = tuple(CardAppointment(datetime(2026, 3, 4 + n % 20, 9, tzinfo=UTC),
                                   "🏥" * 120, "doctor") for n in range(40))
    card = CaseCard(
        client_id=1, reference="C-0001", name="أمل 🌸", language="ar",
        status=ClientStatus.ACTIVE, municipality="Gemeinde Cleebronn", caseworker="Frau Berger",
        care_start=date(2025, 1, 1), care_limit_months=None, care_until=None, extended=False,
        beyond_limit=False, quarter=Quarter(2026, 1), minutes_quarter=90, minutes_total=300,
        last_contact=date(2026, 3, 2), goals=(), appointments=places)
    for language in LANGUAGES:
        text = card_text(tr(language), card)
        assert telegram_length(text) <= CHUNK_LIMIT and no_lone_surrogate(text)
        assert text.endswith(ELLIPSIS) and "C-0001" in text


@pytest.mark.parametrize("reader", LANGUAGES)
def test_a_broadcast_of_the_longest_text_fits_in_every_language_and_preview(
        reader: str) -> None:
    longest = "😀" * (MAX_TEXT // 2)
    assert telegram_length(longest) == MAX_TEXT
    for texts_by_language in ({"de": longest}, {"de": "Kurz.", reader: longest}):
        message = render_broadcast(tr(reader), {"texts": texts_by_language}).text
        assert telegram_length(message) <= TEXT_LIMIT
        for writer in LANGUAGES:  # the caseworker's preview adds a title in their language
            shown = preview(tr(writer), reader, texts_by_language)
            assert telegram_length(shown) <= TEXT_LIMIT, (writer, reader)


def _row(n: int, text: str) -> DueRow:
    return DueRow(id=n, key=f"k{n}", chat_id=1, kind="test.utf16", params={"text": text},
                  due_at=datetime(2026, 3, 2, 9, tzinfo=UTC), attempts=1, uncertain=False,
                  language="uk", broadcast_id=None)


def test_outbox_rows_are_joined_only_while_the_units_fit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(RENDERERS, "test.utf16", lambda t, params: Rendered(params["text"]))
    half = "😀" * 1000  # 2000 units: two fit with the separator, three do not
    parts = compose([_row(1, half), _row(2, half), _row(3, half)], BERLIN)
    assert [len(part.rows) for part in parts] == [2, 1]
    assert all(part.message and telegram_length(part.message.text) <= TEXT_LIMIT
               for part in parts)
    [too_long_row] = compose([_row(4, "😀" * 2049)], BERLIN)  # 4098 units, 2049 characters
    assert too_long_row.error == "text longer than 4096 UTF-16 code units"


def test_the_refusal_says_how_telegram_counted() -> None:
    de = tr("de")
    text = too_long(de, "Zu lang.", "😀" * 31)
    assert text == "Zu lang.\n\n" + de.ngettext(
        "Telegram counts %(n)s character in your text: emoji and some other symbols count "
        "as two.",
        "Telegram counts %(n)s characters in your text: emoji and some other symbols count "
        "as two.", 62)
    assert "62" in text
