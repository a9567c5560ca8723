"""Who is writing: stranger, client, caseworker or admin, and what they may touch."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.text_limits import truncate
from models import Caseworker, CaseworkerRole, Client, ClientStatus, Municipality


class Role(enum.StrEnum):
    STRANGER = "stranger"
    CLIENT = "client"
    CASEWORKER = "caseworker"
    ADMIN = "admin"


EVERYONE = frozenset(Role)
CLIENTS = frozenset({Role.CLIENT})
STAFF = frozenset({Role.CASEWORKER, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})


@dataclass(frozen=True)
class Actor:
    """The person behind an update, as far as authorization and language are concerned."""

    telegram_id: int | None
    role: Role
    language: str | None  # None: not chosen yet, use Telegram's language_code
    name: str = ""
    client_id: int | None = None
    caseworker_id: int | None = None
    municipality_ids: frozenset[int] = frozenset()

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    def may_touch(self, municipality_id: int) -> bool:
        """Whether this person may see or change data of that municipality."""
        if self.role is Role.ADMIN:
            return True
        return self.role is Role.CASEWORKER and municipality_id in self.municipality_ids


async def resolve_actor(
    session: AsyncSession, *, telegram_id: int, first_name: str, admin_ids: frozenset[int]
) -> Actor:
    """Look the Telegram user up; configured admins get a caseworker row on first contact."""
    caseworker = await session.scalar(
        select(Caseworker)
        .where(Caseworker.telegram_user_id == telegram_id)
        .options(selectinload(Caseworker.municipalities))
    )
    if caseworker is None and telegram_id in admin_ids:
        caseworker = Caseworker(
            name=truncate(first_name, 120) or "Admin",
            role=CaseworkerRole.ADMIN,
            language="de",
            telegram_user_id=telegram_id,
            municipalities=[],
        )
        session.add(caseworker)
        await session.flush()
    if caseworker is not None and caseworker.active:
        is_admin = caseworker.is_admin or telegram_id in admin_ids
        if is_admin:
            ids = frozenset((await session.scalars(select(Municipality.id))).all())
        else:
            ids = frozenset(m.id for m in caseworker.municipalities)
        return Actor(
            telegram_id=telegram_id,
            role=Role.ADMIN if is_admin else Role.CASEWORKER,
            language=caseworker.language,
            name=caseworker.name,
            caseworker_id=caseworker.id,
            municipality_ids=ids,
        )
    client = await session.scalar(select(Client).where(Client.telegram_user_id == telegram_id))
    if client is not None and client.status is not ClientStatus.INVITED:
        return Actor(
            telegram_id=telegram_id,
            role=Role.CLIENT,
            language=client.language,
            name=client.display_name,
            client_id=client.id,
            municipality_ids=frozenset({client.municipality_id}),
        )
    return Actor(telegram_id=telegram_id, role=Role.STRANGER, language=None, name=first_name)
