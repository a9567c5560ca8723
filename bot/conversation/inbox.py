"""The caseworker's inbox: conversations waiting for an answer, oldest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.absences import on_duty
from bot.conversation.relay import may_answer, relay_to
from bot.roles import Actor, Role
from models import Absence, Caseworker, Client, Conversation, StoredMessage

FIRST_WORDS = 6
MAX_ITEMS = 20


@dataclass(frozen=True)
class InboxItem:
    conversation_id: int
    reference: str
    language: str
    waiting_since: datetime
    first_words: str  # of the first message; a media message shows its kind only
    content: str
    urgent: bool


async def _standing_in_for(session: AsyncSession, actor: Actor, now: datetime) -> set[int]:
    """The caseworkers away now for whom this actor answers (directly or down the chain)."""
    if actor.caseworker_id is None:
        return set()
    away = await session.scalars(select(Absence.caseworker_id).distinct().where(
        Absence.start_at <= now, Absence.end_at > now))
    return {caseworker_id for caseworker_id in away.all()
            if (await on_duty(session, caseworker_id, now)).id == actor.caseworker_id}


async def inbox(session: AsyncSession, *, actor: Actor, now: datetime) -> list[InboxItem]:
    """The conversations this actor may answer (see ``may_answer``), chosen in SQL."""
    query = (
        select(Conversation, Client).join(Client, Client.id == Conversation.client_id)
        .where(Conversation.closed_at.is_(None))
        .order_by(Conversation.opened_at, Conversation.id).limit(MAX_ITEMS)
    )
    if actor.role is not Role.ADMIN:
        towns = actor.municipality_ids if actor.role is Role.CASEWORKER else frozenset()
        query = query.where(or_(Client.municipality_id.in_(towns),
                                Client.caseworker_id.in_(
                                    await _standing_in_for(session, actor, now))))
    rows = (await session.execute(query)).all()
    firsts = select(func.min(StoredMessage.id)).where(
        StoredMessage.conversation_id.in_([conversation.id for conversation, _ in rows]),
        StoredMessage.from_client.is_(True)).group_by(StoredMessage.conversation_id)
    first_of = {message.conversation_id: message for message in await session.scalars(
        select(StoredMessage).where(StoredMessage.id.in_(firsts)))} if rows else {}
    items = []
    for conversation, client in rows:
        first = first_of.get(conversation.id)
        words = " ".join((first.text or "").split()[:FIRST_WORDS]) if first else ""
        if first is not None and len((first.text or "").split()) > FIRST_WORDS:
            words += " …"
        items.append(InboxItem(
            conversation.id, client.reference, client.language,
            first.created_at if first else conversation.opened_at, words,
            first.content if first else "text", conversation.urgent_at is not None))
    return items


async def mark_done(session: AsyncSession, *, actor: Actor, conversation_id: int,
                    now: datetime) -> str | None:
    """Close a conversation without an answer; its client's reference, or None."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None:
        return None
    client = await session.get(Client, conversation.client_id)
    assert client is not None
    if not await may_answer(session, actor, client, now):
        return None
    if conversation.closed_at is None:
        conversation.closed_at = now
    return client.reference


async def show_again(session: AsyncSession, *, actor: Actor, conversation_id: int,
                     now: datetime) -> list[str]:
    """Relay a waiting conversation's messages to this caseworker once more (e.g. after the
    first relay could not be delivered)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.closed_at is not None:
        return []
    client = await session.get(Client, conversation.client_id)
    caseworker = await session.get(Caseworker, actor.caseworker_id)
    assert client is not None and caseworker is not None
    if caseworker.telegram_user_id is None or not await may_answer(session, actor, client, now):
        return []
    messages = await session.scalars(
        select(StoredMessage).where(StoredMessage.conversation_id == conversation.id,
                                    StoredMessage.from_client.is_(True))
        .order_by(StoredMessage.id))
    keys = []
    for stored in messages:
        keys += await relay_to(session, client=client, stored=stored, caseworkers=[caseworker],
                               now=now, key_suffix=f":again:{int(now.timestamp())}")
    return keys


async def last_messages(session: AsyncSession, client_id: int, limit: int = 5
                        ) -> list[StoredMessage]:
    """The newest messages of a client's conversations, oldest of them first."""
    rows = await session.scalars(
        select(StoredMessage).where(StoredMessage.client_id == client_id)
        .order_by(StoredMessage.id.desc()).limit(limit))
    return list(reversed(list(rows)))
