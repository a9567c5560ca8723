"""'Please contact me' requests from people the team does not know yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from bot.text_limits import truncate
from models import Caseworker, ContactRequest, Municipality

# A second press within this time does not create a second request for the team.
REPEAT_WINDOW = timedelta(days=7)
MAX_NAME = 120  # of the Telegram name, in UTF-16 code units as Telegram counts them


@dataclass(frozen=True)
class ContactOutcome:
    request: ContactRequest
    created: bool
    notify: list[Caseworker]  # linked caseworkers of that municipality (else admins)


async def request_contact(
    session: AsyncSession,
    *,
    telegram_id: int,
    name: str,
    username: str | None,
    language: str,
    municipality: Municipality,
    now: datetime,
) -> ContactOutcome:
    """Record the request once per week and person; say which caseworkers to tell."""
    recent = await session.scalar(
        select(ContactRequest).where(
            ContactRequest.telegram_user_id == telegram_id,
            ContactRequest.handled_at.is_(None),
            ContactRequest.created_at > now - REPEAT_WINDOW,
        )
    )
    if recent is not None:
        return ContactOutcome(request=recent, created=False, notify=[])
    request = ContactRequest(
        telegram_user_id=telegram_id,
        name=truncate(name, MAX_NAME) or "?",
        username=username,
        language=language,
        municipality_id=municipality.id,
        created_at=now,
    )
    session.add(request)
    await session.flush()
    caseworkers = await session.scalars(
        select(Caseworker)
        .where(Caseworker.active.is_(True), Caseworker.telegram_user_id.is_not(None))
        .options(selectinload(Caseworker.municipalities))
        .order_by(Caseworker.id)
    )
    staff = list(caseworkers)
    notify = [c for c in staff if municipality in c.municipalities]
    # Nobody linked for that municipality yet: the admins hear of it, so no request is lost.
    notify = notify or [c for c in staff if c.is_admin]
    return ContactOutcome(request=request, created=True, notify=notify)
