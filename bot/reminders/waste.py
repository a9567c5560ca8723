"""Waste collection for clients: collection zones, the next dates, bins and sorting guides,
and the evening-before reminder (message kind ``waste.reminder``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.i18n import N_, Translator
from bot.outbox.queue import Rendered, message_kind
from bot.reminders.reminder_settings import WASTE, is_enabled, settings_of
from models import Client, OutboxMessage, OutboxState, ReminderSettings, WasteCollection, WasteZone

KERB_TIME = time(6, 0)  # bins must stand at the kerb by then on collection day
UPCOMING_DAYS = 6  # collection days shown by /waste
_YELLOW_GUIDE = N_(
    "Yes: empty packaging made of plastic, metal or composite material, such as plastic "
    "bottles, yoghurt pots, foil and bags, cans, aluminium trays, beverage cartons and lids. "
    "Empty is enough, there is no need to rinse.\n"
    "No: paper, glass, food leftovers, toys and other plastic things that are not packaging."
)


@dataclass(frozen=True)
class Bin:
    emoji: str
    label: str  # msgid: the bin named with its colour, the German term kept
    guide: str  # msgid: what goes in and what does not


# Colours as in Landkreis Heilbronn (yellow Gelbe Tonne since 1 January 2026).
BINS: dict[str, Bin] = {
    "restmuell": Bin("⚫", N_("Residual waste, black bin (Restmüll)"), N_(
        "Yes: nappies, hygiene articles, vacuum cleaner bags, cigarette ends, cold ash, "
        "broken porcelain, dirty or coated paper.\n"
        "No: anything that can be recycled, batteries, electrical devices, hazardous waste.\n"
        "Every emptying of the black bin costs a fee: put it out only when it is full.")),
    "bio": Bin("🟤", N_("Organic waste, brown bin (Biotonne)"), N_(
        "Yes: fruit and vegetable scraps, food leftovers, coffee grounds and filters, tea "
        "bags, eggshells, kitchen paper, flowers, small amounts of garden waste.\n"
        "No: plastic bags, not even \"compostable\" ones, nappies, cat litter, ash. Wrap food "
        "waste in newspaper or a paper bag.")),
    "papier": Bin("🔵", N_("Paper, blue bin (Papiertonne)"), N_(
        "Yes: newspapers, magazines, books, writing paper, cardboard boxes (folded flat), "
        "paper bags, egg boxes.\n"
        "No: dirty or greasy paper, paper tissues, wallpaper, beverage cartons (they go in "
        "the yellow bin).")),
    "gelbe_tonne": Bin("🟡", N_("Packaging, yellow bin (Gelbe Tonne)"), _YELLOW_GUIDE),
    "gelber_sack": Bin("🟡", N_("Packaging, yellow bag (Gelber Sack)"), _YELLOW_GUIDE),
    "glas": Bin("🍾", N_("Glass (Glas)"), N_(
        "Glass bottles and jars, empty, sorted by colour: white, green, brown (blue and other "
        "colours go with the green). Lids go in the yellow bin.\n"
        "No: drinking glasses, window glass, mirrors, porcelain.")),
    "sperrmuell": Bin("🛋", N_("Bulky waste (Sperrmüll)"), N_(
        "Large things from your household that do not fit into a bin, such as furniture, "
        "mattresses and carpets. Put them out only for your collection date.\n"
        "No: electrical devices, building rubble, car tyres.")),
    "problemstoffe": Bin("☣️", N_("Hazardous waste (Problemstoffe)"), N_(
        "Paints, varnishes, solvents, chemical cleaners, pesticides and similar products. "
        "Hand them over in person at the collection vehicle at the time and place in the "
        "calendar; never leave them at the kerb or put them in a bin.")),
    "christbaum": Bin("🎄", N_("Christmas trees (Christbaum)"), N_(
        "Christmas trees without decorations, tinsel, stand or bag, put out at the kerb.")),
    "gruenschnitt": Bin("🌿", N_("Garden waste (Grünschnitt)"), N_(
        "Branches, hedge and shrub cuttings, leaves and grass. Tie branches in bundles. "
        "No soil, stones or plastic bags.")),
}
_BY_HAND = {"problemstoffe"}  # handed over in person, not put out at the kerb


def bin_line(t: Translator, kind: str, name_de: str) -> str:
    """One bin as a line: colour and name in the reader's language, unknown ones in German."""
    known = BINS.get(kind)
    if known is None:
        return f"🗑 {t.embed(name_de)}"
    return f"{known.emoji} {t._(known.label)}"


