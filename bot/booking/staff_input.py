"""Parse what staff type after /officehours, /block and /absent: weekdays, times, dates.

Each parser returns the value or an :class:`InputError`, so the handler can name the problem.
German and English spellings are accepted (mon/mo/montag, 2026-04-01/1.4.2026/1.4.).
"""

from __future__ import annotations

import enum
import re
from datetime import date, time, timedelta


class InputError(enum.StrEnum):
    WEEKDAY = "weekday"
    TIME = "time"  # not a time of day, e.g. 25:00
    RANGE = "range"  # not "from-to"
    ORDER = "order"  # ends before (or when) it starts
    DATE = "date"
    NUMBER = "number"


_WEEKDAYS = (
    ("mon", "monday", "mo", "montag"),
    ("tue", "tuesday", "tu", "di", "dienstag"),
    ("wed", "wednesday", "we", "mi", "mittwoch"),
    ("thu", "thursday", "th", "do", "donnerstag"),
    ("fri", "friday", "fr", "freitag"),
    ("sat", "saturday", "sa", "samstag"),
    ("sun", "sunday", "su", "so", "sonntag"),
)
WEEKDAYS = {name: index for index, names in enumerate(_WEEKDAYS) for name in names}
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_GERMAN = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})?")
_TODAY = {"today", "heute"}
_TOMORROW = {"tomorrow", "morgen"}


def parse_weekday(text: str) -> int | InputError:
    return WEEKDAYS.get(text.strip().rstrip(".").casefold(), InputError.WEEKDAY)


def parse_time(text: str) -> time | InputError:
    match = _TIME.fullmatch(text.strip())
    if not match:
        return InputError.TIME
    hour, minute = int(match[1]), int(match[2])
    if hour > 23 or minute > 59:
        return InputError.TIME
    return time(hour, minute)


def parse_time_range(text: str) -> tuple[time, time] | InputError:
    parts = re.split(r"\s*[-–—]\s*", text.strip())
    if len(parts) != 2:
        return InputError.RANGE
    start, end = parse_time(parts[0]), parse_time(parts[1])
    if isinstance(start, InputError):
        return start
    if isinstance(end, InputError):
        return end
    if end <= start:
        return InputError.ORDER
    return start, end


def parse_date(text: str, *, today: date) -> date | InputError:
    """A date; without a year (``1.4.``) the next such day from today on."""
    word = text.strip().casefold()
    if word in _TODAY:
        return today
    if word in _TOMORROW:
        return today + timedelta(days=1)
    try:
        if match := _ISO.fullmatch(word):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _GERMAN.fullmatch(word):
            day, month = int(match[1]), int(match[2])
            if match[3] is None:
                candidate = date(today.year, month, day)
                return candidate if candidate >= today else date(today.year + 1, month, day)
            year = int(match[3])
            return date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        pass
    return InputError.DATE


def parse_number(text: str) -> int | InputError:
    text = text.strip()
    return int(text) if text.isdigit() and len(text) <= 4 else InputError.NUMBER
