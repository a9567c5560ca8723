"""Database layer: SQLAlchemy 2 models, sessions, queries and Alembic migrations.

Knows only SQLAlchemy; nothing here imports ``telegram`` or the ``bot`` package.
"""

from models.audit import AuditLog
from models.base import Base
from models.contact import ContactRequest
from models.invite import Invite, InviteKind
from models.municipality import Location, Municipality
from models.outbox import OutboxMessage, OutboxState
from models.people import Caseworker, CaseworkerRole, Client, ClientStatus

__all__ = [
    "AuditLog",
    "Base",
    "Caseworker",
    "CaseworkerRole",
    "Client",
    "ClientStatus",
    "ContactRequest",
    "Invite",
    "InviteKind",
    "Location",
    "Municipality",
    "OutboxMessage",
    "OutboxState",
]
