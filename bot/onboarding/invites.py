"""Single-use invite codes: create them, check them and redeem them exactly once.

The code travels only in the deep link; the database keeps its SHA-256 hash, so a leaked
database does not leak usable links.
"""

from __future__ import annotations

import enum
import hashlib
import io
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from models import (
    Caseworker,
    CaseworkerRole,
    Client,
    ClientStatus,
    Invite,
    InviteKind,
    Municipality,
)

INVITE_VALIDITY = timedelta(days=14)
MAX_NAME = 60  # a first name or pseudonym, in UTF-16 code units as Telegram counts them
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")  # 16 random bytes, URL-safe base64


class InviteState(enum.StrEnum):
    VALID = "valid"
    MALFORMED = "malformed"
    UNKNOWN = "unknown"  # well-formed but never issued (forged or mistyped)
    EXPIRED = "expired"
    USED = "used"
    ALREADY_REGISTERED = "already_registered"  # this Telegram account is already linked


@dataclass(frozen=True)
class CreatedInvite:
    code: str
    expires_at: datetime
    invite: Invite


@dataclass(frozen=True)
class InviteCheck:
    state: InviteState
    invite: Invite | None = None


def hash_code(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def deep_link(bot_username: str, code: str) -> str:
    return f"https://t.me/{bot_username}?start={code}"


def qr_png(link: str) -> bytes:
    """A printable QR code of the link, as PNG bytes."""
    import qrcode  # only when a code is printed: it brings Pillow along

    image = qrcode.make(link, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _new_invite(kind: InviteKind, *, created_by: Caseworker | None, now: datetime) -> tuple[
    str, Invite
]:
    code = secrets.token_urlsafe(16)
    invite = Invite(
        code_hash=hash_code(code),
        kind=kind,
        created_by_id=created_by.id if created_by else None,
        created_at=now,
        expires_at=now + INVITE_VALIDITY,
    )
    return code, invite


async def create_client_invite(
    session: AsyncSession,
    *,
    display_name: str,
    municipality: Municipality,
    language: str,
    created_by: Caseworker | None,
    now: datetime,
) -> CreatedInvite:
    """Create the (not yet consenting) client with a case reference, and their invite."""
    client = Client(
        reference=f"tmp-{uuid.uuid4().hex[:12]}",
        display_name=display_name,
        language=language,
        municipality_id=municipality.id,
        caseworker_id=created_by.id if created_by and not created_by.is_admin else None,
        status=ClientStatus.INVITED,
        created_at=now,
    )
    session.add(client)
    await session.flush()
    # The reference comes from the row id, so two caseworkers inviting at once never clash.
    client.reference = f"C-{client.id:04d}"
    code, invite = _new_invite(InviteKind.CLIENT, created_by=created_by, now=now)
    invite.client = client
    session.add(invite)
    await session.flush()
    return CreatedInvite(code=code, expires_at=invite.expires_at, invite=invite)


async def create_caseworker_invite(
    session: AsyncSession,
    *,
    name: str,
    municipalities: list[Municipality],
    admin: bool,
    created_by: Caseworker | None,
    now: datetime,
) -> CreatedInvite:
    caseworker = Caseworker(
        name=name,
        role=CaseworkerRole.ADMIN if admin else CaseworkerRole.CASEWORKER,
        language="de",
        municipalities=list(municipalities),
        created_at=now,
    )
    session.add(caseworker)
    await session.flush()
    code, invite = _new_invite(InviteKind.CASEWORKER, created_by=created_by, now=now)
    invite.caseworker = caseworker
    session.add(invite)
    await session.flush()
    return CreatedInvite(code=code, expires_at=invite.expires_at, invite=invite)


async def check_invite(session: AsyncSession, code: str, *, now: datetime) -> InviteCheck:
    """Tell whether a code from a deep link can be redeemed, without changing anything."""
    if not CODE_PATTERN.match(code):
        return InviteCheck(InviteState.MALFORMED)
    invite = await session.scalar(
        select(Invite)
        .where(Invite.code_hash == hash_code(code))
        .options(
            selectinload(Invite.client).selectinload(Client.municipality),
            selectinload(Invite.caseworker).selectinload(Caseworker.municipalities),
        )
    )
    if invite is None:
        return InviteCheck(InviteState.UNKNOWN)
    if invite.used_at is not None:
        return InviteCheck(InviteState.USED, invite)
    if invite.expires_at <= now:
        return InviteCheck(InviteState.EXPIRED, invite)
    return InviteCheck(InviteState.VALID, invite)


async def _is_linked(session: AsyncSession, telegram_id: int) -> bool:
    client = await session.scalar(
        select(Client.id).where(
            Client.telegram_user_id == telegram_id, Client.status != ClientStatus.INVITED
        )
    )
    caseworker = await session.scalar(
        select(Caseworker.id).where(Caseworker.telegram_user_id == telegram_id)
    )
    return client is not None or caseworker is not None


async def redeem_invite(
    session: AsyncSession, code: str, *, telegram_id: int, now: datetime
) -> InviteCheck:
    """Use the code once and link the Telegram account to its client or caseworker.

    For clients this is the moment of consent: nothing about the Telegram account is stored
    before it. The conditional UPDATE makes two simultaneous redemptions impossible.
    """
    check = await check_invite(session, code, now=now)
    if check.state is not InviteState.VALID or check.invite is None:
        return check
    if await _is_linked(session, telegram_id):
        return InviteCheck(InviteState.ALREADY_REGISTERED, check.invite)
    claimed = await session.execute(
        update(Invite)
        .where(Invite.id == check.invite.id, Invite.used_at.is_(None), Invite.expires_at > now)
        .values(used_at=now, used_by_telegram_id=telegram_id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return InviteCheck(InviteState.USED, check.invite)
    invite = check.invite
    if invite.kind is InviteKind.CLIENT and invite.client is not None:
        invite.client.telegram_user_id = telegram_id
        invite.client.consent_at = now
        invite.client.status = ClientStatus.ACTIVE
    elif invite.caseworker is not None:
        invite.caseworker.telegram_user_id = telegram_id
    await session.flush()
    return InviteCheck(InviteState.VALID, invite)
