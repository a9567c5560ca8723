"""Record contact time: parse `/log <ref> <minutes> [kind] [date] [note]` and store it once.

An entry is billed to the municipality the client lives in when it is logged, in the quarter
of its local date. The Telegram message it came from is stored under a unique key, so an
update that Telegram delivers twice is recorded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.config import MunicipalityConfig
from bot.i18n import N_
from bot.parsing import normalise_reference
from bot.quarters import Quarter, local_date
from bot.refusal import QuarterClosed, Refused, TooLong
from bot.roles import Actor
from bot.text_limits import telegram_length
from models import Client, ClosedQuarter, ContactEntry, ContactKind, Municipality

MIN_MINUTES, MAX_MINUTES = 1, 600
MAX_NOTE = 500  # UTF-16 code units, as Telegram counts them
# Without a client only these can be logged (a prevention evening and the way there).
MUNICIPALITY_KINDS = (ContactKind.GROUP_EVENT, ContactKind.TRAVEL)
KIND_LABELS: dict[ContactKind, str] = {
    ContactKind.CONSULTATION: N_("consultation"),
    ContactKind.HOME_VISIT: N_("home visit"),
    ContactKind.PHONE: N_("phone call"),
    ContactKind.ACCOMPANIMENT: N_("accompaniment"),
    ContactKind.GROUP_EVENT: N_("group event"),
    ContactKind.TRAVEL: N_("travel"),
}
@dataclass(frozen=True)
class Target:
    """Whom the time is for: a client, or a municipality as a whole (group events)."""

    municipality: Municipality
    client: Client | None = None

    @property
    def label(self) -> str:
        return self.client.reference if self.client else self.municipality.name


async def resolve_target(session: AsyncSession, *, actor: Actor, text: str) -> Target:
    """The client (or municipality) named by ``text``, if the actor may work for it."""
    reference = normalise_reference(text)
    if reference is not None:
        client = await session.scalar(select(Client).where(Client.reference == reference))
        if client is not None and actor.may_touch(client.municipality_id):
            municipality = await session.get(Municipality, client.municipality_id)
            assert municipality is not None
            return Target(municipality=municipality, client=client)
    else:
        municipality = await session.scalar(
            select(Municipality).where(Municipality.key == text.strip().lower())
        )
        if municipality is not None and actor.may_touch(municipality.id):
            return Target(municipality=municipality)
    raise Refused(N_("I cannot find the case %(reference)s among the cases of your towns. "
                     "/cases shows them."), reference=text[:40]).audited(
        "time:log", f"ref:{text[:40]}", "unknown or other town")


async def target_by_id(session: AsyncSession, *, actor: Actor, client_id: int | None = None,
                       municipality_id: int | None = None) -> Target:
    """The target of a button dialogue, checked again: buttons can be old or forged."""
    client = await session.get(Client, client_id) if client_id is not None else None
    municipality = await session.get(
        Municipality, client.municipality_id if client else municipality_id or 0)
    if municipality is None or not actor.may_touch(municipality.id) or (
            client_id is not None and client is None):
        raise Refused(N_("I cannot find the case %(reference)s among the cases of your towns. "
                         "/cases shows them."), reference="–")
    return Target(municipality=municipality, client=client)


async def lock_quarter(session: AsyncSession, municipality_id: int, quarter: Quarter) -> bool:
    """Whether the quarter is closed; on PostgreSQL, holds closing off until we commit."""
    await session.execute(
        select(Municipality.id).where(Municipality.id == municipality_id).with_for_update(
            read=True)
    )
    closed = await session.scalar(select(ClosedQuarter.id).where(
        ClosedQuarter.municipality_id == municipality_id, ClosedQuarter.quarter == quarter.key))
    return closed is not None


def closed_quarter_refusal(quarter: Quarter, municipality: str, today: date) -> QuarterClosed:
    return QuarterClosed(
        N_("The quarter %(quarter)s is already billed to %(municipality)s and closed, so "
           "nothing was stored. Changes to a closed quarter are booked as a correction in the "
           "current quarter %(current)s: use the button below, or open the entry in /case "
           "and choose “Book correction”."),
        quarter=quarter_label(quarter), municipality=municipality,
        current=quarter_label(Quarter.of(today)),
    )


def quarter_label(quarter: Quarter) -> str:
    return f"Q{quarter.number}/{quarter.year}"


def check_day(day: date, *, today: date, config: MunicipalityConfig | None) -> None:
    if day > today:
        raise Refused(N_("%(date)s is in the future. Contact time can be logged for today "
                         "or earlier days only."), date=day)
    if config is not None and config.service_start and day < config.service_start:
        raise Refused(N_("%(municipality)s is served from %(start)s on; %(date)s is earlier."),
                      municipality=config.name, start=config.service_start, date=day)


async def existing_entry(session: AsyncSession, key: str) -> ContactEntry | None:
    return await session.scalar(select(ContactEntry).where(ContactEntry.telegram_key == key))


async def log_time(
    session: AsyncSession, *, actor: Actor, target: Target, minutes: int,
    kind: ContactKind | None, day: date | None, note: str | None, telegram_key: str,
    now: datetime, timezone: ZoneInfo, configs: Iterable[MunicipalityConfig],
    as_correction: bool = False,
) -> tuple[ContactEntry, bool]:
    """Store the entry unless this Telegram message already did; (entry, newly stored).

    ``as_correction`` books time of a closed quarter into the current one, marked as such.
    """
    earlier = await existing_entry(session, telegram_key)
    if earlier is not None:
        return earlier, False
    today = local_date(now, timezone)
    day = day or today
    config = next((c for c in configs if c.key == target.municipality.key), None)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise Refused(N_("Please give between %(min)s and %(max)s minutes (you wrote "
                         "%(value)s). Longer work can be logged as several entries."),
                      min=MIN_MINUTES, max=MAX_MINUTES, value=minutes)
    if target.client is None:
        kind = kind or ContactKind.GROUP_EVENT
        if kind not in MUNICIPALITY_KINDS:
            raise Refused(N_("Without a case reference only a group event or travel can be "
                             "logged, for example: /log %(key)s 90 group"),
                          key=target.municipality.key)
    if note and telegram_length(note) > MAX_NOTE:
        raise TooLong(N_("The note is too long: at most %(max)s characters, please."),
                      max=MAX_NOTE, length=telegram_length(note))
    check_day(day, today=today, config=config)
    quarter = Quarter.of(today) if as_correction else Quarter.of(day)
    if await lock_quarter(session, target.municipality.id, quarter):
        raise closed_quarter_refusal(quarter, target.municipality.name, today)
    values = dict(
        caseworker_id=actor.caseworker_id, client_id=target.client.id if target.client else None,
        case_reference=target.client.reference if target.client else None,
        municipality_id=target.municipality.id, kind=kind or ContactKind.CONSULTATION,
        minutes=minutes, entry_date=day, quarter=quarter.key, note=note,
        telegram_key=telegram_key, is_correction=as_correction, created_at=now,
    )
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # Two deliveries at the same moment: the unique key lets one of them through.
    entry_id = await session.scalar(
        insert(ContactEntry).values(**values).on_conflict_do_nothing(
            index_elements=["telegram_key"]).returning(ContactEntry.id)
    )
    if entry_id is None:
        earlier = await existing_entry(session, telegram_key)
        assert earlier is not None
        return earlier, False
    entry = await session.get(ContactEntry, entry_id)
    assert entry is not None
    audit(session, actor=actor, action="time:correction" if as_correction else "time:log",
          target=_target(entry), detail=f"entry {entry.id}: {minutes} min {entry.kind.value} "
          f"{day.isoformat()}")
    return entry, True


def _target(entry: ContactEntry) -> str:
    return f"client:{entry.case_reference}" if entry.case_reference else (
        f"municipality:{entry.municipality_id}")


async def minutes_of_client(
    session: AsyncSession, client_id: int, quarter: Quarter | None = None
) -> int:
    """Recorded minutes of a client, corrections included (in a quarter, or overall)."""
    query = select(func.coalesce(func.sum(ContactEntry.minutes), 0)).where(
        ContactEntry.client_id == client_id, ContactEntry.deleted_at.is_(None))
    if quarter is not None:
        query = query.where(ContactEntry.quarter == quarter.key)
    return int(await session.scalar(query) or 0)
