"""The catalogs are complete: every text of the code, translated, no fuzzy entries, the same
placeholders as the msgid, the right number of plural forms; the template is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

from bot.catalog_check import _problems, catalog_problems, placeholders, source_messages
from bot.i18n import locales_dir


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
