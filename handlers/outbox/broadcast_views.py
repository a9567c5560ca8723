"""The messages and keyboards of the /broadcast conversation (callback data ``bc:<nonce>:…``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import LANGUAGES, Translator
from bot.outbox.broadcasts import FALLBACK, render_broadcast
from bot.outbox.store import QuietHours

Screen = tuple[str, InlineKeyboardMarkup | None]


def _button(label: str, nonce: str, action: str, arg: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(label, callback_data=f"bc:{nonce}:{action}:{arg}")


def scope_picker(t: Translator, nonce: str, towns: list[tuple[int, str]], *, admin: bool
                 ) -> Screen:
    rows = [[_button(name, nonce, "m", str(id_))] for id_, name in towns]
    if len(towns) > 1:
        everyone = t._("All towns") if admin else t._("All my towns")
        rows.append([_button(everyone, nonce, "m", "*")])
    rows.append([_button(t._("Cancel"), nonce, "x")])
    return t._("Who should receive the announcement?"), InlineKeyboardMarkup(rows)


def filter_picker(t: Translator, nonce: str, counts: dict[str, int]) -> Screen:
    total, everyone = sum(counts.values()), t._("All clients")
    rows = [
        [_button(f"{everyone} ({t.fmt_number(total)})", nonce, "f", "*")],
        [_button(t._("Families with children at school"), nonce, "f", "school")],
    ]
    rows += [[_button(f"{LANGUAGES[code].native_name} ({t.fmt_number(n)})", nonce, "f", code)]
             for code, n in counts.items()]
    rows.append([_button(t._("Cancel"), nonce, "x")])
    return t._("All clients there, families with children at school, or one language group?"), \
        InlineKeyboardMarkup(rows)


def text_prompt(t: Translator, draft: dict[str, Any], language: str) -> Screen:
    if language == FALLBACK:
        total = sum(draft["counts"].values())
        return (t.ngettext("%(n)s client will receive the announcement.",
                           "%(n)s clients will receive the announcement.", total)
                + "\n\n" + t._("Please send the German text of the announcement. Whoever has "
                               "no text in their language gets the German one."), None)
    keyboard = InlineKeyboardMarkup(
        [[_button(t._("Leave empty: the German text is used"), draft["nonce"], "e", language)]])
    return t._("Please send the text in %(language)s.",
               language=LANGUAGES[language].native_name), keyboard


def composer(t: Translator, draft: dict[str, Any]) -> Screen:
    """The draft: recipients, which languages have a text, and what can be done next."""
    nonce, texts, counts = draft["nonce"], draft["texts"], draft["counts"]
    total = sum(counts.values())
    written = ", ".join(LANGUAGES[code].native_name for code in LANGUAGES if code in texts)
    text = "\n".join((
        t.ngettext("The announcement goes to %(n)s client.",
                   "The announcement goes to %(n)s clients.", total),
        t._("Texts so far: %(languages)s. Whoever has no text in their language gets the "
            "German one.", languages=written),
        t._("Press a language to write or change its text, 👁 to preview it."),
    ))
    rows = []
    for code in LANGUAGES:
        if code != FALLBACK and code not in counts:
            continue
        mark = "✅" if code in texts else "✏️"
        count = f" ({t.fmt_number(counts[code])})" if code in counts else ""
        rows.append([_button(f"{mark} {LANGUAGES[code].native_name}{count}", nonce, "t", code),
                     _button("👁", nonce, "p", code)])
    rows.append([_button(t.ngettext("Send to %(n)s client", "Send to %(n)s clients", total),
                         nonce, "s")])
    rows.append([_button(t._("Cancel"), nonce, "x")])
    return text, InlineKeyboardMarkup(rows)


def confirmation(t: Translator, nonce: str, total: int, now: datetime) -> Screen:
    lines = [t.ngettext("Send the announcement to %(n)s client now?",
                        "Send the announcement to %(n)s clients now?", total)]
    rows = [[_button(t._("Yes, send it"), nonce, "y")]]
    if QuietHours(t.timezone).ends_after(now) is not None:
        lines.append(t._("It is quiet time (21:00–07:00): the messages will go out at 07:00, "
                         "unless you send them as urgent."))
        rows.append([_button(t._("Send now: it is urgent"), nonce, "u")])
    rows.append([_button(t._("Back"), nonce, "b")])
    return "\n\n".join(lines), InlineKeyboardMarkup(rows)


def preview(t: Translator, language: str, texts: dict[str, str]) -> str:
    """The announcement exactly as a reader of ``language`` will get it."""
    reader = Translator(language, t.timezone)
    shown = render_broadcast(reader, {"texts": texts}).text
    return "👁 " + t._("Preview for %(language)s:", language=LANGUAGES[language].native_name) \
        + "\n\n" + shown
