"""Where each key of a TOML document stands, so configuration errors can name their line.

``tomllib`` gives values without positions. :func:`key_lines` scans the text once and maps
the path of every table and key to its line, with the index of each array-of-tables entry in
the path, exactly as the parsed data is indexed::

    [[municipality]]            # ("municipality", 0)
    [[municipality.location]]   # ("municipality", 0, "location", 0)
    [[municipality]]            # ("municipality", 1)
    [[municipality.location]]   # ("municipality", 1, "location", 0)
    weekday = "monday"          # ("municipality", 1, "location", 0, "weekday")

Only documents that ``tomllib`` has accepted are scanned, so the scanner may be lenient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

KeyPath = tuple[str | int, ...]

_ARRAY_HEADER = re.compile(r"\[\[\s*(.+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"\[\s*(.+?)\s*\]")


@dataclass
class _State:
    """What carries over from one line to the next: an open multi-line string or array."""

    string: str | None = None  # the closing delimiter, \"\"\" or '''
    depth: int = 0  # open [ and { of a value


def key_lines(text: str) -> dict[KeyPath, int]:
    """The 1-based line of every table header and key, by its path in the parsed data."""
    lines: dict[KeyPath, int] = {}
    arrays: dict[KeyPath, int] = {}  # array of tables → entries seen so far
    table: KeyPath = ()
    state = _State()
    for number, line in enumerate(text.splitlines(), 1):
        if state.string or state.depth:
            _scan_value(line, state)
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if header := _ARRAY_HEADER.match(stripped):
            parts = _key_parts(header.group(1))
            array = (*_concrete(parts[:-1], arrays), parts[-1])
            arrays[array] = arrays.get(array, 0) + 1
            table = (*array, arrays[array] - 1)
            lines[table] = number
        elif header := _TABLE_HEADER.match(stripped):
            table = _concrete(_key_parts(header.group(1)), arrays)
            lines.setdefault(table, number)
        else:
            key, value = _split_assignment(stripped)
            lines[(*table, *_key_parts(key))] = number
            _scan_value(value, state)
    return lines


def line_of(lines: dict[KeyPath, int], path: KeyPath) -> int | None:
    """The line of ``path``, else of the nearest enclosing table or key that has one."""
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def _concrete(parts: list[str], arrays: dict[KeyPath, int]) -> KeyPath:
    """Dotted names → path, where every array of tables stands for its last entry."""
    path: KeyPath = ()
    for part in parts:
        path = (*path, part)
        if path in arrays:
            path = (*path, arrays[path] - 1)
    return path


def _key_parts(key: str) -> list[str]:
    """``a."b.c".d`` → ["a", "b.c", "d"]."""
    parts: list[str] = []
    current = ""
    index = 0
    while index < len(key):
        char = key[index]
        if char in "\"'":
            end = key.find(char, index + 1)
            while char == '"' and end > 0 and key[end - 1] == "\\":
                end = key.find(char, end + 1)
            end = len(key) if end < 0 else end
            current += key[index + 1 : end]
            index = end + 1
            continue
        if char == ".":
            parts.append(current.strip())
            current = ""
        else:
            current += char
        index += 1
    parts.append(current.strip())
    return parts


def _split_assignment(line: str) -> tuple[str, str]:
    """``key = value`` → (key, value); the ``=`` inside a quoted key is skipped."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "=":
            return line[:index], line[index + 1 :]
    return line, ""


def _scan_value(text: str, state: _State) -> None:
    """Follow strings, comments and brackets of a value to know where it ends."""
    index = 0
    while index < len(text):
        if state.string:
            end = text.find(state.string, index)
            if end < 0:
                return
            close = end + 3
            # Up to two quotes may stand right before the closing delimiter: """a "quote""""
            while close < len(text) and close - end < 5 and text[close] == state.string[0]:
                close += 1
            index, state.string = close, None
            continue
        char = text[index]
        if char == "#":
            return
        if char in "\"'":
            if text.startswith(char * 3, index):
                state.string = char * 3
                index += 3
                continue
            index += 1
            while index < len(text) and text[index] != char:
                index += 2 if char == '"' and text[index] == "\\" else 1
        elif char in "[{":
            state.depth += 1
        elif char in "]}":
            state.depth -= 1
        index += 1
