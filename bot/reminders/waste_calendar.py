"""Read a waste provider's iCalendar (.ics) file into collection dates per bin type.

Providers' files vary: Latin-1 instead of UTF-8, broken line endings, all-day or timed
events, recurring rules, several bins in one event ("Bio- / Restmüll"). What can be read
exactly is read; anything else is rejected with :class:`WasteCalendarError`, whose one-line
message says what is wrong and where. Dates are never guessed.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.reminders.ics_text import (
    WasteCalendarError as WasteCalendarError,  # re-exported for callers
)
from bot.reminders.ics_text import check_structure, content_lines, decode

HORIZON_DAYS = 550  # recurring rules are expanded this far ahead (a year's calendar + margin)
MAX_DATES = 5000  # more collection dates than this in one file means a broken rule
_M = r"m(?:ü|ue|u)ll"


@dataclass(frozen=True)
class BinType:
    kind: str
    name_de: str
    pattern: re.Pattern[str]


def _bin(kind: str, name_de: str, pattern: str) -> BinType:
    return BinType(kind, name_de, re.compile(pattern, re.IGNORECASE))


# Recognised from the German summary; one summary may name several ("Bio- / Restmüll").
BIN_TYPES: tuple[BinType, ...] = (
    _bin("restmuell", "Restmüll",
         rf"\brest(?:{_M}|abfall|tonne|\b)|\bhaus{_M}|\b(?:graue|schwarze)\s+tonne"),
    _bin("bio", "Biotonne", r"\bbio|\bbraune\s+tonne"),
    _bin("papier", "Papiertonne", r"papier|\bpappe|\bkarton|\bblaue\s+tonne"),
    _bin("gelber_sack", "Gelber Sack", r"\bgelbe[rn]?\s+s(?:ä|ae|a)ck"),
    _bin("gelbe_tonne", "Gelbe Tonne",
         r"\bgelbe|wertstoff(?!hof)|leichtverpackung|\blvp\b|verpackung"),
    _bin("glas", "Glas", r"\b(?:alt)?glas"),
    _bin("sperrmuell", "Sperrmüll", rf"\bsperr(?:{_M}|gut)"),
    _bin("problemstoffe", "Problemstoffe",
         r"problem(?:stoff|m)|schadstoff|sonder(?:m|abfall)|giftmobil"),
    _bin("christbaum", "Christbaum", r"christb|weihnachtsb|tannenb"),
    _bin("gruenschnitt", "Grünschnitt",
         r"gr(?:ü|ue)n(?:schnitt|gut|abfall)|garten(?:abfall|abfälle)|(?:baum|strauch)schnitt"),
)
BY_KIND = {b.kind: b for b in BIN_TYPES}
OTHER = "other"


@dataclass(frozen=True)
class ParsedCalendar:
    collections: frozenset[tuple[date, str, str]]  # (day, kind, German name)
    unknown: dict[str, int]  # German names of unrecognised types → number of dates
    notes: tuple[str, ...]  # what was repaired or skipped, for the operator


def recognise(summary: str) -> list[tuple[str, str]]:
    """The bins (kind, German name) that a summary names; unknown ones under their own name."""
    text = " ".join(summary.split())
    found = [(b.kind, b.name_de) for b in BIN_TYPES if b.pattern.search(text)]
    kinds = {kind for kind, _ in found}
    if "gelber_sack" in kinds:  # "Gelber Sack" is the bag, not also the bin
        found = [f for f in found if f[0] != "gelbe_tonne"]
    return found or [(OTHER, text[:120])]


def parse_calendar(
    raw: bytes, *, timezone: ZoneInfo, today: date, horizon_days: int = HORIZON_DAYS
) -> ParsedCalendar:
    """Collection dates from ``today`` to ``today + horizon_days`` (local dates)."""
    import icalendar  # only for an import: the running bot never parses calendars
    import recurring_ical_events  # type: ignore[import-untyped]

    notes: list[str] = []
    lines = content_lines(decode(raw, notes), notes)
    blocks = check_structure(lines)
    try:
        calendar = icalendar.Calendar.from_ical("\r\n".join(text for _, text in lines))
    except Exception as exc:  # icalendar raises several types for unreadable input
        raise WasteCalendarError(f"not a readable iCalendar file: {_one_line(exc)}") from None
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    if not events:
        raise WasteCalendarError("the file contains no events (no BEGIN:VEVENT)")
    if len(blocks) != len(events):  # nested events: line numbers only roughly known
        blocks = [lines[0][0]] * len(events)
    for event, begin in zip(events, blocks, strict=True):
        _check_event(event, lines, begin)
    end = today + timedelta(days=horizon_days)
    try:
        occurrences = list(recurring_ical_events.of(calendar).between(today, end))
    except Exception as exc:
        raise WasteCalendarError(f"cannot expand the recurring events: {_one_line(exc)}") from None
    collections: set[tuple[date, str, str]] = set()
    floating = 0
    for occurrence in occurrences:
        if _cancelled(occurrence):
            continue
        start = _start(occurrence)
        floating += isinstance(start, datetime) and start.tzinfo is None
        day = _local_day(start, timezone)
        if today <= day < end:
            collections.update((day, kind, name) for kind, name in recognise(
                str(occurrence.get("SUMMARY", ""))))
    if not collections:
        starts = sorted(_local_day(_start(e), timezone) for e in events)
        raise WasteCalendarError(
            f"no collection dates from {today} to {end} (the events start between "
            f"{starts[0]} and {starts[-1]}): is it an old calendar?"
        )
    if len(collections) > MAX_DATES:
        raise WasteCalendarError(
            f"{len(collections)} collection dates in {horizon_days} days: a recurring rule "
            "is probably wrong (FREQ=DAILY?)"
        )
    if floating:
        notes.append(f"{floating} timed events without time zone read as local dates")
    past = sum(1 for e in events if "RRULE" not in e
               and _local_day(_start(e), timezone) < today)
    if past:
        notes.append(f"{past} events before {today} skipped")
    unknown = Counter(name for _, kind, name in collections if kind == OTHER)
    return ParsedCalendar(frozenset(collections), dict(unknown), tuple(notes))


def _check_event(event: Any, lines: list[tuple[int, str]], begin: int) -> None:
    block = [(n, text) for n, text in lines if n >= begin]
    summary = str(event.get("SUMMARY", "")).strip()
    label = f"event {summary!r} of line {begin}" if summary else f"event of line {begin}"
    for prop, message in event.errors:
        where = _line_of(block, prop) or begin
        raise WasteCalendarError(f"line {where}: {prop or 'line'} is invalid: {message}")
    if "DTSTART" not in event:
        raise WasteCalendarError(f"{label} has no DTSTART: its date is unknown")
    start = event["DTSTART"]
    tzid = start.params.get("TZID")
    if tzid and isinstance(start.dt, datetime) and start.dt.tzinfo is None:
        raise WasteCalendarError(
            f"line {_line_of(block, 'DTSTART') or begin}: unknown time zone {tzid!r}")
    if not summary:
        raise WasteCalendarError(f"{label} has no SUMMARY: which bin is collected is unknown")


def _line_of(block: list[tuple[int, str]], prop: str | None) -> int | None:
    if prop is None:
        return None
    for number, text in block:
        if re.match(rf"{re.escape(prop)}[;:]", text, re.IGNORECASE):
            return number
    return None


def _cancelled(component: Any) -> bool:
    status = component.get("STATUS", "")
    values = status if isinstance(status, list) else [status]
    return any(str(value).upper() == "CANCELLED" for value in values)


def _start(component: Any) -> date | datetime:
    value: date | datetime = component["DTSTART"].dt
    return value


def _local_day(value: date | datetime, timezone: ZoneInfo) -> date:
    """The local collection day: floating times as written, others in the local zone."""
    if isinstance(value, datetime):
        return value.date() if value.tzinfo is None else value.astimezone(timezone).date()
    return value


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__
