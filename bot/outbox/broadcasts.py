"""Broadcasts: who receives one, queueing it in the outbox, stopping it, and its message.

The texts are the sender's own words, one per language; German is required and stands in for
every language left empty. Each recipient's message is rendered at send time in the language
they use *then*.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import LANGUAGES, Translator, user_text
from bot.outbox.queue import Rendered, enqueue_many, message_kind
from bot.roles import Actor, Role
from bot.text_limits import telegram_length
from models import (
    Broadcast,
    BroadcastState,
    Child,
    ChildPlace,
    Client,
    ClientStatus,
    OutboxMessage,
    OutboxState,
)

KIND = "broadcast.message"
FALLBACK = "de"
# UTF-16 code units, as Telegram counts: leaves room for the heading, the note that only the
# German text exists and the preview's title within 4096 units in every language.
MAX_TEXT = 3800


@dataclass(frozen=True)
class Audience:
    """Active clients of these municipalities, optionally one language or school families."""

    municipality_ids: frozenset[int]
    language: str | None = None
    school_children: bool = False


def shown_length(text: str) -> int:
    """The length Telegram counts of the text as sent: every line is isolated (two invisible
    characters, ``user_text``), so a text of many short lines is longer than it looks."""
    return telegram_length(user_text(text))


@message_kind(KIND)
def render_broadcast(t: Translator, params: dict[str, Any]) -> Rendered:
    """The announcement in the reader's language, else the German text with a note."""
    texts: dict[str, str] = params["texts"]
    lines = ["📢 " + t._("Announcement from your integration management team")]
    own = texts.get(t.language)
    if own:
        lines.append(user_text(own))
    else:
        if t.language != FALLBACK:
            lines.append(t._("This announcement is only available in German."))
        lines.append(user_text(texts[FALLBACK]))
    return Rendered("\n\n".join(lines))


def _recipients(audience: Audience) -> Select[int, int | None, str]:
    query = select(Client.id, Client.telegram_user_id, Client.language).where(
        Client.status == ClientStatus.ACTIVE,
        Client.telegram_user_id.is_not(None),
        Client.municipality_id.in_(audience.municipality_ids),
    )
    if audience.language is not None:
        query = query.where(Client.language == audience.language)
    if audience.school_children:
        query = query.where(
            select(Child.id)
            .where(Child.client_id == Client.id, Child.place == ChildPlace.SCHOOL)
            .exists()
        )
    return query


async def audience_languages(session: AsyncSession, audience: Audience) -> dict[str, int]:
    """How many recipients read each language, in the language picker's order."""
    subquery = _recipients(audience).subquery()
    counts: dict[str, int] = dict((await session.execute(
        select(subquery.c.language, func.count()).group_by(subquery.c.language)
    )).all())
    return {code: counts[code] for code in LANGUAGES if counts.get(code)}


def may_manage(actor: Actor, broadcast: Broadcast) -> bool:
    """The sender, an admin, or a caseworker of every town it went to."""
    return (
        actor.role is Role.ADMIN
        or (actor.caseworker_id is not None and broadcast.created_by_id == actor.caseworker_id)
        or (actor.is_staff and all(actor.may_touch(m) for m in broadcast.municipality_ids))
    )


async def start_broadcast(
    session: AsyncSession, *, actor: Actor, audience: Audience, texts: dict[str, str],
    urgent: bool, now: datetime, status_chat_id: int | None,
) -> Broadcast:
    """Queue one outbox message per recipient; the dispatcher sends them."""
    if not audience.municipality_ids or not all(
        actor.may_touch(m) for m in audience.municipality_ids
    ):
        raise PermissionError("the audience includes a town this person may not write to")
    texts = {code: text for code, text in texts.items() if code in LANGUAGES and text}
    if FALLBACK not in texts:
        raise ValueError("a broadcast needs the German text")
    if any(shown_length(text) > MAX_TEXT for text in texts.values()):
        raise ValueError(f"a broadcast text is longer than {MAX_TEXT} UTF-16 code units")
    broadcast = Broadcast(
        created_by_id=actor.caseworker_id, municipality_ids=sorted(audience.municipality_ids),
        language=audience.language, school_children=audience.school_children, texts=texts,
        urgent=urgent, state=BroadcastState.SENDING, status_chat_id=status_chat_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    recipients = (await session.execute(_recipients(audience))).all()
    await enqueue_many(session, [
        dict(key=f"broadcast:{broadcast.id}:{client_id}", chat_id=chat_id, kind=KIND,
             params={"texts": texts}, due_at=now, urgent=urgent, client_id=client_id,
             broadcast_id=broadcast.id)
        for client_id, chat_id, _ in recipients
    ])
    broadcast.total = len(recipients)
    return broadcast


async def stop_broadcast(
    session: AsyncSession, *, broadcast_id: int, actor: Actor
) -> Broadcast | None:
    """Cancel what is not sent yet; None if there is no such broadcast for this person."""
    broadcast = await session.get(Broadcast, broadcast_id)
    if broadcast is None or not may_manage(actor, broadcast):
        return None
    if broadcast.state is BroadcastState.SENDING:
        broadcast.state = BroadcastState.CANCELLED
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.broadcast_id == broadcast_id,
                   OutboxMessage.state.in_((OutboxState.PENDING, OutboxState.UNCERTAIN)))
            .values(state=OutboxState.CANCELLED)
            .execution_options(synchronize_session=False)
        )
    return broadcast
