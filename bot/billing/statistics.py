"""Figures for the funding report, per quarter and municipality.

Counted by the local date of the work (not by the quarter an entry is billed in), without
corrections. Bookings come from the booking feature's table when the schema has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Table, and_, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.quarters import Quarter
from models import (
    Base,
    CaseDetails,
    Client,
    ClientStatus,
    ContactEntry,
    ContactKind,
    GoalStatus,
    Municipality,
    PlanGoal,
)

BOOKING_COLUMNS = ("municipality_id", "start_at", "status")


@dataclass(frozen=True)
class QuarterStatistics:
    municipality_key: str
    municipality_name: str
    quarter: Quarter
    clients_served: int  # clients with at least one contact in the quarter
    new_clients: int  # clients whose care began in the quarter
    consultations: int
    contacts: int  # entries with a client, any kind
    group_events: int
    bookings: int
    no_shows: int
    bookings_available: bool  # False: this installation has no booking table yet
    clients_with_goals_reached: int
    goals_reached: int


def bookings_table() -> Table | None:
    """The booking feature's table, if the schema has one with the columns needed here."""
    table = Base.metadata.tables.get("bookings")
    if table is None or not all(name in table.c for name in BOOKING_COLUMNS):
        return None
    return table


async def _bookings(session: AsyncSession, municipality_id: int, quarter: Quarter,
                    timezone: ZoneInfo) -> tuple[int, int] | None:
    table = bookings_table()
    if table is None:
        return None
    start, end = quarter.bounds(timezone)
    row = (await session.execute(
        select(func.count(), func.count().filter(table.c.status == "no_show"))
        .where(table.c.municipality_id == municipality_id, table.c.start_at >= start,
               table.c.start_at < end, table.c.status != "cancelled"))).one()
    return int(row[0]), int(row[1])


async def quarter_statistics(session: AsyncSession, *, municipality: Municipality,
                             quarter: Quarter, timezone: ZoneInfo) -> QuarterStatistics:
    start, end = quarter.bounds(timezone)
    # An ordinary entry is billed in the quarter of its date (corrections are left out),
    # so the billing index answers this without reading the table.
    in_quarter = (
        ContactEntry.municipality_id == municipality.id, ContactEntry.quarter == quarter.key,
        ContactEntry.is_correction.is_(False), ContactEntry.deleted_at.is_(None),
    )
    entries = (await session.execute(
        select(
            func.count(distinct(ContactEntry.client_id)),
            func.count().filter(ContactEntry.kind == ContactKind.CONSULTATION),
            func.count(ContactEntry.client_id),
            func.count().filter(ContactEntry.kind == ContactKind.GROUP_EVENT),
        ).where(*in_quarter))).one()
    new_clients = await session.scalar(
        select(func.count()).select_from(Client)
        .outerjoin(CaseDetails, CaseDetails.client_id == Client.id)
        .where(Client.municipality_id == municipality.id, Client.status != ClientStatus.INVITED,
               or_(and_(CaseDetails.care_start.is_not(None),
                        CaseDetails.care_start >= quarter.first_day,
                        CaseDetails.care_start <= quarter.last_day),
                   and_(CaseDetails.care_start.is_(None), Client.consent_at >= start,
                        Client.consent_at < end))))
    goals = (await session.execute(
        select(func.count(distinct(PlanGoal.client_id)), func.count())
        .join(Client, Client.id == PlanGoal.client_id)
        .where(Client.municipality_id == municipality.id,
               PlanGoal.status == GoalStatus.REACHED, PlanGoal.reached_at >= start,
               PlanGoal.reached_at < end))).one()
    bookings = await _bookings(session, municipality.id, quarter, timezone)
    return QuarterStatistics(
        municipality_key=municipality.key, municipality_name=municipality.name,
        quarter=quarter, clients_served=int(entries[0]), new_clients=int(new_clients or 0),
        consultations=int(entries[1]), contacts=int(entries[2]), group_events=int(entries[3]),
        bookings=bookings[0] if bookings else 0, no_shows=bookings[1] if bookings else 0,
        bookings_available=bookings is not None,
        clients_with_goals_reached=int(goals[0]), goals_reached=int(goals[1]),
    )


def statistics_rows(stats: QuarterStatistics) -> list[tuple[str, str]]:
    """The figures with German labels, for the report documents and `lotse stats`."""
    bookings = str(stats.bookings) if stats.bookings_available else "– (keine Terminbuchung)"
    no_shows = str(stats.no_shows) if stats.bookings_available else "–"
    return [
        ("Betreute Personen (mit Kontakt im Quartal)", str(stats.clients_served)),
        ("Neu aufgenommene Personen", str(stats.new_clients)),
        ("Beratungen", str(stats.consultations)),
        ("Kontakte insgesamt (mit Fallbezug)", str(stats.contacts)),
        ("Gruppenveranstaltungen", str(stats.group_events)),
        ("Gebuchte Termine", bookings),
        ("Nicht wahrgenommene Termine", no_shows),
        ("Personen mit erreichtem Ziel im Integrationsplan", str(stats.clients_with_goals_reached)),
        ("Erreichte Ziele", str(stats.goals_reached)),
    ]
