"""Checks that every catalog is complete: each message of the code translated, none fuzzy,
the same placeholders as the msgid, and the plural forms the language needs."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot.i18n import DOMAIN, LANGUAGES, locales_dir

SOURCE_PACKAGES = ("bot", "handlers")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
_NPLURALS = re.compile(r"nplurals\s*=\s*(\d+)")


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
    return problems


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
