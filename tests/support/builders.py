"""One-line builders for people in the database, and translators for expected texts."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import Translator
from bot.onboarding.invites import create_caseworker_invite, create_client_invite
from models import Caseworker, CaseworkerRole, Client, ClientStatus, Municipality

BERLIN = ZoneInfo("Europe/Berlin")


def tr(language: str) -> Translator:
    return Translator(language, BERLIN)


async def municipality(session: AsyncSession, key: str) -> Municipality:
    row = await session.scalar(select(Municipality).where(Municipality.key == key))
    assert row is not None, f"municipality {key} not synced"
    return row


async def add_caseworker(
    sessions: async_sessionmaker[AsyncSession], *, telegram_id: int, name: str = "Frau Berger",
    towns: tuple[str, ...] = ("cleebronn",), admin: bool = False, language: str = "de",
) -> int:
    """A caseworker already linked to a Telegram account; returns the row id."""
    async with sessions() as session, session.begin():
        rows = [await municipality(session, key) for key in towns]
        caseworker = Caseworker(
            name=name, role=CaseworkerRole.ADMIN if admin else CaseworkerRole.CASEWORKER,
            language=language, telegram_user_id=telegram_id, municipalities=rows,
        )
        session.add(caseworker)
        await session.flush()
        return caseworker.id


async def add_client(
    sessions: async_sessionmaker[AsyncSession], *, telegram_id: int, name: str = "Olena",
    town: str = "cleebronn", language: str = "uk", now: datetime,
) -> str:
    """A client who has consented already; returns the case reference."""
    async with sessions() as session, session.begin():
        created = await create_client_invite(
            session, display_name=name, municipality=await municipality(session, town),
            language=language, created_by=None, now=now,
        )
        client = created.invite.client
        assert client is not None
        client.telegram_user_id = telegram_id
        client.status = ClientStatus.ACTIVE
        client.consent_at = now
        created.invite.used_at = now
        return client.reference


async def client_invite(
    sessions: async_sessionmaker[AsyncSession], *, name: str = "Olena", town: str = "cleebronn",
    language: str = "", now: datetime,
) -> str:
    """An open client invite; returns the code."""
    async with sessions() as session, session.begin():
        created = await create_client_invite(
            session, display_name=name, municipality=await municipality(session, town),
            language=language, created_by=None, now=now,
        )
        return created.code


async def caseworker_invite(
    sessions: async_sessionmaker[AsyncSession], *, name: str = "Herr Aydin",
    towns: tuple[str, ...] = ("brackenheim",), admin: bool = False, now: datetime,
) -> str:
    async with sessions() as session, session.begin():
        created = await create_caseworker_invite(
            session, name=name, municipalities=[await municipality(session, k) for k in towns],
            admin=admin, created_by=None, now=now,
        )
        return created.code


async def client_by_reference(
    sessions: async_sessionmaker[AsyncSession], reference: str
) -> Client:
    async with sessions() as session:
        client = await session.scalar(select(Client).where(Client.reference == reference))
        assert client is not None
        return client
