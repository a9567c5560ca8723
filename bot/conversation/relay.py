"""Relay a client's message to whoever answers it now, and the caseworker's answer back.

Every message is stored first (``conversation_messages``), then queued in the outbox with an
idempotency key built from the Telegram message, so a repeated update never relays twice and
nothing is lost while no caseworker is reachable: the conversation waits in the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.booking.absences import on_duty
from bot.booking.slots import local_moment
from bot.conversation.texts import ALBUM, ANSWER, QUICK_REPLIES, RELAY, URGENT
from bot.outbox.queue import enqueue
from bot.roles import Actor
from models import (
    Caseworker,
    Client,
    Conversation,
    OfficeHours,
    OutboxMessage,
    OutboxState,
    StoredMessage,
)
from models.people import caseworker_municipalities

FORWARDED = ("text", "photo", "document", "voice", "video_note", "video", "audio")
ALBUM_CONTENTS = ("photo", "video", "document", "audio")
# The photos of an album arrive as separate updates within moments: they are collected
# this long and then copied together as one album.
ALBUM_WAIT = timedelta(seconds=2)


@dataclass(frozen=True)
class Incoming:
    """What a message holds, as far as we keep it (a file only as Telegram's file id)."""

    content: str
    chat_id: int
    message_id: int
    text: str | None = None
    file_id: str | None = None
    media_group_id: str | None = None


@dataclass(frozen=True)
class Received:
    keys: list[str]  # outbox keys to deliver now
    first: bool  # the first message of a new conversation: acknowledge it
    next_hours: datetime | None  # the next office hours of whoever answers


async def recipients(session: AsyncSession, client: Client, now: datetime) -> list[Caseworker]:
    """The client's caseworker, their substitute while away, or the whole team of the town;
    when nobody of the town is linked, the admins, so that no message is lost."""
    if client.caseworker_id is not None:
        caseworker = await on_duty(session, client.caseworker_id, now)
        if caseworker.active and caseworker.telegram_user_id is not None:
            return [caseworker]
    linked = Caseworker.active.is_(True), Caseworker.telegram_user_id.is_not(None)
    rows = await session.scalars(
        select(Caseworker).join(caseworker_municipalities,
                                caseworker_municipalities.c.caseworker_id == Caseworker.id)
        .where(caseworker_municipalities.c.municipality_id == client.municipality_id, *linked)
        .order_by(Caseworker.id)
    )
    team = list(rows.unique())
    if team:
        return team
    admins = await session.scalars(select(Caseworker).where(*linked).order_by(Caseworker.id))
    return [caseworker for caseworker in admins if caseworker.is_admin]


async def next_office_hours(session: AsyncSession, *, caseworker_ids: list[int],
                            municipality_id: int, now: datetime, tz: ZoneInfo
                            ) -> datetime | None:
    """The start of the next office hours (of these caseworkers, else of the town)."""
    rows = list(await session.scalars(select(OfficeHours).where(
        OfficeHours.removed_at.is_(None),
        or_(OfficeHours.caseworker_id.in_(caseworker_ids),
            OfficeHours.municipality_id == municipality_id))))
    mine = [r for r in rows if r.caseworker_id in caseworker_ids] or rows
    today = now.astimezone(tz).date()
    best: datetime | None = None
    for offset in range(15):
        day = today + timedelta(days=offset)
        for hours in mine:
            if not _applies(hours, day):
                continue
            start = local_moment(day, hours.start_time, tz)
            end = local_moment(day, hours.end_time, tz)
            if start is None or end is None or end <= now:
                continue
            best = start if best is None or start < best else best
        if best is not None:
            return best
    return None


def _applies(hours: OfficeHours, day: date) -> bool:
    return (day.weekday() == hours.weekday and hours.valid_from <= day
            and (hours.valid_until is None or day <= hours.valid_until))


async def open_conversation(session: AsyncSession, client: Client, now: datetime
                            ) -> tuple[Conversation, bool]:
    """The client's conversation waiting for an answer, or a new one (True if new)."""
    conversation = await session.scalar(
        select(Conversation).where(Conversation.client_id == client.id,
                                   Conversation.closed_at.is_(None))
        .order_by(Conversation.id.desc()).limit(1).with_for_update()
    )
    if conversation is not None:
        return conversation, False
    conversation = Conversation(client_id=client.id, opened_at=now)
    session.add(conversation)
    await session.flush()
    return conversation, True


async def receive(session: AsyncSession, *, client_id: int, incoming: Incoming, now: datetime,
                  tz: ZoneInfo) -> Received:
    """Store a client's message and queue it for whoever answers now."""
    client = await session.get(Client, client_id)
    assert client is not None
    key = f"in:{incoming.chat_id}:{incoming.message_id}"
    earlier = await session.scalar(select(StoredMessage.id).where(StoredMessage.key == key))
    if earlier is not None:  # the same update once more: it is stored and queued already
        return Received([], False, None)
    conversation, first = await open_conversation(session, client, now)
    stored = StoredMessage(
        conversation_id=conversation.id, client_id=client.id, key=key, from_client=True,
        content=incoming.content, text=incoming.text, file_id=incoming.file_id,
        chat_id=incoming.chat_id, message_id=incoming.message_id,
        media_group_id=incoming.media_group_id, created_at=now,
    )
    session.add(stored)
    await session.flush()
    team = await recipients(session, client, now)
    if incoming.media_group_id and incoming.content in ALBUM_CONTENTS:
        keys = await relay_album(session, client=client, stored=stored, caseworkers=team,
                                 now=now)
    else:
        keys = await relay_to(session, client=client, stored=stored, caseworkers=team,
                              now=now, key_suffix="")
    hours = await next_office_hours(session, caseworker_ids=[c.id for c in team],
                                    municipality_id=client.municipality_id, now=now, tz=tz)
    return Received(keys, first, hours)


async def relay_to(session: AsyncSession, *, client: Client, stored: StoredMessage,
                   caseworkers: list[Caseworker], now: datetime, key_suffix: str) -> list[str]:
    """Queue one stored client message for these caseworkers; their outbox keys."""
    params = {
        "reference": client.reference, "language": client.language, "at": now.isoformat(),
        "content": stored.content, "text": stored.text, "msg": stored.id,
        "conversation": stored.conversation_id,
        "copy": None if stored.content == "text" else [stored.chat_id, stored.message_id],
    }
    if stored.content != "text":
        params["at"] = stored.created_at.isoformat()
    # (No client_id on these rows: it would make the outbox address the client, in the
    # client's language, and hold the relay back if the client ever blocked the bot.)
    keys = []
    for caseworker in caseworkers:
        assert caseworker.telegram_user_id is not None
        key = f"cv:{stored.chat_id}:{stored.message_id}:{caseworker.id}{key_suffix}"
        if stored.content == "video_note":  # the header goes first, as its own line
            await enqueue(session, key=key + ":h", chat_id=caseworker.telegram_user_id,
                          kind=RELAY, params={**params, "copy": None, "text": ""},
                          due_at=now, caseworker_id=caseworker.id)
            keys.append(key + ":h")
        await enqueue(session, key=key, chat_id=caseworker.telegram_user_id, kind=RELAY,
                      params=params, due_at=now, caseworker_id=caseworker.id)
        keys.append(key)
    return keys


async def relay_album(session: AsyncSession, *, client: Client, stored: StoredMessage,
                      caseworkers: list[Caseworker], now: datetime) -> list[str]:
    """Collect the photos of an album into one outbox row per caseworker (copy_messages),
    after a header with the buttons; a photo that comes after the album has gone is relayed
    on its own. Returns the keys to deliver at once (none: the album waits briefly)."""
    keys: list[str] = []
    for caseworker in caseworkers:
        assert caseworker.telegram_user_id is not None
        key = f"cv:album:{stored.chat_id}:{stored.media_group_id}:{caseworker.id}"
        row = await session.scalar(select(OutboxMessage).where(OutboxMessage.key == key)
                                   .with_for_update())
        if row is None:
            params = {
                "reference": client.reference, "language": client.language,
                "at": now.isoformat(), "content": "album", "text": stored.text,
                "msg": stored.id, "conversation": stored.conversation_id, "copy": None,
            }
            await enqueue(session, key=key + ":h", chat_id=caseworker.telegram_user_id,
                          kind=RELAY, params=params, due_at=now + ALBUM_WAIT,
                          caseworker_id=caseworker.id)
            await enqueue(session, key=key, chat_id=caseworker.telegram_user_id, kind=ALBUM,
                          params={"chat": stored.chat_id, "messages": [stored.message_id]},
                          due_at=now + ALBUM_WAIT, caseworker_id=caseworker.id)
        elif row.state is OutboxState.PENDING:
            row.params = {**row.params,
                          "messages": [*row.params["messages"], stored.message_id]}
        else:
            keys += await relay_to(session, client=client, stored=stored,
                                   caseworkers=[caseworker], now=now, key_suffix="")
    return keys


async def may_answer(session: AsyncSession, actor: Actor, client: Client, now: datetime
                     ) -> bool:
    """Staff of the client's town, or whoever stands in for the client's caseworker now."""
    if actor.may_touch(client.municipality_id):
        return True
    if client.caseworker_id is None:
        return False
    return (await on_duty(session, client.caseworker_id, now)).id == actor.caseworker_id


@dataclass(frozen=True)
class Answered:
    reference: str
    client_id: int
    answer_id: int  # the stored answer (its id makes the contact-time button idempotent)
    keys: list[str]


async def answer(session: AsyncSession, *, actor: Actor, client: Client, key: str,
                 now: datetime, tz: ZoneInfo, content: str = "text", text: str | None = None,
                 copy: tuple[int, int] | None = None, quick: int | None = None,
                 file_id: str | None = None) -> Answered | None:
    """Queue a caseworker's answer for the client and close the conversation.

    ``key`` names the caseworker's message or button press: the same one answers only once.
    None if the client cannot be reached through the bot.
    """
    if client.telegram_user_id is None:
        return None
    conversation, _ = await open_conversation(session, client, now)
    existing = await session.scalar(select(StoredMessage).where(
        StoredMessage.key == f"out:{key}"))
    if existing is not None:
        return Answered(client.reference, client.id, existing.id, [])
    caseworker = await session.get(Caseworker, actor.caseworker_id)
    assert caseworker is not None
    chat_id, message_id = copy or (actor.telegram_id or 0, 0)
    if quick is not None:
        text = QUICK_REPLIES[quick][1]
        content = "quick"
    stored = StoredMessage(
        conversation_id=conversation.id, client_id=client.id, caseworker_id=caseworker.id,
        key=f"out:{key}", from_client=False, content=content, text=text, file_id=file_id,
        chat_id=chat_id, message_id=message_id, created_at=now,
    )
    session.add(stored)
    conversation.closed_at = now
    await session.flush()
    params: dict[str, object] = {"name": caseworker.name, "text": text,
                                 "copy": list(copy) if copy else None, "quick": quick}
    if quick is not None and "%(day)s" in QUICK_REPLIES[quick][1]:
        team = await recipients(session, client, now)
        day = await next_office_hours(
            session, caseworker_ids=[caseworker.id] + [c.id for c in team],
            municipality_id=client.municipality_id, now=now, tz=tz)
        params["day"] = day.isoformat() if day else None
    out_key = f"ans:{key}"
    await enqueue(session, key=out_key, chat_id=client.telegram_user_id, kind=ANSWER,
                  params=params, due_at=now, client_id=client.id)
    return Answered(client.reference, client.id, stored.id, [out_key])


async def client_of_message(session: AsyncSession, stored_id: int) -> Client | None:
    stored = await session.get(StoredMessage, stored_id)
    return None if stored is None else await session.get(Client, stored.client_id)


async def client_by_reference(session: AsyncSession, reference: str) -> Client | None:
    return await session.scalar(select(Client).where(Client.reference == reference.upper()))


async def urgent_request(session: AsyncSession, *, client_id: int, now: datetime
                         ) -> list[str]:
    """Mark the case urgent and tell whoever answers now, at once (also in quiet hours)."""
    client = await session.get(Client, client_id)
    assert client is not None
    conversation, _ = await open_conversation(session, client, now)
    if conversation.urgent_at is None:
        conversation.urgent_at = now
    keys = []
    for caseworker in await recipients(session, client, now):
        assert caseworker.telegram_user_id is not None
        key = f"urgent:{conversation.id}:{caseworker.id}"
        await enqueue(session, key=key, chat_id=caseworker.telegram_user_id, kind=URGENT,
                      params={"reference": client.reference, "language": client.language,
                              "conversation": conversation.id},
                      due_at=now, urgent=True, caseworker_id=caseworker.id)
        keys.append(key)
    return keys
