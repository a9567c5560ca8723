"""Text lengths as Telegram counts them: in UTF-16 code units, not in Python characters.

An emoji (and any other character beyond U+FFFF) is one Python character but two units for
Telegram, whose limits are 4096 units for a message text and 1024 for a caption. Everything
that measures, cuts or refuses text on its way to Telegram uses this module.
"""

from __future__ import annotations

from bot.i18n import Translator, UserText, user_text

TEXT_LIMIT = 4096  # Telegram's limit for a message text
CAPTION_LIMIT = 1024  # ... and for the caption of a document or photo
QUOTE_LIMIT = 40  # how much of a mistyped word an answer repeats
ELLIPSIS = "…"


def telegram_length(text: str) -> int:
    """The length Telegram counts: UTF-16 code units (an emoji counts two)."""
    # surrogatepass: a lone surrogate (which Python allows in a str) counts one, as in UTF-16.
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _units(char: str) -> int:
    return 2 if ord(char) > 0xFFFF else 1


def truncate(text: str, limit: int, ellipsis: str = ELLIPSIS) -> str:
    """The text cut to at most ``limit`` units, between two characters (never inside a
    surrogate pair), ending with ``ellipsis`` if it was cut."""
    if telegram_length(text) <= limit:
        return text
    budget = limit - telegram_length(ellipsis)
    if budget < 0:
        return ""
    used = 0
    for index, char in enumerate(text):
        used += _units(char)
        if used > budget:
            return text[:index].rstrip() + ellipsis
    return text + ellipsis  # not reached: the whole text fits in fewer units than it has


def quote(text: str) -> UserText:
    """What an answer repeats of something typed ("“x” is not a date"): its start only, so
    that the answer stays far below Telegram's limit however long the input was, isolated
    like every user-provided string."""
    return user_text(truncate(text, QUOTE_LIMIT))


def length_hint(t: Translator, length: int) -> str:
    """Tells someone whose text is too long how Telegram counted it."""
    return t.ngettext(
        "Telegram counts %(n)s character in your text: emoji and some other symbols count "
        "as two.",
        "Telegram counts %(n)s characters in your text: emoji and some other symbols count "
        "as two.", length)


def too_long(t: Translator, message: str, text: str) -> str:
    """A translated refusal (``message``) followed by how long the text was."""
    return f"{message}\n\n{length_hint(t, telegram_length(text))}"
