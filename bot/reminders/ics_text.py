"""The text of an iCalendar file, checked before it is parsed: decoding (UTF-8, Latin-1,
UTF-16), line endings, line folding and BEGIN/END nesting, each problem with its line.

icalendar itself skips lines it cannot read; checking first means a broken file is
rejected with the line that is wrong instead of being read with a silently missing part.
"""

from __future__ import annotations

import codecs
import re

_CONTENT_LINE = re.compile(r"^[A-Za-z0-9-]+(?:;[^\r\n]*?)?:")
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf\u0152-\u0178\u2013-\u203a]")


class WasteCalendarError(ValueError):
    """The file cannot be imported exactly; the message says what is wrong and where."""


def decode(raw: bytes, notes: list[str]) -> str:
    if not raw.strip():
        raise WasteCalendarError("the file is empty")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        notes.append("read as UTF-16")
        return raw.decode("utf-16")
    if b"\x00" in raw:
        raise WasteCalendarError("the file contains NUL bytes: it is no text calendar")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        notes.append(f"not UTF-8 (line {line}): read as Latin-1 (Windows-1252)")
        try:
            return raw.decode("cp1252")
        except UnicodeDecodeError:
            return raw.decode("latin-1")
    if _MOJIBAKE.search(text):
        try:
            text = text.encode("cp1252").decode("utf-8")
            notes.append("doubly encoded UTF-8 (Ã¼ for ü) repaired")
        except UnicodeError:
            pass  # left as it is: such names are reported as unknown types
    return text


def content_lines(text: str, notes: list[str]) -> list[tuple[int, str]]:
    """(line number, unfolded content line); every line must be a property or a fold."""
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        notes.append("mixed or old Mac line endings (CR) repaired")
    raw_lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines: list[tuple[int, str]] = []
    for number, line in enumerate(raw_lines, 1):
        if not line.strip():
            continue
        if line[0] in " \t" and lines:
            lines[-1] = (lines[-1][0], lines[-1][1] + line[1:])
        elif _CONTENT_LINE.match(line):
            lines.append((number, line))
        else:
            if not lines:
                raise WasteCalendarError(
                    f"not an iCalendar file: it begins with {line[:40]!r} instead of "
                    "BEGIN:VCALENDAR"
                )
            raise WasteCalendarError(
                f"line {number}: {line[:40]!r} is no iCalendar line (a continued line must "
                "begin with a space: broken line folding?)"
            )
    return lines


def check_structure(lines: list[tuple[int, str]]) -> list[int]:
    """BEGIN/END must nest in one VCALENDAR; returns the line of each top-level VEVENT."""
    if not lines or lines[0][1].upper() != "BEGIN:VCALENDAR":
        first = lines[0][1][:40] if lines else ""
        raise WasteCalendarError(
            f"not an iCalendar file: it begins with {first!r} instead of BEGIN:VCALENDAR"
        )
    stack: list[tuple[str, int]] = []
    events: list[int] = []
    for number, line in lines:
        word, _, name = line.partition(":")
        word, name = word.upper(), name.strip().upper()
        if word == "BEGIN":
            if name == "VCALENDAR" and (stack or number != lines[0][0]):
                raise WasteCalendarError(
                    f"line {number}: a second calendar begins; import one calendar per file")
            if name == "VEVENT" and len(stack) == 1:
                events.append(number)
            stack.append((name, number))
        elif word == "END":
            if not stack or stack[-1][0] != name:
                opened = f"BEGIN:{stack[-1][0]} of line {stack[-1][1]}" if stack else "nothing"
                raise WasteCalendarError(f"line {number}: END:{name} does not close {opened}")
            stack.pop()
        elif not stack:
            raise WasteCalendarError(f"line {number}: text after END:VCALENDAR")
    if stack:
        name, number = stack[-1]
        raise WasteCalendarError(
            f"the file ends inside BEGIN:{name} of line {number}: it is incomplete "
            "(interrupted download?)"
        )
    return events
