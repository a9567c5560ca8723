"""Waste collection zones and their collection dates, imported from providers' iCalendar files."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime, utcnow
from models.municipality import Municipality


class WasteZone(Base):
    """A collection zone (Abfuhrbezirk) of one municipality; clients pick theirs."""

    __tablename__ = "waste_zones"
    __table_args__ = (UniqueConstraint("municipality_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    name: Mapped[str] = mapped_column(String(60))
    source: Mapped[str] = mapped_column(String(200), default="")  # file of the last import
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    municipality: Mapped[Municipality] = relationship()


class WasteCollection(Base):
    """One bin collected on one day in one zone.

    ``kind`` is a known bin type (``restmuell``, ``bio`` …) or ``other``; ``name_de`` is the
    German name, as on the provider's calendar for unknown types.
    """

    __tablename__ = "waste_collections"
    __table_args__ = (UniqueConstraint("zone_id", "day", "kind", "name_de"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(ForeignKey("waste_zones.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    name_de: Mapped[str] = mapped_column(String(120))
