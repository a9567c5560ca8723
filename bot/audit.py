"""Write audit entries: every access to a case and every refused action."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Actor
from models import AuditLog


def audit(
    session: AsyncSession,
    *,
    actor: Actor,
    action: str,
    target: str | None = None,
    allowed: bool = True,
    detail: str | None = None,
) -> None:
    """Add an audit row to the caller's unit of work (it commits with the change it records)."""
    session.add(
        AuditLog(
            actor_telegram_id=actor.telegram_id,
            actor_role=actor.role.value,
            action=action[:64],
            target=target[:64] if target else None,
            allowed=allowed,
            detail=detail[:200] if detail else None,
        )
    )
