"""The texts of a conversation that travel through the outbox, rendered at send time."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.i18n import LANGUAGES, N_, Translator, user_text
from bot.outbox.queue import Rendered, message_kind

RELAY = "conversation.relay"  # a client's message, to a caseworker
ANSWER = "conversation.answer"  # a caseworker's answer, to the client
URGENT = "conversation.urgent"  # "I need help urgently", to a caseworker
ALBUM = "conversation.album"  # the photos of a client's album, copied as one album

# Quick replies: (button label, text for the client). The caseworker sees the label in their
# language; the client receives the text in theirs, with the German beside it.
QUICK_REPLIES: tuple[tuple[str, str], ...] = (
    (N_("Come to office hours"), N_("Please come to the office hours on %(day)s.")),
    (N_("Bring the letter"), N_("Please bring this letter to the office hours.")),
    (N_("Only information"),
     N_("This letter is only information; you need not do anything.")),
    (N_("I will call"), N_("I will call you.")),
    (N_("Book an appointment"), N_("Please book an appointment: /book")),
    (N_("Received"), N_("Received, I will answer soon.")),
)
CONTENT_ICONS = {"text": "💬", "album": "📷", "photo": "📷", "document": "📄", "voice": "🎤",
                 "video_note": "🎥", "video": "🎥", "audio": "🎵"}


def language_name(code: str) -> str:
    language = LANGUAGES.get(code)
    return language.native_name if language else code


def header(t: Translator, params: dict[str, Any]) -> str:
    """One line: case reference, the client's language and the time; nothing else."""
    return t._("📨 %(reference)s · %(language)s · %(time)s",
               reference=params["reference"], language=language_name(params["language"]),
               time=t.fmt_time(datetime.fromisoformat(params["at"])))


def quick_text(t: Translator, number: int, day: str | None) -> str:
    """A quick reply in one language; the day is the next office hours (ISO), if any."""
    text = QUICK_REPLIES[number][1]
    if "%(day)s" not in text:
        return t._(text)
    if day is None:
        return t._("Please come to the next office hours.")
    moment = datetime.fromisoformat(day)
    weekday = t.fmt_weekday(moment.astimezone(t.timezone).weekday())
    return t._(text, day=weekday + " " + t.fmt_time(moment))


@message_kind(RELAY, redeliver=True)
def render_relay(t: Translator, params: dict[str, Any]) -> Rendered:
    """The client's message for the caseworker: the header, then the content (copied)."""
    line = header(t, params)
    buttons = relay_buttons(t, params["msg"], params["conversation"])
    if params.get("copy") is None:
        return Rendered(f"{line}\n\n{params.get('text') or ''}".rstrip(), buttons)
    chat, message = params["copy"]
    if params["content"] == "video_note":  # a video note cannot carry a caption
        return Rendered("", buttons, copy=(chat, message))
    caption = params.get("text")
    return Rendered(f"{line}\n\n{caption}" if caption else line, buttons, copy=(chat, message))


@message_kind(ALBUM, redeliver=True)
def render_album(t: Translator, params: dict[str, Any]) -> Rendered:
    return Rendered("", album=(params["chat"], tuple(params["messages"])))


def relay_buttons(t: Translator, message_id: int, conversation_id: int
                  ) -> list[list[tuple[str, str]]]:
    labels = [(t._(label), f"qr:{message_id}:{n}") for n, (label, _) in enumerate(QUICK_REPLIES)]
    return [labels[0:2], labels[2:4], labels[4:6],
            [(t._("✓ Done, no answer needed"), f"cvd:{conversation_id}")]]


@message_kind(ANSWER)
def render_answer(t: Translator, params: dict[str, Any]) -> Rendered:
    """The caseworker's answer for the client, with the caseworker's name as sender line."""
    sender = t._("%(name)s, your integration manager (Integrationsmanager/in), writes:",
                 name=user_text(params["name"]))
    if params.get("quick") is not None:
        number, day = params["quick"], params.get("day")
        text = quick_text(t, number, day)
        if t.language != "de":
            german = Translator("de", t.timezone)
            text += f"\n\n🇩🇪 {quick_text(german, number, day)}"
        return Rendered(f"{sender}\n\n{text}")
    body = params.get("text") or ""
    if params.get("copy") is not None:
        chat, message = params["copy"]
        caption = f"{sender}\n\n{body}" if body else sender
        return Rendered(caption, copy=(chat, message))
    return Rendered(f"{sender}\n\n{body}")


@message_kind(URGENT, redeliver=True)
def render_urgent(t: Translator, params: dict[str, Any]) -> Rendered:
    return Rendered(
        t._("🆘 Urgent: %(reference)s (%(language)s) asks for help urgently. Please get in "
            "touch as soon as you can.", reference=params["reference"],
            language=language_name(params["language"]))
    )
