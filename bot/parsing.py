"""What caseworkers type on the phone: numbers in any digits, dates in two formats, kinds.

Arabic-Indic (٠-٩) and Persian (۰-۹) digits are accepted wherever a number is typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from bot.i18n import N_
from bot.refusal import Refused
from models import ContactKind

_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_GERMAN = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_DURATION = re.compile(r"^([+-]?\d+)(?:min|m)?$|^(\d+):(\d{2})$", re.IGNORECASE)

KIND_WORDS: dict[str, ContactKind] = {
    "consultation": ContactKind.CONSULTATION,
    "beratung": ContactKind.CONSULTATION,
    "visit": ContactKind.HOME_VISIT,
    "homevisit": ContactKind.HOME_VISIT,
    "home_visit": ContactKind.HOME_VISIT,
    "hausbesuch": ContactKind.HOME_VISIT,
    "phone": ContactKind.PHONE,
    "telefon": ContactKind.PHONE,
    "accompaniment": ContactKind.ACCOMPANIMENT,
    "begleitung": ContactKind.ACCOMPANIMENT,
    "group": ContactKind.GROUP_EVENT,
    "group_event": ContactKind.GROUP_EVENT,
    "gruppe": ContactKind.GROUP_EVENT,
    "travel": ContactKind.TRAVEL,
    "fahrt": ContactKind.TRAVEL,
}
TODAY_WORDS = {"today", "heute"}
YESTERDAY_WORDS = {"yesterday", "gestern"}


class NotADate(ValueError):
    """The text looks like a date but no such day exists (31.02.2026)."""


def ascii_digits(text: str) -> str:
    return text.translate(_DIGITS)


def parse_int(text: str) -> int | None:
    """A whole number in any of the three digit sets, else None."""
    value = ascii_digits(text.strip())
    return int(value) if _INTEGER.match(value) else None


def looks_like_date(text: str) -> bool:
    value = ascii_digits(text.strip())
    return bool(_ISO.match(value) or _GERMAN.match(value))


def parse_date(text: str) -> date | None:
    """YYYY-MM-DD or DD.MM.YYYY; None if it is no date at all, NotADate if impossible."""
    value = ascii_digits(text.strip())
    match = _ISO.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _GERMAN.match(value)
        if not match:
            return None
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise NotADate(text) from None


def parse_kind(text: str) -> ContactKind | None:
    return KIND_WORDS.get(text.strip().lower())


def normalise_reference(text: str) -> str | None:
    """'C-0042', 'c-42', 'C42' or '42' → 'C-0042'; None if it is no case reference."""
    value = ascii_digits(text.strip()).upper()
    match = re.fullmatch(r"C?-?(\d{1,8})", value)
    return f"C-{int(match.group(1)):04d}" if match else None


USAGE = N_(
    "Please write: /log <case> <minutes> [kind] [date] [note]\n"
    "For example: /log C-0042 45 phone 03.03.2026 Jobcenter letter\n"
    "Kinds: consultation, visit, phone, accompaniment, group, travel "
    "(or beratung, hausbesuch, telefon, begleitung, gruppe, fahrt). "
    "Date as YYYY-MM-DD or DD.MM.YYYY, today if left out. "
    "A group event without a client: /log cleebronn 90 group"
)


@dataclass(frozen=True)
class LogRequest:
    target: str
    minutes: int
    kind: ContactKind | None
    day: date | None
    note: str | None


def _next_word(text: str) -> tuple[str, str]:
    parts = text.strip().split(maxsplit=1)
    if not parts:
        return "", ""
    return parts[0], parts[1] if len(parts) > 1 else ""


def parse_duration(text: str) -> int | None:
    """'45', '45min', '1:30' in any digits → minutes; None if it is no duration."""
    match = _DURATION.match(ascii_digits(text.strip()))
    if not match:
        return None
    if match.group(1) is not None:
        return int(match.group(1))
    return int(match.group(2)) * 60 + int(match.group(3))


def parse_log(arguments: str, *, today: date) -> LogRequest:
    """Read the words after /log; raise :class:`Refused` with what is wrong."""
    target, rest = _next_word(arguments)
    typed_minutes, rest = _next_word(rest)
    if not target or not typed_minutes:
        raise Refused(USAGE)
    minutes = parse_duration(typed_minutes)
    if minutes is None:
        raise Refused(N_("“%(value)s” is not a number of minutes. Please write the minutes "
                         "as a whole number, for example 45."), value=typed_minutes)
    kind: ContactKind | None = None
    day: date | None = None
    for _ in range(2):  # kind and date, in either order
        word, after = _next_word(rest)
        if kind is None and parse_kind(word):
            kind, rest = parse_kind(word), after
        elif day is None and word.lower() in TODAY_WORDS | YESTERDAY_WORDS:
            day = today if word.lower() in TODAY_WORDS else today - timedelta(days=1)
            rest = after
        elif day is None and word:
            try:
                parsed = parse_date(word)
            except NotADate:
                raise Refused(N_("“%(value)s” is not a valid date. Please write it as "
                                 "YYYY-MM-DD or DD.MM.YYYY."), value=word) from None
            if parsed is None:
                break
            day, rest = parsed, after
    note = rest.strip() or None
    return LogRequest(target=target, minutes=minutes, kind=kind, day=day, note=note)
