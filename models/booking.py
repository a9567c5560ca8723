"""Consultation booking: office hours, one-off blocks, absences and the bookings themselves.

Office hours are local wall-clock times (Europe/Berlin) with a weekday, so that a Monday
09:00 stays 09:00 across daylight-saving changes; blocks, absences and bookings are moments
in UTC. One slot can never be booked twice: a partial unique index on (caseworker, start)
covers every booking that is not cancelled, so cancelling frees the slot again.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Time,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, str_enum, utcnow
from models.municipality import Location, Municipality
from models.people import Caseworker, Client


class Topic(enum.StrEnum):
    """What a client wants to talk about (optional); stored, never put in a notification."""

    DOCUMENTS = "documents"
    WORK = "work"
    HOUSING = "housing"
    SCHOOL = "school"
    HEALTH = "health"
    RESIDENCE = "residence"
    OTHER = "other"


# Special categories (DESIGN "Privacy and safety"): never named in a Telegram message.
SENSITIVE_TOPICS = frozenset({Topic.HEALTH, Topic.RESIDENCE})


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class CancelReason(enum.StrEnum):
    CLIENT = "client"
    STAFF = "staff"
    ABSENCE = "absence"  # the caseworker is away; the client was asked to choose anew
    MOVED = "moved"  # replaced by a new booking (rescheduled_from points back here)



class OfficeHours(Base):
    """A weekly consultation time of one caseworker at one location, e.g. Mon 09:00–12:00."""

    __tablename__ = "office_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday"),
        CheckConstraint("end_time > start_time", name="time_range"),
        CheckConstraint("slot_minutes > 0", name="slot_minutes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time())  # local wall-clock time
    end_time: Mapped[time] = mapped_column(Time())
    slot_minutes: Mapped[int]
    valid_from: Mapped[date] = mapped_column(Date())
    valid_until: Mapped[date | None] = mapped_column(Date())  # inclusive; None: open-ended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Removed hours are kept (bookings and history refer to them) but offer no slots.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    caseworker: Mapped[Caseworker] = relationship()
    municipality: Mapped[Municipality] = relationship()
    location: Mapped[Location] = relationship()


class TimeBlock(Base):
    """One-off time in which a caseworker offers no slots: a holiday, a meeting, sickness."""

    __tablename__ = "time_blocks"
    __table_args__ = (CheckConstraint("end_at > start_at", name="range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"), index=True)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(100))  # seen by staff only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Absence(Base):
    """A caseworker is away; the substitute gets their booking notifications meanwhile."""

    __tablename__ = "absences"
    __table_args__ = (CheckConstraint("end_at > start_at", name="range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"), index=True)
    substitute_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())  # exclusive
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    caseworker: Mapped[Caseworker] = relationship(foreign_keys=[caseworker_id])
    substitute: Mapped[Caseworker] = relationship(foreign_keys=[substitute_id])


class Booking(Base):
    """A client's consultation with a caseworker at one place and time."""

    __tablename__ = "bookings"
    __table_args__ = (
        # The guarantee against double booking, checked by the database itself.
        Index(
            "uq_bookings_active_slot",
            "caseworker_id",
            "start_at",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_bookings_caseworker_start", "caseworker_id", "start_at"),
        Index("ix_bookings_client_start", "client_id", "start_at"),
        CheckConstraint("end_at > start_at", name="range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    caseworker_id: Mapped[int] = mapped_column(ForeignKey("caseworkers.id"))
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    location_id: Mapped[int] = mapped_column(ForeignKey("locations.id"))
    office_hours_id: Mapped[int | None] = mapped_column(ForeignKey("office_hours.id"))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime())
    end_at: Mapped[datetime] = mapped_column(UTCDateTime())
    topic: Mapped[Topic | None] = mapped_column(str_enum(Topic, "booking_topic"))
    status: Mapped[BookingStatus] = mapped_column(
        str_enum(BookingStatus, "booking_status"), default=BookingStatus.BOOKED
    )
    cancel_reason: Mapped[CancelReason | None] = mapped_column(
        str_enum(CancelReason, "booking_cancel_reason")
    )
    rescheduled_from_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # done / no-show

    client: Mapped[Client] = relationship()
    caseworker: Mapped[Caseworker] = relationship()
    location: Mapped[Location] = relationship()

    @property
    def active(self) -> bool:
        return self.status is BookingStatus.BOOKED
