"""What clients want to be reminded of: their settings, children and external appointments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.people import Client
from models.waste import WasteZone


class ReminderSettings(Base):
    """One row per client who changed a setting or chose a waste zone; no row = all on."""

    __tablename__ = "reminder_settings"

    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True
    )
    appointments: Mapped[bool] = mapped_column(default=True)
    waste: Mapped[bool] = mapped_column(default=True)
    school: Mapped[bool] = mapped_column(default=True)
    paused: Mapped[bool] = mapped_column(default=False)
    waste_zone_id: Mapped[int | None] = mapped_column(
        ForeignKey("waste_zones.id", ondelete="SET NULL"), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    waste_zone: Mapped[WasteZone | None] = relationship()


class ChildPlace(enum.StrEnum):
    SCHOOL = "school"
    KITA = "kita"


class Child(Base):
    """A child at school or Kita; a first name or "child 1" is enough (data minimisation)."""

    __tablename__ = "children"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(40))  # as the family writes it
    # As the school writes it, in Latin letters, for German texts to a school or an office;
    # None when the family's spelling is already Latin or not yet confirmed.
    school_name: Mapped[str | None] = mapped_column(String(40), default=None)
    place: Mapped[ChildPlace] = mapped_column(str_enum(ChildPlace, "child_place"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AppointmentKind(enum.StrEnum):
    AUSLAENDERBEHOERDE = "auslaenderbehoerde"
    JOBCENTER = "jobcenter"
    DOCTOR = "doctor"
    SCHOOL = "school"
    KITA = "kita"
    OTHER = "other"


class ExternalAppointment(Base):
    """An appointment elsewhere (Ausländerbehörde, Jobcenter …) a caseworker entered."""

    __tablename__ = "external_appointments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), index=True
    )
    caseworker_id: Mapped[int | None] = mapped_column(
        ForeignKey("caseworkers.id", ondelete="SET NULL")
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    kind: Mapped[AppointmentKind] = mapped_column(str_enum(AppointmentKind, "appointment_kind"))
    description: Mapped[str | None] = mapped_column(String(80))  # for "other"
    place_name: Mapped[str] = mapped_column(String(120))  # in German, as on the sign
    place_address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    client: Mapped[Client] = relationship()
