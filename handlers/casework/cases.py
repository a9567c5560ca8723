"""/cases and /case: the caseworker's case list with filters and pages, and the case card.

Callback data "cs:<action>:...": l = list page (page:town:status:flags), o = open card,
e = entries, x = close, r = reopen, t = justified extension on/off.
"""

from __future__ import annotations

from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update

from bot.casework.case_list import NO_CONTACT_DAYS, CaseFilter, CasePage, StatusFilter, list_cases
from bot.casework.cases import open_case, set_case_closed, set_extension
from bot.casework.entries import may_edit, recent_entries
from bot.i18n import N_, Translator, user_text
from bot.quarters import local_date
from bot.refusal import Refused
from handlers.casework.case_card import card_keyboard, card_text, language_name
from handlers.casework.casework_ui import (
    answer_stale,
    casework_uow,
    entry_line,
    keyboard,
    refusal,
    short_day,
)
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import Municipality

STATUS_FILTER = {StatusFilter.OPEN: N_("open cases"), StatusFilter.CLOSED: N_("closed cases"),
                 StatusFilter.ALL: N_("all cases")}
ENTRIES_PAGE = 8


def _encode(flt: CaseFilter, page: int) -> str:
    flags = ("n" if flt.no_contact else "") + ("l" if flt.beyond_limit else "") or "-"
    return f"cs:l:{page}:{flt.municipality_id or 0}:{flt.status.value}:{flags}"


def _decode(parts: list[str]) -> tuple[CaseFilter, int] | None:
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if parts[2] not in {s.value for s in StatusFilter}:
        return None
    return CaseFilter(int(parts[1]) or None, StatusFilter(parts[2]), "n" in parts[3],
                      "l" in parts[3]), int(parts[0])


def _list_view(t: Translator, page: CasePage, flt: CaseFilter, towns: list[Municipality]
               ) -> tuple[str, InlineKeyboardMarkup | None]:
    town = next((m.name for m in towns if m.id == flt.municipality_id), t._("all towns"))
    lines = [t._("Cases: %(total)s (page %(page)s of %(pages)s)", total=page.total,
                 page=page.page + 1, pages=page.pages),
             t._("Filter: %(town)s · %(status)s", town=town,
                 status=t._(STATUS_FILTER[flt.status]))]
    if flt.no_contact:
        lines.append(t._("· no contact for %(days)s days or more", days=NO_CONTACT_DAYS))
    if flt.beyond_limit:
        lines.append(t._("· beyond the care limit"))
    lines.append("")
    for row in page.rows:
        last = short_day(t, row.last_contact) if row.last_contact else t._("none yet")
        lines.append(t._("%(reference)s · %(name)s · %(language)s · last contact: %(date)s",
                         reference=row.reference, name=user_text(row.name),
                         language=language_name(t, row.language), date=last))
    if not page.rows:
        lines.append(t._("No cases match this filter."))
    rows = [[InlineKeyboardButton(f"{r.reference} · {r.name}"[:60],
                                  callback_data=f"cs:o:{r.client_id}")] for r in page.rows]
    ids = [None, *(m.id for m in towns)] if len(towns) > 1 else [flt.municipality_id]
    next_town = ids[(ids.index(flt.municipality_id) + 1) % len(ids)] if (
        flt.municipality_id in ids) else None
    statuses = list(StatusFilter)
    next_status = statuses[(statuses.index(flt.status) + 1) % len(statuses)]
    filters = [InlineKeyboardButton("🔁 " + t._(STATUS_FILTER[next_status]),
                                    callback_data=_encode(_with(flt, status=next_status), 0))]
    if len(towns) > 1:
        filters.insert(0, InlineKeyboardButton("🏘 " + t._("Switch town"), callback_data=_encode(
            _with(flt, municipality_id=next_town), 0)))
    rows.append(filters)
    rows.append([
        InlineKeyboardButton(("✅ " if flt.no_contact else "") + t._("No contact 30+ days"),
                             callback_data=_encode(_with(flt, no_contact=not flt.no_contact), 0)),
        InlineKeyboardButton(("✅ " if flt.beyond_limit else "") + t._("Beyond care limit"),
                             callback_data=_encode(_with(flt, beyond_limit=not flt.beyond_limit),
                                                   0)),
    ])
    nav = []
    if page.page > 0:
        nav.append(InlineKeyboardButton("◀️", callback_data=_encode(flt, page.page - 1)))
    if page.page + 1 < page.pages:
        nav.append(InlineKeyboardButton("▶️", callback_data=_encode(flt, page.page + 1)))
    rows.append(nav)
    return "\n".join(lines), keyboard(rows)


def _with(flt: CaseFilter, **changes: object) -> CaseFilter:
    values = {"municipality_id": flt.municipality_id, "status": flt.status,
              "no_contact": flt.no_contact, "beyond_limit": flt.beyond_limit, **changes}
    return CaseFilter(**values)  # type: ignore[arg-type]


