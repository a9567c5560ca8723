"""The catalogs are complete: every text of the code, translated, no fuzzy entries, the same
placeholders as the msgid, CLDR's plural forms; the template is current; right-to-left
catalogs mark every slash command and start no line left to right; the digits policy."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from bot.catalog_check import (
    _problems,
    catalog_problems,
    digit_problems,
    placeholders,
    plural_problems,
    read_catalog,
    rtl_problems,
    source_messages,
)
from bot.i18n import LANGUAGES, LRM, locales_dir


def test_all_catalogs_are_complete_and_consistent() -> None:
    assert catalog_problems() == []


def test_template_matches_the_code() -> None:
    with (locales_dir() / "lotse.pot").open("rb") as handle:
        template = read_po(handle)
    in_template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in template if m.id}
    assert in_template == source_messages(), "run pybabel extract (see README)"


def test_the_checker_finds_gaps(tmp_path: Path) -> None:
    po = tmp_path / "x.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=3; plural=0;\\n"\n\n'
        '#, fuzzy\nmsgid "A %(name)s"\nmsgstr "B %(name)s"\n\n'
        'msgid "C %(name)s"\nmsgstr "D %(nam)s"\n\n'
        'msgid "E"\nmsgstr ""\n\n'
        'msgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] "x"\nmsgstr[1] "y %(n)s"\n',
        encoding="utf-8",
    )
    with po.open("rb") as handle:
        catalog = read_po(handle)
    problems = _problems(catalog, {"A %(name)s", "missing one"})
    text = "\n".join(problems)
    assert "missing 'missing one'" in text
    assert "fuzzy 'A %(name)s'" in text
    assert "placeholders ['nam'] instead of ['name']" in text
    assert "untranslated 'E'" in text
    assert "untranslated '%(n)s day'" in text  # babel pads the missing third form


def test_placeholders_are_found() -> None:
    assert placeholders("%(a)s and %(b)s, 100%") == {"a", "b"}


def _catalog(tmp_path: Path, header: str, entries: str) -> Catalog:
    po = tmp_path / "x.po"
    po.write_text(f'msgid ""\nmsgstr ""\n"Plural-Forms: {header}\\n"\n\n{entries}',
                  encoding="utf-8")
    return read_catalog(po)


def test_plural_forms_follow_cldr_as_babel_has_it() -> None:
    """Every catalog's Plural-Forms gives each whole number CLDR's form (fa and tr: one and
    other; Arabic: six in gettext order; uk and ru: one, few, many — CLDR's fourth form,
    "other", is taken only by fractions)."""
    expected = {"de": 2, "en": 2, "fa": 2, "tr": 2, "uk": 3, "ru": 3, "ar": 6}
    for code in LANGUAGES:
        catalog = read_catalog(locales_dir() / code / "LC_MESSAGES" / "lotse.po")
        assert plural_problems(code, catalog) == [], code
        assert catalog.num_plurals == expected[code], code
        for message in catalog:
            if isinstance(message.id, tuple):
                assert len([s for s in message.string if s]) == expected[code], message.id


def test_the_plural_checker_finds_a_wrong_rule(tmp_path: Path) -> None:
    one_form = _catalog(tmp_path, "nplurals=1; plural=0;", "")
    assert plural_problems("fa", one_form) == ["Plural-Forms has 1 forms, CLDR 2"]
    zero_as_plural = _catalog(tmp_path, "nplurals=2; plural=(n != 1);", "")
    assert plural_problems("fa", zero_as_plural) == [  # Persian: 0 takes the "one" form
        "Plural-Forms gives 0 form 1, CLDR 0 (one)"]
    assert plural_problems("tr", zero_as_plural) == []


def test_rtl_catalogs_mark_every_command_and_start_every_line_right_to_left() -> None:
    for code, language in LANGUAGES.items():
        if language.rtl:
            catalog = read_catalog(locales_dir() / code / "LC_MESSAGES" / "lotse.po")
            assert rtl_problems(catalog) == [], code
            commands = [s for m in catalog if m.id for s in (
                m.string if isinstance(m.string, tuple) else [m.string]) if "/" in s]
            assert sum(f"{LRM}/" in s for s in commands) > 40, code


def test_the_rtl_checker_finds_bare_commands_and_left_to_right_lines(tmp_path: Path) -> None:
    catalog = _catalog(tmp_path, "nplurals=2; plural=(n != 1);", (
        'msgid "See /help."\nmsgstr "انظر /help."\n\n'
        'msgid "Marked /help."\nmsgstr "انظر \u200e/help."\n\n'
        'msgid "/waste shows the dates."\nmsgstr "\u200e/waste يعرض المواعيد."\n\n'
        'msgid "Telegram counts."\nmsgstr "Telegram يحسب."\n\n'
        'msgid "%(name)s counts."\nmsgstr "%(name)s يحسب."\n\n'
        'msgid "Use:\\n/block <day>"\nmsgstr "الاستخدام:\\n\u200e/block <اليوم>"\n\n'
        'msgid "At:\\nLerchenstraße 40"\nmsgstr "في:\\nLerchenstraße 40"\n\n'
        'msgid "Admin/in, https://x.org/a"\nmsgstr "مدير/ة، https://x.org/a"\n\n'
    ))
    assert rtl_problems(catalog) == [
        "slash command without a left-to-right mark in 'See /help.'",
        "line starts left to right '\\u200e/waste يعرض المواعيد.' in '/waste shows the dates.'",
        "line starts left to right 'Telegram يحسب.' in 'Telegram counts.'",
    ]


def test_every_catalog_keeps_its_digits_policy(tmp_path: Path) -> None:
    for code in LANGUAGES:
        catalog = read_catalog(locales_dir() / code / "LC_MESSAGES" / "lotse.po")
        assert digit_problems(code, catalog) == [], code
    farsi = _catalog(tmp_path, "nplurals=2; plural=(n > 1);",
                     'msgid "7 days, 10 days"\nmsgstr "۷ روز، 10 روز"\n\n'
                     'msgid "2 hours"\nmsgstr "٢ ساعة"\n')
    assert digit_problems("fa", farsi) == ["digits ۷ instead of 0–9 in '7 days, 10 days'",
                                           "digits ٢ instead of 0–9 in '2 hours'"]


def test_lotse_check_reports_rtl_and_digit_findings(tmp_path: Path) -> None:
    """`lotse check` prints catalog_problems(): the new findings are part of it."""
    import shutil

    shutil.copytree(locales_dir(), tmp_path / "locales")
    path = tmp_path / "locales" / "fa" / "LC_MESSAGES" / "lotse.po"
    text = path.read_text(encoding="utf-8")
    marked = 'msgstr "نوبت‌های 7 روز آینده"'
    assert marked in text and f"{LRM}/appointments" in text
    path.write_text(text.replace(marked, 'msgstr "نوبت‌های ۷ روز آینده"')
                    .replace(f"{LRM}/appointments", "/appointments"), encoding="utf-8")
    problems = catalog_problems(tmp_path / "locales")
    assert "fa: digits ۷ instead of 0–9 in 'Appointments of the next 7 days'" in problems
    assert any(p.startswith("fa: slash command without a left-to-right mark") for p in problems)
    assert all(p.startswith("fa: ") for p in problems)
