"""Everything stored about one client, by category, read in one unit of work.

The same inventory feeds ``/privacy`` (counts and the newest items) and the JSON export
("send me my data"), so that what is shown and what is exported cannot drift apart. Field
names are the column names, which are readable English.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import Table, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from bot.i18n import N_
from bot.special_categories import is_special
from models import Client, PlanArea
from models.base import Base

Row = dict[str, Any]


@dataclass(frozen=True)
class Category:
    key: str  # the name in the JSON file
    label: str  # for /privacy (translated)
    table: str
    newest: str | None  # the column that orders the newest first


CATEGORIES: tuple[Category, ...] = (
    Category("personal_data", N_("Personal data"), "clients", None),
    Category("case", N_("Case (care period)"), "case_details", None),
    Category("children", N_("Children"), "children", "created_at"),
    Category("reminder_settings", N_("Reminder settings and waste zone"), "reminder_settings",
             None),
    Category("bookings", N_("Consultation appointments"), "bookings", "start_at"),
    Category("external_appointments", N_("Other appointments"), "external_appointments",
             "starts_at"),
    Category("plan_goals", N_("Integration plan goals"), "plan_goals", "created_at"),
    Category("contact_entries", N_("Contact time entries"), "contact_entries", "entry_date"),
    Category("conversations", N_("Conversations"), "conversations", "opened_at"),
    Category("messages", N_("Messages"), "conversation_messages", "created_at"),
    Category("invites", N_("Invitations"), "invites", "created_at"),
    Category("outbox", N_("Messages waiting to be sent or sent by the bot"), "outbox",
             "created_at"),
    Category("audit_log", N_("Audit entries about you"), "audit_log", "at"),
)
# Never exported: secrets, not data about the person.
HIDDEN_COLUMNS = {"invites": {"code_hash"}, "audit_log": {"actor_key"}}


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _about(client: Client, table: Table) -> ColumnElement[bool]:
    """Rows of ``table`` about the client: by client id, and rows that carry the client's
    Telegram id or case reference instead."""
    conditions: list[ColumnElement[bool]] = []
    if "client_id" in table.c:
        conditions.append(table.c.client_id == client.id)
    if table.name == "clients":
        conditions.append(table.c.id == client.id)
    if table.name == "outbox" and client.telegram_user_id is not None:
        conditions.append(table.c.chat_id == client.telegram_user_id)
    if table.name == "audit_log":
        conditions.append(table.c.target == f"client:{client.reference}")
        if client.telegram_user_id is not None:
            conditions.append(table.c.actor_telegram_id == client.telegram_user_id)
    if table.name == "contact_entries":
        conditions.append(table.c.case_reference == client.reference)
    return or_(*conditions)


async def inventory(session: AsyncSession, client: Client) -> dict[str, list[Row]]:
    """Every category with its rows, newest first."""
    result: dict[str, list[Row]] = {}
    for category in CATEGORIES:
        table = _table(category.table)
        query = select(table).where(_about(client, table))
        if category.newest:
            query = query.order_by(table.c[category.newest].desc(), *table.primary_key)
        hidden = HIDDEN_COLUMNS.get(table.name, set())
        rows = (await session.execute(query)).mappings()
        result[category.key] = [{k: v for k, v in row.items() if k not in hidden}
                                for row in rows]
    return result


def _masked(key: str, row: Row) -> Row:
    if key == "plan_goals" and row.get("note") and is_special(PlanArea(row["area"])):
        return {**row, "note": "(held at the office: ask your integration manager)"}
    return row


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return value.hex()
    raise TypeError(type(value).__name__)


def export_json(held: dict[str, list[Row]], *, reference: str, now: datetime) -> bytes:
    """The JSON document "send me my data". It travels through Telegram too, so notes on
    special-category goals stay at the office (``bot.special_categories``)."""
    held = {key: [_masked(key, row) for row in rows] for key, rows in held.items()}
    document = {"about": "Everything Lotse stores about you", "case_reference": reference,
                "exported_at": now.isoformat(), "data": held}
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=2).encode()