async def _render_list(context: LotseContext, flt: CaseFilter, page_number: int
                       ) -> tuple[str, InlineKeyboardMarkup | None]:
    actor, t = context.actor, context.t
    async with casework_uow(context) as session:
        towns = list(await session.scalars(select(Municipality).where(
            Municipality.id.in_(actor.municipality_ids)).order_by(Municipality.id)))
        page = await list_cases(session, actor=actor, flt=flt, page=page_number,
                                today=local_date(context.now(), context.settings.timezone),
                                timezone=context.settings.timezone)
    return _list_view(t, page, flt, towns)


async def show_cases(update: Update, context: LotseContext) -> None:
    """List the caseworker's open cases, first page."""
    assert update.effective_message is not None
    text, markup = await _render_list(context, CaseFilter(), 0)
    await update.effective_message.reply_text(text, reply_markup=markup)


async def show_case(update: Update, context: LotseContext) -> None:
    """Show the card of the case named after /case."""
    message = update.effective_message
    assert message is not None
    if not context.args:
        await message.reply_text(context.t._(
            "Please write /case followed by the case reference, for example /case C-0042. "
            "/cases lists your cases."))
        return
    await _send_card(update, context, reference=context.args[0])


async def _send_card(update: Update, context: LotseContext, *, reference: str | None = None,
                     client_id: int | None = None, edit: bool = False) -> None:
    t, message = context.t, update.effective_message
    assert message is not None
    try:
        async with casework_uow(context) as session:
            card = await open_case(session, actor=context.actor, now=context.now(),
                                   timezone=context.settings.timezone, reference=reference,
                                   client_id=client_id)
    except Refused as exc:
        await message.reply_text(refusal(t, exc))
        return
    if edit and update.callback_query:
        await update.callback_query.edit_message_text(card_text(t, card),
                                                      reply_markup=card_keyboard(t, card))
    else:
        await message.reply_text(card_text(t, card), reply_markup=card_keyboard(t, card))


async def case_button(update: Update, context: LotseContext) -> None:
    """Pages and filters of the list, the card, its entries and the case actions."""
    query = update.callback_query
    assert query is not None and query.data is not None
    _, action, *parts = query.data.split(":")
    if action == "l" and (decoded := _decode(parts)):
        await query.answer()
        text, markup = await _render_list(context, *decoded)
        await query.edit_message_text(text, reply_markup=markup)
        return
    if not parts or not parts[0].isdigit():
        await answer_stale(update, context.t)
        return
    client_id = int(parts[0])
    if action == "o":
        await query.answer()
        await _send_card(update, context, client_id=client_id)
    elif action == "e" and len(parts) == 2 and parts[1].isdigit():
        await query.answer()
        await _send_entries(update, context, client_id, int(parts[1]))
    elif action in ("x", "r", "t"):
        try:
            async with casework_uow(context) as session:
                if action == "t":
                    await set_extension(session, actor=context.actor, client_id=client_id,
                                        extended=parts[-1] == "1")
                else:
                    await set_case_closed(session, actor=context.actor, client_id=client_id,
                                          closed=action == "x", now=context.now())
        except Refused as exc:
            await query.answer(refusal(context.t, exc), show_alert=True)
            return
        await query.answer(context.t._("Saved."))
        await _send_card(update, context, client_id=client_id, edit=True)
    else:
        await answer_stale(update, context.t)


async def _send_entries(update: Update, context: LotseContext, client_id: int, offset: int
                        ) -> None:
    t, message, actor = context.t, update.effective_message, context.actor
    assert message is not None
    try:
        async with casework_uow(context) as session:
            entries, total = await recent_entries(session, actor=actor, client_id=client_id,
                                                  limit=ENTRIES_PAGE, offset=offset)
    except Refused as exc:
        await message.reply_text(refusal(t, exc))
        return
    lines = [t._("Entries %(first)s–%(last)s of %(total)s:", first=min(offset + 1, total),
                 last=offset + len(entries), total=total)]
    lines += [entry_line(t, entry) for entry in entries] or [t._("No entries yet.")]
    rows = [[InlineKeyboardButton("✏️ " + entry_line(t, entry)[:55],
                                  callback_data=f"le:{entry.id}")]
            for entry in entries if may_edit(actor, entry) and not entry.is_correction]
    if offset + ENTRIES_PAGE < total:
        rows.append([InlineKeyboardButton(t._("Older entries"), callback_data=(
            f"cs:e:{client_id}:{offset + ENTRIES_PAGE}"))])
    await message.reply_text("\n".join(lines), reply_markup=keyboard(rows))


def register(app: LotseApp) -> None:
    app.add_handler(command("cases", show_cases))
    app.add_handler(command("case", show_case))
    app.add_handler(button("cs", case_button))
