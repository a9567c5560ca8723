"""Who is writing: stranger, client, caseworker or admin, and what they may touch."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    String,
    bindparam,
    cast,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession

from bot.text_limits import truncate
from models import Caseworker, CaseworkerRole, Client, ClientStatus, Municipality
from models.people import caseworker_municipalities
from models.readers import Reader, read_rows


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


# Who a Telegram user is, in one round trip (an update's only query before its handler): their
# caseworker row and their client row, if any, with whether each is marked unreachable. Built
# once, so SQLAlchemy compiles it once.
_PERSON: CompoundSelect[Any] = union_all(
    select(
        literal(True).label("staff"), Caseworker.id, Caseworker.name, Caseworker.language,
        cast(Caseworker.role, String).label("kind"), Caseworker.active,
        null().label("municipality_id"),
        Caseworker.unreachable_since.is_not(None).label("unreachable"),
    ).where(Caseworker.telegram_user_id == bindparam("telegram_id")),
    select(
        literal(False), Client.id, Client.display_name, Client.language,
        cast(Client.status, String), literal(True), Client.municipality_id,
        Client.unreachable_since.is_not(None),
    ).where(Client.telegram_user_id == bindparam("telegram_id")),
)


@dataclass(frozen=True)
class Identity:
    """The actor, and whether a row of theirs says they blocked the bot (see mark_reachable)."""

    actor: Actor
    unreachable: bool = False


async def resolve_actor(
    session: AsyncSession, *, telegram_id: int, first_name: str, admin_ids: frozenset[int]
) -> Actor:
    """Look the Telegram user up; configured admins get a caseworker row on first contact."""
    identity = await identify(session, telegram_id=telegram_id, first_name=first_name,
                              admin_ids=admin_ids)
    return identity.actor


async def person_rows(reader: Reader, telegram_id: int) -> Sequence[Any]:
    """The rows :func:`identify` reads, through a reader of their own (SQLite)."""
    return await reader.rows(_PERSON, {"telegram_id": telegram_id})


def settle(rows: Sequence[Any], *, telegram_id: int, first_name: str,
           admin_ids: frozenset[int]) -> Identity | None:
    """The identity from ``person_rows`` alone when nothing more is needed — a client or a
    stranger whom no row marks unreachable — else None: staff need their towns, a configured
    admin may need a row, a marked person is marked reachable again (:func:`identify`)."""
    if telegram_id in admin_ids or any(row.staff or row.unreachable for row in rows):
        return None
    return Identity(_client_or_stranger(next(iter(rows), None), telegram_id, first_name))


async def identify(
    session: AsyncSession, *, telegram_id: int, first_name: str, admin_ids: frozenset[int],
    rows: Sequence[Any] | None = None,
) -> Identity:
    """:func:`resolve_actor`, telling also whether they are marked unreachable (``rows``: what
    ``person_rows`` read already)."""
    if rows is None:
        rows = await read_rows(session, _PERSON, {"telegram_id": telegram_id})
    caseworker: Any = next((row for row in rows if row.staff), None)
    client = next((row for row in rows if not row.staff), None)
    unreachable = any(row.unreachable for row in rows)
    if caseworker is None and telegram_id in admin_ids:
        created = Caseworker(
            name=truncate(first_name, 120) or "Admin",
            role=CaseworkerRole.ADMIN,
            language="de",
            telegram_user_id=telegram_id,
            municipalities=[],
        )
        session.add(created)
        await session.flush()
        caseworker = _Staff(created.id, created.name, created.language, created.role.value)
    if caseworker is not None and caseworker.active:
        is_admin = caseworker.kind == CaseworkerRole.ADMIN or telegram_id in admin_ids
        if is_admin:
            ids = frozenset((await session.scalars(select(Municipality.id))).all())
        else:
            ids = frozenset((await session.scalars(
                select(caseworker_municipalities.c.municipality_id)
                .where(caseworker_municipalities.c.caseworker_id == caseworker.id))).all())
        return Identity(Actor(
            telegram_id=telegram_id,
            role=Role.ADMIN if is_admin else Role.CASEWORKER,
            language=caseworker.language,
            name=caseworker.name,
            caseworker_id=caseworker.id,
            municipality_ids=ids,
        ), unreachable)
    return Identity(_client_or_stranger(client, telegram_id, first_name), unreachable)


def _client_or_stranger(client: Any, telegram_id: int, first_name: str) -> Actor:
    if client is not None and client.kind != ClientStatus.INVITED:
        return Actor(
            telegram_id=telegram_id,
            role=Role.CLIENT,
            language=client.language,
            name=client.name,
            client_id=client.id,
            municipality_ids=frozenset({client.municipality_id}),
        )
    return Actor(telegram_id=telegram_id, role=Role.STRANGER, language=None, name=first_name)


@dataclass(frozen=True)
class _Staff:
    """A caseworker row created for a configured admin, shaped like a row of ``_PERSON``."""

    id: int
    name: str
    language: str
    kind: str
    active: bool = True
