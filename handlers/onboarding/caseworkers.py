"""/caseworker (admins): list caseworkers, change their towns, hand a leaving one's clients to
a colleague (their staff command menu is taken away)."""

from __future__ import annotations

from contextlib import suppress

from telegram import (
    BotCommandScopeChat,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.error import TelegramError

from bot.audit import audit
from bot.i18n import user_text
from bot.onboarding.caseworkers import hand_over, staff_rows, toggle_town, towns_of
from bot.quarters import local_date
from bot.refusal import Refused
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command

PAGE_SIZE = 10  # caseworkers per page: two buttons each, far below Telegram's 100


async def caseworkers(update: Update, context: LotseContext) -> None:
    """The list: name, towns, open cases; a button to hand over each active colleague."""
    message = update.effective_message
    assert message is not None
    text, markup = await _list_page(context, 0)
    await message.reply_text(text, reply_markup=markup)


async def _list_page(context: LotseContext, page: int
                     ) -> tuple[str, InlineKeyboardMarkup | None]:
    """One page of the list (active colleagues first), with ◀ ▶ when there are more."""
    t = context.t
    async with context.uow() as session:
        everyone = await staff_rows(session)
        audit(session, actor=context.actor, action="caseworker:list")
    pages = max(1, -(-len(everyone) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    rows = everyone[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    lines = [t._("Caseworkers:") if pages == 1 else t._("Caseworkers:") + " " + t._(
        "(page %(page)s of %(pages)s)", page=page + 1, pages=pages)]
    buttons = []
    for row in rows:
        line = t._("%(name)s · %(towns)s · clients: %(count)s", name=user_text(row.name),
                   towns=", ".join(row.towns) or "–", count=row.clients)
        lines.append(("• " if row.active else "✖ ") + line
                     + ("" if row.active else " · " + t._("inactive")))
        if row.active:
            buttons.append([InlineKeyboardButton(
                "🏘 " + t._("Towns of %(name)s", name=user_text(row.name))[:60],
                callback_data=f"cw:t:{row.id}")])
        if row.active and row.id != context.actor.caseworker_id:
            buttons.append([InlineKeyboardButton(
                "🚪 " + t._("Deactivate %(name)s", name=user_text(row.name))[:60],
                callback_data=f"cw:d:{row.id}")])
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(InlineKeyboardButton("◀", callback_data=f"cw:p:{page - 1}"))
        if page + 1 < pages:
            nav.append(InlineKeyboardButton("▶", callback_data=f"cw:p:{page + 1}"))
        buttons.append(nav)
    return "\n".join(lines), InlineKeyboardMarkup(buttons) if buttons else None


async def caseworker_button(update: Update, context: LotseContext) -> None:
    """cw:d:<id> choose the successor, cw:r:<id>:<successor> confirm, cw:y:… hand over."""
    query, t = update.callback_query, context.t
    assert query is not None and query.data is not None
    step, *ids = query.data.split(":")[1:]
    if step == "p":
        text, markup = await _list_page(context, int(ids[0]))
        await query.answer()
        await query.edit_message_text(text, reply_markup=markup)
        return
    if step in ("t", "m"):
        await _towns(context, query, int(ids[0]), int(ids[1]) if step == "m" else None)
        return
    leaving_id = int(ids[0])
    async with context.uow() as session:
        rows = {row.id: row for row in await staff_rows(session)}
    leaving = rows.get(leaving_id)
    if leaving is None or not leaving.active:
        await query.answer(t._("This hand-over is not possible. Please start again with "
                               "/caseworker."), show_alert=True)
        return
    if step == "d":
        await query.answer()
        others = [[InlineKeyboardButton("→ " + row.name[:50],
                                        callback_data=f"cw:r:{leaving_id}:{row.id}")]
                  for row in rows.values() if row.active and row.id != leaving_id]
        await query.edit_message_text(
            t._("Who takes over the clients of %(name)s?", name=user_text(leaving.name)),
            reply_markup=InlineKeyboardMarkup(others) if others else None)
        return
    successor = rows.get(int(ids[1]))
    if successor is None:
        await query.answer(t._("This hand-over is not possible. Please start again with "
                               "/caseworker."), show_alert=True)
        return
    if step == "r":
        await query.answer()
        await query.edit_message_text(t._(
            "Deactivate %(name)s and hand their clients, future appointments and open "
            "conversations to %(successor)s? Their office hours end today.",
            name=user_text(leaving.name), successor=user_text(successor.name)),
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
                "✅ " + t._("Yes, hand over"),
                callback_data=f"cw:y:{leaving_id}:{successor.id}")]]))
        return
    if step != "y":
        raise ValueError(step)
    await query.answer()
    try:
        async with context.uow() as session:
            done = await hand_over(session, actor=context.actor, leaving_id=leaving_id,
                                   successor_id=successor.id, now=context.now(),
                                   today=local_date(context.now(), context.settings.timezone))
    except Refused as exc:
        async with context.uow() as session:
            if exc.audit:
                audit(session, actor=context.actor, allowed=False, **exc.audit)
        await query.edit_message_text(t._(exc.message, **exc.params))
        return
    if done.leaving_chat is not None:  # no staff menu any more for the one who left
        # (cosmetic: their commands are refused anyway, so a failure here changes nothing)
        with suppress(TelegramError):
            await context.bot.delete_my_commands(scope=BotCommandScopeChat(done.leaving_chat))
    await query.edit_message_text(t._(
        "%(name)s is deactivated. Now with %(successor)s: clients %(clients)s, appointments "
        "%(bookings)s.", name=user_text(done.leaving), successor=user_text(done.successor),
        clients=done.clients, bookings=done.bookings))


async def _towns(context: LotseContext, query: CallbackQuery, caseworker_id: int,
                 toggle: int | None) -> None:
    """cw:t:<id> shows the towns with ✅ where the caseworker works; cw:m:<id>:<town> toggles."""
    t = context.t
    if toggle is not None:
        try:
            async with context.uow() as session:
                await toggle_town(session, actor=context.actor, caseworker_id=caseworker_id,
                                  municipality_id=toggle)
        except Refused as exc:
            async with context.uow() as session:
                if exc.audit:
                    audit(session, actor=context.actor, allowed=False, **exc.audit)
            await query.answer(t._(exc.message, **exc.params), show_alert=True)
            return
    async with context.uow() as session:
        towns = await towns_of(session, caseworker_id)
    if towns is None:
        await query.answer(t._("This hand-over is not possible. Please start again with "
                               "/caseworker."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(
        t._("Towns of %(name)s", name=user_text(towns.name)),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(
            ("✅ " if works else "▫️ ") + name,
            callback_data=f"cw:m:{caseworker_id}:{town_id}")] for town_id, name, works
            in towns.towns]))


def register(app: LotseApp) -> None:
    app.add_handler(command("caseworker", caseworkers))
    app.add_handler(button("cw", caseworker_button))
