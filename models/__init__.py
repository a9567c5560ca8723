"""Database layer: SQLAlchemy 2 models, sessions, queries and Alembic migrations.

Knows only SQLAlchemy; nothing here imports ``telegram`` or the ``bot`` package.
"""

from models.audit import AuditLog
from models.base import Base
from models.booking import (
    Absence,
    Booking,
    BookingStatus,
    CancelReason,
    OfficeHours,
    TimeBlock,
    Topic,
)
from models.broadcast import Broadcast, BroadcastState
from models.casework import (
    CaseDetails,
    ClosedQuarter,
    ContactEntry,
    ContactKind,
    GoalStatus,
    PlanArea,
    PlanGoal,
)
from models.contact import ContactRequest
from models.conversation import Conversation, StoredMessage
from models.invite import Invite, InviteKind
from models.invoice import CREDIT_NOTE, INVOICE, Invoice, InvoiceCounter
from models.municipality import Location, Municipality
from models.outbox import OPEN_STATES, OutboxMessage, OutboxState
from models.people import Caseworker, CaseworkerRole, Client, ClientStatus
from models.reminders import (
    AppointmentKind,
    Child,
    ChildPlace,
    ExternalAppointment,
    ReminderSettings,
)
from models.waste import WasteCollection, WasteZone

__all__ = [
    "CREDIT_NOTE",
    "INVOICE",
    "OPEN_STATES",
    "Absence",
    "AppointmentKind",
    "AuditLog",
    "Base",
    "Booking",
    "BookingStatus",
    "Broadcast",
    "BroadcastState",
    "CancelReason",
    "CaseDetails",
    "Caseworker",
    "CaseworkerRole",
    "Child",
    "ChildPlace",
    "Client",
    "ClientStatus",
    "ClosedQuarter",
    "ContactEntry",
    "ContactKind",
    "ContactRequest",
    "Conversation",
    "ExternalAppointment",
    "GoalStatus",
    "Invite",
    "InviteKind",
    "Invoice",
    "InvoiceCounter",
    "Location",
    "Municipality",
    "OfficeHours",
    "OutboxMessage",
    "OutboxState",
    "PlanArea",
    "PlanGoal",
    "ReminderSettings",
    "StoredMessage",
    "TimeBlock",
    "Topic",
    "WasteCollection",
    "WasteZone",
]
