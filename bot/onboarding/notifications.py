"""Notifications to caseworkers that travel through the outbox (e.g. a contact request)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES, Translator, user_text
from bot.outbox.queue import Rendered, enqueue, message_kind
from models import Caseworker, ContactRequest

CONTACT_REQUEST = "contact.request"


@message_kind(CONTACT_REQUEST)
def render_contact_request(t: Translator, params: dict[str, Any]) -> Rendered:
    """Tell a caseworker who asked to be contacted, in the caseworker's language."""
    language = LANGUAGES.get(params["language"])
    return Rendered(t._(
        "New contact request for %(municipality)s from %(name)s (%(handle)s), "
        "language: %(language)s. Please get in touch with them.",
        municipality=params["municipality"], name=user_text(params["name"]),
        handle=user_text(params["handle"]),
        language=language.native_name if language else params["language"],
    ))


async def notify_contact_request(
    session: AsyncSession, *, request: ContactRequest, municipality_name: str,
    caseworkers: list[Caseworker], now: datetime,
) -> list[str]:
    """Queue one notification per caseworker; return their outbox keys."""
    handle = f"@{request.username}" if request.username else request.name
    keys = []
    for caseworker in caseworkers:
        if caseworker.telegram_user_id is None:
            continue
        key = f"contact:{request.id}:{caseworker.id}"
        await enqueue(
            session, key=key, chat_id=caseworker.telegram_user_id, kind=CONTACT_REQUEST,
            params={"municipality": municipality_name, "name": request.name, "handle": handle,
                    "language": request.language},
            due_at=now, caseworker_id=caseworker.id,
        )
        keys.append(key)
    return keys
