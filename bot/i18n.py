"""Translations and locale-aware formatting for the seven languages Lotse speaks.

Catalogs are read from ``locales/<lang>/LC_MESSAGES/lotse.po`` and compiled in memory at
start-up, so a clean checkout needs no build step. A :class:`Translator` carries one locale and
the deployment's time zone; scheduled jobs create one for the recipient, never for "the user".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from gettext import NullTranslations
from importlib import resources
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time, get_day_names
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

DOMAIN = "lotse"
FSI, PDI = "\u2068", "\u2069"  # Unicode first-strong isolate ... pop directional isolate
# Marks for right-to-left text: a left-to-right mark right before a slash command keeps it
# "/help" (not "help/"); a right-to-left mark at the start of a line lays it out right to
# left. Telegram still makes the command a link.
LRM, RLM = "\u200e", "\u200f"


@dataclass(frozen=True)
class Language:
    code: str
    native_name: str
    rtl: bool = False


# In the order the language picker shows them: the clients' most common languages first.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("uk", "Українська"),
        Language("ar", "العربية", rtl=True),
        Language("de", "Deutsch"),
        Language("en", "English"),
        Language("ru", "Русский"),
        Language("fa", "فارسی / دری", rtl=True),
        Language("tr", "Türkçe"),
    )
}
FALLBACK_LANGUAGE = "en"
# Telegram language codes that map to a language we speak under another code.
_ALIASES = {"prs": "fa", "fa-af": "fa", "ps": "fa"}


def N_(message: str) -> str:
    """Mark a string for extraction; it is translated later, where the reader is known."""
    return message


def pick_language(telegram_code: str | None) -> str:
    """The supported language for Telegram's ``language_code`` ('uk-UA' → 'uk'), else English."""
    if not telegram_code:
        return FALLBACK_LANGUAGE
    code = telegram_code.strip().lower().replace("_", "-")
    if code in _ALIASES:
        return _ALIASES[code]
    base = code.split("-", 1)[0]
    return base if base in LANGUAGES else _ALIASES.get(base, FALLBACK_LANGUAGE)


def locales_dir() -> Path:
    return Path(str(resources.files("locales")))


def compile_catalog(po_path: Path) -> Translations:
    """Read a .po file and compile it to a gettext object in memory."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, domain=DOMAIN)
    buffer = BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


@functools.cache
def catalogs(directory: Path | None = None) -> dict[str, NullTranslations]:
    """Every language's compiled catalog, loaded once per process."""
    base = directory or locales_dir()
    loaded: dict[str, NullTranslations] = {}
    for code in LANGUAGES:
        path = base / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        loaded[code] = compile_catalog(path) if path.is_file() else NullTranslations()
    return loaded


def isolate(text: str) -> str:
    """Wrap text in Unicode isolates so that it keeps its own direction inside RTL text."""
    return f"{FSI}{text}{PDI}"


# Controls a user could type to reorder or hide text: embeddings and overrides (U+202A–E),
# isolates (U+2066–9), marks (LRM, RLM, ALM) and invisible zero-width characters. The joiners
# ZWJ and ZWNJ stay: Persian names and emoji need them.
_OVERRIDES = "\u202a\u202b\u202c\u202d\u202e"
_CONTROLS = dict.fromkeys(
    map(ord, _OVERRIDES + "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\u200b\u2060\ufeff"))
_STRIP_OVERRIDES = dict.fromkeys(map(ord, _OVERRIDES))


class UserText(str):
    """A user-provided string, cleaned and isolated (see ``user_text``)."""

    __slots__ = ()


def user_text(text: str | None, empty: str = "–") -> UserText:
    """The one helper for every user-provided string (names, notes, broadcast texts, place
    names) shown in a message: bidi and zero-width controls removed, the rest wrapped in a
    first-strong isolate (each line of a text of several lines), in every language, so that
    nothing in it can reorder the line it stands in."""
    if isinstance(text, UserText):
        return text
    cleaned = (text or "").translate(_CONTROLS).strip()
    if "\n" not in cleaned:
        return UserText(isolate(cleaned or empty))
    # Several lines (a note, an announcement): an isolate ends with its paragraph, so each
    # line gets its own; empty lines stay empty.
    return UserText("\n".join(isolate(line) if line.strip() else ""
                              for line in cleaned.splitlines()))


class Translator:
    """Translates and formats for one language in the deployment's time zone."""

    def __init__(self, language: str, timezone: ZoneInfo) -> None:
        self.language = language if language in LANGUAGES else FALLBACK_LANGUAGE
        self.locale = Locale.parse(self.language)
        self.timezone = timezone
        self.rtl = LANGUAGES[self.language].rtl
        self._catalog = catalogs()[self.language]

    def _(self, message: str, **params: object) -> str:
        """Translate ``message`` and fill its named placeholders."""
        return self._fill(self._catalog.gettext(message), params)

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        """Translate with the CLDR plural form for ``n``; ``%(n)s`` is the formatted count."""
        return self._fill(self._catalog.ngettext(singular, plural, n), {"n": n, **params})

    def _fill(self, text: str, params: dict[str, object]) -> str:
        if not params:
            return text
        return text % {key: self._value(value) for key, value in params.items()}

    def _value(self, value: object) -> str:
        if isinstance(value, UserText):
            return str(value)
        if isinstance(value, bool):
            value = str(value)
        elif isinstance(value, int | Decimal):
            value = self.fmt_number(value)
        elif isinstance(value, datetime):
            value = self.fmt_datetime(value)
        elif isinstance(value, date):
            value = self.fmt_date(value)
        # No parameter may carry an override or embedding into the sentence (our own texts
        # never use them; user text should come through ``user_text``).
        return self.embed(str(value).translate(_STRIP_OVERRIDES))

    def embed(self, text: str) -> str:
        """Text from outside the catalog (German names, addresses, references, times) keeps
        its own direction inside right-to-left sentences."""
        return isolate(text) if self.rtl else text

    def fmt_number(self, value: int | Decimal) -> str:
        return format_decimal(value, locale=self.locale)

    def fmt_date(self, value: date, *, with_weekday: bool = True) -> str:
        if isinstance(value, datetime):
            value = value.astimezone(self.timezone).date()
        return format_date(value, "full" if with_weekday else "long", locale=self.locale)

    def fmt_time(self, value: datetime | time) -> str:
        """24-hour local time, as on German letters and signs."""
        if isinstance(value, datetime):
            return format_datetime(value, "HH:mm", tzinfo=self.timezone, locale=self.locale)
        return format_time(value, "HH:mm", locale=self.locale)

    def fmt_datetime(self, value: datetime) -> str:
        return f"{self.fmt_date(value)}, {self.fmt_time(value)}"

    def fmt_weekday(self, weekday: int) -> str:
        """Full weekday name; 0 is Monday as in :meth:`datetime.date.weekday`."""
        return str(get_day_names("wide", locale=self.locale)[weekday])


@functools.lru_cache(maxsize=64)
def translator_for(language: str, timezone: ZoneInfo) -> Translator:
    """A shared translator: a Translator holds no state that changes after it is made."""
    return Translator(language, timezone)
