"""The inbox's choice of conversations, chosen in SQL for county scale (instead of a check
per waiting conversation): the towns' conversations and those of an absent colleague."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversation.inbox import inbox
from bot.roles import resolve_actor
from models import Absence, Client, Conversation, StoredMessage
from tests.support.builders import add_caseworker, add_client

NOW = datetime(2026, 3, 10, 9, tzinfo=UTC)


async def test_inbox_holds_the_towns_conversations_and_those_of_an_absent_colleague(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    berger = await add_caseworker(sessions, telegram_id=811, towns=("cleebronn",))
    roth = await add_caseworker(sessions, telegram_id=813, name="Herr Roth",
                                towns=("brackenheim",))
    for n, (name, town) in enumerate((("Olena", "cleebronn"), ("Omid", "brackenheim"))):
        await add_client(sessions, telegram_id=5400 + n, name=name, town=town,
                         now=NOW - timedelta(days=10))
    async with sessions() as session, session.begin():
        for n, client in enumerate(await session.scalars(select(Client).order_by(Client.id))):
            client.caseworker_id = berger if client.display_name == "Olena" else roth
            talk = Conversation(client_id=client.id, opened_at=NOW - timedelta(hours=5 - n))
            session.add(talk)
            await session.flush()
            for m, words in enumerate(("Guten Tag", "one two three four five six seven")):
                session.add(StoredMessage(
                    conversation_id=talk.id, client_id=client.id, key=f"k{n}{m}",
                    from_client=True, content="text", text=words, chat_id=5400 + n,
                    message_id=m, created_at=NOW - timedelta(hours=5 - n, minutes=-m)))
    async with sessions() as session:
        actor = await resolve_actor(session, telegram_id=813, first_name="Paul",
                                    admin_ids=frozenset())
        assert [i.first_words for i in await inbox(session, actor=actor, now=NOW)] == [
            "Guten Tag"]
    async with sessions() as session, session.begin():
        session.add(Absence(caseworker_id=berger, substitute_id=roth,
                            start_at=NOW - timedelta(days=1), end_at=NOW + timedelta(days=1)))
    async with sessions() as session:
        actor = await resolve_actor(session, telegram_id=813, first_name="Paul",
                                    admin_ids=frozenset())
        items = await inbox(session, actor=actor, now=NOW)
        # Oldest first; the first message's words, and the absent colleague's client too.
        assert [i.reference for i in items] == ["C-0001", "C-0002"]
        assert items[0].first_words == "Guten Tag"
        berger_actor = await resolve_actor(session, telegram_id=811, first_name="Anna",
                                           admin_ids=frozenset())
        assert [i.reference for i in await inbox(session, actor=berger_actor, now=NOW)] == [
            "C-0001"]
        later = await inbox(session, actor=actor, now=NOW + timedelta(days=2))
        assert [i.reference for i in later] == ["C-0002"]  # the absence is over