def sorting_guide(t: Translator, kind: str) -> str | None:
    known = BINS.get(kind)
    if known is None:
        return None
    return "\n".join([
        f"{known.emoji} {t._(known.label)}",
        t._(known.guide),
        "",
        t._("The rules of your waste authority apply. If you are unsure, ask your "
            "integration manager."),
    ])


@message_kind("waste.reminder")
def render_waste_reminder(t: Translator, params: dict[str, Any]) -> Rendered:
    """The evening before a collection: which bins, and by when at the kerb."""
    day = date.fromisoformat(params["date"])
    bins = [(str(kind), str(name)) for kind, name in params["bins"]]
    lines = [t._("🗑 Tomorrow, %(date)s, is collection day:", date=day)]
    lines += [bin_line(t, kind, name) for kind, name in bins]
    kerb = [kind for kind, _ in bins if kind not in _BY_HAND]
    lines.append("")
    if kerb:
        lines.append(t.ngettext(
            "Please put it out at the kerb by %(time)s tomorrow morning.",
            "Please put them out at the kerb by %(time)s tomorrow morning.",
            len(kerb), time=t.fmt_time(KERB_TIME)))
    if len(kerb) < len(bins):
        lines.append(t._("Hazardous waste (Problemstoffe) is handed over in person at the "
                         "collection vehicle; never leave it at the kerb."))
    lines.append("")
    lines.append(t._("/waste shows the next dates and what goes into which bin."))
    return Rendered("\n".join(lines))


@dataclass
class WasteOverview:
    """What /waste shows one client."""

    zone: WasteZone | None
    zones: list[WasteZone]  # of the client's municipality, to choose from
    days: list[tuple[date, list[tuple[str, str]]]] = field(default_factory=list)
    reminders_on: bool = True

    @property
    def kinds(self) -> list[str]:
        seen = {kind for _, bins in self.days for kind, _ in bins}
        return [kind for kind in BINS if kind in seen or kind in
                ("restmuell", "bio", "papier", "gelbe_tonne")]


async def zones_of(session: AsyncSession, municipality_id: int) -> list[WasteZone]:
    return list(await session.scalars(
        select(WasteZone).where(WasteZone.municipality_id == municipality_id)
        .order_by(WasteZone.name)))


async def waste_overview(
    session: AsyncSession, *, client_id: int, today: date, limit: int = UPCOMING_DAYS
) -> WasteOverview:
    client = await session.get(Client, client_id)
    assert client is not None
    settings = await session.get(ReminderSettings, client_id)
    zones = await zones_of(session, client.municipality_id)
    zone = next((z for z in zones if settings and z.id == settings.waste_zone_id), None)
    overview = WasteOverview(zone=zone, zones=zones, reminders_on=is_enabled(settings, WASTE))
    if zone is not None:
        overview.days = await upcoming(session, zone_id=zone.id, today=today, limit=limit)
    return overview


async def upcoming(
    session: AsyncSession, *, zone_id: int, today: date, limit: int
) -> list[tuple[date, list[tuple[str, str]]]]:
    """The next ``limit`` collection days with their bins, known bins first."""
    rows = await session.execute(
        select(WasteCollection.day, WasteCollection.kind, WasteCollection.name_de)
        .where(WasteCollection.zone_id == zone_id, WasteCollection.day >= today)
        .order_by(WasteCollection.day).limit(limit * 12)
    )
    days: dict[date, list[tuple[str, str]]] = {}
    for day, kind, name in rows:
        if day not in days and len(days) == limit:
            break
        days.setdefault(day, []).append((kind, name))
    return [(day, sort_bins(bins)) for day, bins in days.items()]


def sort_bins(bins: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    order = list(BINS)
    return sorted(bins, key=lambda b: (order.index(b[0]) if b[0] in BINS else len(order), b[1]))


async def choose_zone(
    session: AsyncSession, *, client_id: int, zone_id: int
) -> WasteZone | None:
    """Set the client's zone; None if it is no zone of their municipality (stale button).

    Reminders planned for the previous zone are dropped; the caller plans the new ones.
    """
    client = await session.get(Client, client_id)
    zone = await session.get(WasteZone, zone_id)
    if client is None or zone is None or zone.municipality_id != client.municipality_id:
        return None
    settings = await settings_of(session, client_id)
    if settings.waste_zone_id != zone.id:
        await session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.client_id == client_id, OutboxMessage.kind == "waste.reminder",
                   OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.CANCELLED]))
            .execution_options(synchronize_session=False)
        )
        settings.waste_zone_id = zone.id
    return zone

