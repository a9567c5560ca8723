"""Languages: CLDR plurals, Babel formatting in Europe/Berlin, isolates in RTL text."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from bot.i18n import FSI, LANGUAGES, PDI, catalogs, pick_language
from tests.support.builders import tr

DAYS = ("The link works once and is valid for %(n)s day.",
        "The link works once and is valid for %(n)s days.")


def _plural_forms(language: str) -> tuple[str, ...]:
    """The catalog's own forms, in index order."""
    from bot.catalog_check import read_catalog
    from bot.i18n import locales_dir

    catalog = read_catalog(locales_dir() / language / "LC_MESSAGES" / "lotse.po")
    message = catalog.get(DAYS)
    assert message is not None
    return tuple(message.string)


def test_arabic_uses_all_six_cldr_plural_forms() -> None:
    ar = tr("ar")
    forms = _plural_forms("ar")
    assert len(forms) == 6
    assert len(set(forms[1:])) == 5  # one, two, few, many and other differ (zero may = other)
    # zero, one, two, few (3-10), many (11-99), other (100-102 …)
    expected = {0: 0, 1: 1, 2: 2, 3: 3, 11: 4, 100: 5, 103: 3, 111: 4, 102: 5}
    for n, index in expected.items():
        assert ar.ngettext(*DAYS, n) == forms[index] % {"n": f"{FSI}{n}{PDI}"}, n


def test_ukrainian_plural_forms() -> None:
    uk = tr("uk")
    forms = _plural_forms("uk")
    for n, index in {1: 0, 21: 0, 2: 1, 3: 1, 22: 1, 5: 2, 11: 2, 12: 2, 25: 2}.items():
        assert uk.ngettext(*DAYS, n) == forms[index] % {"n": str(n)}, n


def test_german_and_english_plurals() -> None:
    assert tr("en").ngettext(*DAYS, 1).endswith("1 day.")
    assert tr("en").ngettext(*DAYS, 14).endswith("14 days.")
    assert "14" in tr("de").ngettext(*DAYS, 14)


@pytest.mark.parametrize(
    ("code", "expected"),
    [("uk", "uk"), ("uk-UA", "uk"), ("ar", "ar"), ("ar-SY", "ar"), ("fa", "fa"), ("prs", "fa"),
     ("ru", "ru"), ("tr", "tr"), ("de-AT", "de"), ("en-GB", "en"), ("fr", "en"), ("", "en"),
     (None, "en"), ("pt-br", "en")],
)
def test_language_is_preselected_from_telegram(code: str | None, expected: str) -> None:
    assert pick_language(code) == expected


def test_dates_and_times_in_the_readers_locale_and_berlin_time() -> None:
    assert tr("uk").fmt_date(date(2026, 3, 2)) == "понеділок, 2 березня 2026\u202fр."
    assert tr("de").fmt_date(date(2026, 3, 2)) == "Montag, 2. März 2026"
    assert tr("tr").fmt_weekday(2) == "Çarşamba"
    assert tr("ar").fmt_weekday(0) == "الاثنين"
    # 08:00 UTC is 09:00 in winter and 10:00 in summer (DST from 29 March 2026).
    assert tr("de").fmt_time(datetime(2026, 3, 28, 8, 0, tzinfo=UTC)) == "09:00"
    assert tr("de").fmt_time(datetime(2026, 3, 30, 8, 0, tzinfo=UTC)) == "10:00"
    assert tr("uk").fmt_time(time(14, 30)) == "14:30"
    assert tr("de").fmt_number(1234) == "1.234"
    assert tr("en").fmt_number(1234) == "1,234"


def test_rtl_sentences_isolate_names_references_and_times() -> None:
    ar, fa, uk = tr("ar"), tr("fa"), tr("uk")
    msgid = "Welcome, %(name)s! You are now registered for %(towns)s."
    assert f"{FSI}Frau Berger{PDI}" in ar._(msgid, name="Frau Berger", towns="Stadt Brackenheim")
    assert f"{FSI}Stadt Brackenheim{PDI}" in fa._(msgid, name="X", towns="Stadt Brackenheim")
    assert FSI not in uk._(msgid, name="Frau Berger", towns="Stadt Brackenheim")
    assert LANGUAGES["ar"].rtl and LANGUAGES["fa"].rtl and not LANGUAGES["uk"].rtl


def test_every_language_has_a_catalog_that_translates() -> None:
    loaded = catalogs()
    assert set(loaded) == set(LANGUAGES)
    for code in ("de", "uk", "ar", "ru", "fa", "tr"):
        assert loaded[code].gettext("Emergency numbers") != "Emergency numbers", code


def test_commands_in_right_to_left_help_read_as_commands() -> None:
    """The /help command list in Arabic: each line starts right to left (RLM) and the slash
    follows a left-to-right mark, so it shows "/help", not "help/"; the command itself is
    untouched, so that Telegram still makes it a link."""
    from bot.commands import COMMANDS
    from bot.i18n import LRM, RLM
    from bot.texts import command_list

    specs = list(COMMANDS)[:3]
    for line, spec in zip(command_list(tr("ar"), specs).split("\n"), specs, strict=True):
        assert line.startswith(f"{RLM}{LRM}/{spec.name} – ")
    assert command_list(tr("uk"), specs).startswith(f"/{specs[0].name} – ")
    assert f"{LRM}/appointments" in tr("fa")._(
        "If you cannot come, please cancel or change the appointment with /appointments.")


def test_the_childrens_helpline_is_not_called_day_and_night() -> None:
    from bot.texts import emergency_children_helpline, emergency_numbers

    for code in LANGUAGES:
        text = emergency_numbers(tr(code))
        assert text.count("\n") == 4 and "116 111" in text and "116 016" in text, code
        assert "14:00–20:00" in emergency_children_helpline(tr(code)) or code == "de"
    assert "Montag bis Samstag 14–20 Uhr" in emergency_children_helpline(tr("de"))


def test_ukrainian_uses_the_typographic_apostrophe() -> None:
    import re

    from bot.catalog_check import read_catalog
    from bot.i18n import locales_dir

    catalog = read_catalog(locales_dir() / "uk" / "LC_MESSAGES" / "lotse.po")
    texts = [str(m.string) for m in catalog if m.id]
    assert not [t for t in texts if re.search(r"[А-Яа-яІіЇїЄєҐґ]'[А-Яа-яІіЇїЄєҐґ]", t)]
    assert any("’" in t for t in texts)
