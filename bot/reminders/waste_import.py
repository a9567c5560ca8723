"""``lotse import-waste``: put a provider's calendar into one collection zone.

Re-importing is idempotent: the zone then holds exactly the file's dates, removed dates
are removed, and reminders already planned for a changed or removed date are dropped (the
planner plans the changed ones anew, right after the import).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_database import open_database
from bot.config import Settings
from bot.municipalities import sync_municipalities
from bot.reminders.planners import plan_waste_reminders, waste_times
from bot.reminders.waste_calendar import (
    BY_KIND,
    OTHER,
    ParsedCalendar,
    WasteCalendarError,
    parse_calendar,
)
from bot.text_limits import telegram_length
from models import Municipality, OutboxMessage, OutboxState, WasteCollection, WasteZone

MAX_ZONE_NAME = 60


@dataclass(frozen=True)
class ImportReport:
    municipality: str
    zone: str
    days: list[date]
    added: int
    removed: int
    by_kind: dict[str, int]  # German bin name → number of dates
    unknown: dict[str, int]
    notes: tuple[str, ...]
    planned: int = 0

    def lines(self) -> list[str]:
        """What the operator reads after the import, one fact per line."""
        out = [
            f"zone {self.zone!r} of {self.municipality}: {len(self.days)} collection days "
            f"from {self.days[0]} to {self.days[-1]} (added {self.added} entries, removed "
            f"{self.removed})",
            "bins: " + (", ".join(f"{name} {n}" for name, n in self.by_kind.items())
                        or "none recognised: is it a German waste calendar?"),
        ]
        if self.unknown:
            out.append("unknown types, kept under their German name: " + ", ".join(
                f"{name!r} ({n} dates)" for name, n in sorted(self.unknown.items())))
        out += [f"note: {note}" for note in self.notes]
        out.append(f"reminders planned for the next days: {self.planned}")
        return out


def clean_zone_name(text: str) -> str:
    name = " ".join(text.split())
    if not 1 <= telegram_length(name) <= MAX_ZONE_NAME:  # the name is shown to clients
        raise WasteCalendarError(f"--zone must be 1 to {MAX_ZONE_NAME} characters as "
                                 "Telegram counts them (emoji count as two)")
    return name


async def import_collections(
    session: AsyncSession, *, municipality: Municipality, zone_name: str,
    parsed: ParsedCalendar, source: str, now: datetime,
) -> tuple[WasteZone, ImportReport]:
    """Make the zone hold exactly the parsed dates (creating the zone if it is new)."""
    zone = await session.scalar(select(WasteZone).where(
        WasteZone.municipality_id == municipality.id, WasteZone.name == zone_name))
    if zone is None:
        zone = WasteZone(municipality_id=municipality.id, name=zone_name)
        session.add(zone)
    zone.source, zone.imported_at = source[:200], now
    await session.flush()
    existing = {(row.day, row.kind, row.name_de): row for row in await session.scalars(
        select(WasteCollection).where(WasteCollection.zone_id == zone.id))}
    removed = existing.keys() - parsed.collections
    added = parsed.collections - existing.keys()
    for key in removed:
        await session.delete(existing[key])
    session.add_all(WasteCollection(zone_id=zone.id, day=day, kind=kind, name_de=name)
                    for day, kind, name in sorted(added))
    changed = {f"waste:{zone.id}:{day.isoformat()}:" for day, _, _ in removed | added}
    if changed:
        stale = [row.id for row in await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == "waste.reminder",
                OutboxMessage.key.startswith(f"waste:{zone.id}:"),
                OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.CANCELLED])))
            if row.key.rsplit(":", 1)[0] + ":" in changed]
        if stale:
            await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(stale)))
    await session.flush()
    kinds = Counter(kind if kind == OTHER else BY_KIND[kind].name_de
                    for _, kind, _ in parsed.collections)
    kinds.pop(OTHER, None)
    return zone, ImportReport(
        municipality=municipality.name, zone=zone_name,
        days=sorted({day for day, _, _ in parsed.collections}), added=len(added),
        removed=len(removed), by_kind=dict(kinds), unknown=parsed.unknown,
        notes=parsed.notes,
    )


async def run_import(
    settings: Settings, path: Path, *, municipality: str, zone: str, now: datetime
) -> ImportReport:
    """Read, check and import one file into one zone; WasteCalendarError says what is wrong
    with the file, DatabaseProblem with the database."""
    from models.session import make_sessionmaker, unit_of_work

    if settings.municipality(municipality) is None:
        known = ", ".join(m.key for m in settings.municipalities)
        raise WasteCalendarError(f"unknown municipality {municipality!r} (configured: {known})")
    zone_name = clean_zone_name(zone)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise WasteCalendarError(f"cannot read {path}: {exc.strerror}") from None
    try:
        parsed = parse_calendar(raw, timezone=settings.timezone,
                                today=now.astimezone(settings.timezone).date())
    except WasteCalendarError as exc:
        raise WasteCalendarError(f"{path.name}: {exc}") from None
    async with (open_database(settings.database_url) as engine,
                unit_of_work(make_sessionmaker(engine)) as session):
        rows = await sync_municipalities(session, settings.municipalities)
        row, report = await import_collections(
            session, municipality=rows[municipality], zone_name=zone_name, parsed=parsed,
            source=path.name, now=now)
        planned = await plan_waste_reminders(
            session, now=now, timezone=settings.timezone, zone_id=row.id,
            waste_times=waste_times(settings.municipalities))
    return replace(report, planned=planned)
