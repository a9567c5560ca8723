"""Render claimed outbox rows in the recipient's language and combine them into messages.

Rows of one chat due in the same minute become one message (texts separated by a blank line,
buttons stacked) as long as Telegram's limits allow; a document or a copy travels alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.outbox.queue import RENDERERS, Rendered
from bot.outbox.store import DueRow
from bot.text_limits import CAPTION_LIMIT, TEXT_LIMIT, telegram_length

MAX_BUTTON_ROWS = 100
SEPARATOR = "\n\n"


@dataclass(frozen=True)
class Part:
    """One message to send, for one or more rows; ``error`` if it cannot be sent."""

    rows: list[DueRow]
    message: Rendered | None = None
    error: str | None = None


def render(row: DueRow, timezone: ZoneInfo) -> Part:
    """One row as its renderer draws it for the recipient, or the reason it cannot go."""
    renderer = RENDERERS.get(row.kind)
    if renderer is None:
        return Part([row], error=f"unknown message kind {row.kind!r}")
    try:
        message = renderer(Translator(row.language, timezone), row.params)
    except Exception as exc:  # a renderer bug fails this row, not the dispatcher
        return Part([row], error=f"rendering failed: {type(exc).__name__}: {exc}"[:300])
    limit = CAPTION_LIMIT if message.alone else TEXT_LIMIT
    if not message.text.strip() and not message.alone:
        return Part([row], error="empty message")
    if telegram_length(message.text) > limit:
        return Part([row], error=f"text longer than {limit} UTF-16 code units")
    return Part([row], message)


def compose(rows: list[DueRow], timezone: ZoneInfo) -> list[Part]:
    """The messages for one chat's rows, in order of due time."""
    parts: list[Part] = []
    pending: Part | None = None
    for part in (render(row, timezone) for row in sorted(rows, key=lambda r: (r.due_at, r.id))):
        if part.message is None or part.message.alone:
            if pending is not None:
                parts.append(pending)
                pending = None
            parts.append(part)
            continue
        if pending is not None and pending.message is not None:
            joined = _join(pending.message, part.message)
            if joined is not None:
                pending = Part(pending.rows + part.rows, joined)
                continue
            parts.append(pending)
        pending = part
    if pending is not None:
        parts.append(pending)
    return parts


def _join(first: Rendered, second: Rendered) -> Rendered | None:
    text = first.text + SEPARATOR + second.text
    buttons = first.buttons + second.buttons
    if telegram_length(text) > TEXT_LIMIT or len(buttons) > MAX_BUTTON_ROWS:
        return None
    return Rendered(text=text, buttons=buttons)
