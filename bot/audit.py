"""Write audit entries: every access to a case and every refused action."""

from __future__ import annotations

import hashlib
import hmac

from sqlalchemy.ext.asyncio import AsyncSession

from bot.roles import Actor, Role
from models import AuditLog

# The key of the hash that stands for a stranger's Telegram id (LOTSE_AUDIT_KEY). This default
# is for tests and development only; README "Configuration" asks production to set its own.
DEFAULT_AUDIT_KEY = "lotse-development-audit-key"
_key = [DEFAULT_AUDIT_KEY.encode()]


def set_audit_key(key: str) -> None:
    """Called once at start-up with the configured key."""
    _key[0] = key.encode()


def actor_key(telegram_id: int) -> str:
    """A keyed hash of a Telegram id: the same person gives the same key (a flood can be
    traced), but the id cannot be read back without the key."""
    return hmac.new(_key[0], str(telegram_id).encode(), hashlib.sha256).hexdigest()[:24]


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
    stranger = actor.role is Role.STRANGER and actor.telegram_id is not None
    session.add(
        AuditLog(
            # Nothing with a stranger's Telegram id is stored before consent.
            actor_telegram_id=None if stranger else actor.telegram_id,
            actor_key=actor_key(actor.telegram_id) if stranger and actor.telegram_id else None,
            actor_role=actor.role.value,
            action=action[:64],
            target=target[:64] if target else None,
            allowed=allowed,
            detail=detail[:200] if detail else None,
        )
    )
