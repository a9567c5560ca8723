"""Checks that every catalog is complete: each message of the code translated, none fuzzy,
the same placeholders as the msgid, and the plural forms the language needs — CLDR's, as
Babel has them. For right-to-left languages also the layout rules, and for every language
the digits policy (locales/REVIEW.md)."""

from __future__ import annotations

import gettext
import re
import unicodedata
from pathlib import Path

from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LANGUAGES, LRM, locales_dir

SOURCE_PACKAGES = ("bot", "handlers")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")
# A slash command: "/" and a lowercase letter, not inside a word, a path or a URL.
_COMMAND = re.compile(r"(?<![\w/:.])/(?=[a-z])")
# A usage line ("‎/block <date> [note]") is typed left to right and may be laid out so.
_USAGE_LINE = re.compile(LRM + r"/[a-z_]+ .*<")
_CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")  # the gettext order Babel uses
# Digits policy: every catalog writes Latin digits (0–9), as Babel formats dates, times and
# numbers for all seven languages and as German letters and signs show them.
DIGITS = {code: "0123456789" for code in LANGUAGES}


def source_messages(root: Path | None = None) -> set[str]:
    """Every msgid used in the code (for plurals, the singular)."""
    base = root or Path(__file__).resolve().parent.parent
    found: set[str] = set()
    for package in SOURCE_PACKAGES:
        for _file, _line, message, _comments, _context in extract_from_dir(
            base / package, keywords=KEYWORDS, comment_tags=()
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))


def read_catalog(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, domain=DOMAIN)


def catalog_problems(directory: Path | None = None) -> list[str]:
    """Every gap found, one line each; an empty list means all catalogs are complete."""
    base = directory or locales_dir()
    wanted = source_messages()
    problems: list[str] = []
    for code in LANGUAGES:
        path = base / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not path.is_file():
            problems.append(f"{code}: no catalog at {path}")
            continue
        catalog = read_catalog(path)
        problems += [f"{code}: {p}" for p in _problems(catalog, wanted)]
        problems += [f"{code}: {p}" for p in plural_problems(code, catalog)]
        problems += [f"{code}: {p}" for p in digit_problems(code, catalog)]
        if LANGUAGES[code].rtl:
            problems += [f"{code}: {p}" for p in rtl_problems(catalog)]
    return problems


def _entries(catalog: Catalog) -> list[tuple[str, list[str], list[str]]]:
    """(key, every line of the msgid, every translated string) of each entry."""
    found = []
    for message in catalog:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        strings = message.string if isinstance(message.string, tuple | list) else [
            message.string]
        found.append((str(ids[0]), [line for i in ids for line in str(i).split("\n")],
                      [str(s) for s in strings if s]))
    return found


def plural_problems(code: str, catalog: Catalog) -> list[str]:
    """The Plural-Forms header must give every whole number CLDR's form, in the gettext
    order Babel uses (Arabic: zero, one, two, few, many, other). A form that only fractions
    take (CLDR's "other" in Ukrainian and Russian) may be left out: counts are whole."""
    rule = Locale.parse(code).plural_form
    tags = [tag for tag in _CLDR_ORDER if tag in rule.tags | {"other"}]
    header = catalog.plural_forms or ""
    match = _NPLURALS.search(header)
    expression = header.partition("plural=")[2].strip().rstrip(";")
    if not match or not expression:
        return [f"no Plural-Forms header (CLDR: {len(tags)} forms)"]
    function = gettext.c2py(expression)
    used = {tags.index(rule(n)) for n in range(1001)}
    wanted = len(tags) if max(used) == len(tags) - 1 else max(used) + 1
    if int(match.group(1)) != wanted:
        return [f"Plural-Forms has {match.group(1)} forms, CLDR {wanted}"]
    wrong = [n for n in range(1001) if function(n) != tags.index(rule(n))]
    return [f"Plural-Forms gives {n} form {function(n)}, CLDR {tags.index(rule(n))} "
            f"({rule(n)})" for n in wrong[:3]]


def digit_problems(code: str, catalog: Catalog) -> list[str]:
    """Digits other than the language's policy (DIGITS), e.g. Persian "۲" in Farsi."""
    allowed = DIGITS[code]
    problems = []
    for key, _source, strings in _entries(catalog):
        bad = sorted({c for text in strings for c in text
                      if unicodedata.decimal(c, None) is not None and c not in allowed})
        if bad:
            problems.append(f"digits {''.join(bad)} instead of {allowed[0]}–{allowed[-1]} "
                            f"in {key[:60]!r}")
    return problems


def rtl_problems(catalog: Catalog) -> list[str]:
    """Right-to-left layout: a slash command needs a left-to-right mark (U+200E) right
    before it, or it shows as "help/"; and a line must not start with a left-to-right run
    (a command, a Latin word), or the whole line is laid out left to right. Exempt: usage
    lines ("‎/block <date> …") and lines quoted verbatim from the source (German
    addresses)."""
    problems = []
    for key, source, strings in _entries(catalog):
        short, found = repr(key[:60]), []
        for text in strings:
            if any(m.start() == 0 or text[m.start() - 1] != LRM
                   for m in _COMMAND.finditer(text)):
                found.append(f"slash command without a left-to-right mark in {short}")
            found += [f"line starts left to right {line[:30]!r} in {short}"
                      for line in text.split("\n")
                      if line not in source and not _USAGE_LINE.match(line)
                      and _first_strong(line) == "L"]
        problems += list(dict.fromkeys(found))  # once per entry, not once per plural form
    return problems


def _first_strong(line: str) -> str | None:
    """The direction of the first strong character ("L", "R"), placeholders skipped:
    their values are isolated when filled in."""
    for char in _PLACEHOLDER.sub("", line):
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return None


def _problems(catalog: Catalog, wanted: set[str]) -> list[str]:
    problems = []
    plural_header = catalog.plural_forms or ""
    match = _NPLURALS.search(plural_header)
    nplurals = int(match.group(1)) if match else catalog.num_plurals
    present = {m.id[0] if isinstance(m.id, tuple) else m.id: m for m in catalog if m.id}
    for msgid in sorted(wanted - present.keys()):
        problems.append(f"missing {msgid[:60]!r}")
    for key, message in present.items():
        short = repr(key[:60])
        if message.fuzzy:
            problems.append(f"fuzzy {short}")
        strings: list[str]
        if isinstance(message.id, tuple):
            strings = [str(s) for s in message.string] if isinstance(
                message.string, tuple | list) else [""]
            expected = placeholders(message.id[0]) | placeholders(message.id[1])
            if len(strings) != nplurals:
                problems.append(f"{len(strings)} plural forms instead of {nplurals} in {short}")
        else:
            strings = [message.string if isinstance(message.string, str) else ""]
            expected = placeholders(str(message.id))
        if not all(strings):
            problems.append(f"untranslated {short}")
            continue
        for text in strings:
            # A plural form may leave out the count ("one appointment"), nothing else.
            found = placeholders(text)
            ok = (found <= expected and expected - {"n"} <= found) if isinstance(
                message.id, tuple) else found == expected
            if not ok:
                problems.append(
                    f"placeholders {sorted(found)} instead of {sorted(expected)} "
                    f"in {short}"
                )
    return problems
