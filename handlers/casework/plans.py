"""/plan: clients read their integration plan in their language; caseworkers edit it.

Callback data: "pl:<client>[:e]" the plan (e: in place), "pa:<client>[:<area>]" add a goal,
"pg:<goal>[:s:<status>|:d[:<yyyymmdd>|0]]" a goal, its status and due date, "pn:<goal>" /
"pt:<goal>" wait for a typed note / due date (the next text message, within 15 minutes).
"""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, Update

from bot.casework.cases import find_client
from bot.casework.plans import (
    AREA_LABELS,
    STATUS_ICONS,
    STATUS_LABELS,
    add_goal,
    load_goal,
    update_goal,
    view_plan,
)
from bot.i18n import Translator, user_text
from bot.quarters import add_months, local_date
from bot.refusal import Refused
from bot.roles import Role
from handlers.casework import plan_input
from handlers.casework.casework_ui import (
    answer_stale,
    area_label,
    casework_uow,
    chunks,
    goal_line,
    keyboard,
    parse_day,
    refusal,
)
from handlers.context import LotseApp, LotseContext
from handlers.guard import button, command
from models import Client, GoalStatus, PlanArea, PlanGoal

AREA_CODES = {area: str(i) for i, area in enumerate(PlanArea)}
STATUS_CODES = {status: str(i) for i, status in enumerate(GoalStatus)}


def _plan_view(t: Translator, client: Client, goals: list[PlanGoal]) -> tuple[list[str], Any]:
    lines = [t._("Integration plan of %(reference)s · %(name)s", reference=client.reference,
                 name=user_text(client.display_name)), ""]
    lines += [goal_line(t, goal, for_staff=True) for goal in goals] or [t._("No goals yet.")]
    rows = [[InlineKeyboardButton(f"✏️ {area_label(t, g.area, for_staff=True)}: "
                                  f"{t._(STATUS_LABELS[g.status])}",
                                  callback_data=f"pg:{g.id}")] for g in goals]
    rows.append([InlineKeyboardButton("➕ " + t._("Add goal"), callback_data=f"pa:{client.id}")])
    return lines, keyboard(rows)


async def show_plan(update: Update, context: LotseContext) -> None:
    """Clients: their own plan. Staff: /plan <case> to see and edit a client's plan."""
    message, t, actor = update.effective_message, context.t, context.actor
    assert message is not None
    if actor.role is Role.CLIENT and actor.client_id is not None:
        async with casework_uow(context) as session:
            client, goals = await view_plan(session, actor=actor, client_id=actor.client_id)
        if not goals:
            await message.reply_text(t._("You do not have an integration plan yet. Your "
                                         "integration manager will make it together with you."))
            return
        lines = [t._("Your integration plan (%(reference)s):", reference=client.reference), ""]
        lines += [goal_line(t, goal, for_staff=False) for goal in goals]
        lines += ["", t._("Your integration manager writes the plan together with you. If "
                          "something has changed, please tell them.")]
        for text in chunks(lines):
            await message.reply_text(text)
        return
    if not context.args:
        await message.reply_text(t._("Please write /plan followed by the case reference, for "
                                     "example /plan C-0042."))
        return
    try:
        async with casework_uow(context) as session:
            found = await find_client(session, actor=actor, reference=context.args[0])
            client, goals = await view_plan(session, actor=actor, client_id=found.id)
    except Refused as exc:
        await message.reply_text(refusal(t, exc))
        return
    lines, markup = _plan_view(t, client, goals)
    texts = chunks(lines)
    for text in texts[:-1]:
        await message.reply_text(text)
    await message.reply_text(texts[-1], reply_markup=markup)


async def plan_button(update: Update, context: LotseContext) -> None:
    """Show a plan (new message, or in place), or add a goal in an area."""
    query, t, actor = update.callback_query, context.t, context.actor
    assert query is not None and query.data is not None and update.effective_message
    prefix, *parts = query.data.split(":")
    if not parts or not parts[0].isdigit():
        await answer_stale(update, t)
        return
    client_id = int(parts[0])
    area = None
    if prefix == "pa" and len(parts) == 2:
        area = next((a for a, code in AREA_CODES.items() if code == parts[1]), None)
        if area is None:
            await answer_stale(update, t)
            return
    try:
        async with casework_uow(context) as session:
            if area is not None:
                goal = await add_goal(session, actor=actor, client_id=client_id, area=area,
                                      now=context.now())
            else:
                client, goals = await view_plan(session, actor=actor, client_id=client_id)
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    if area is not None:
        await _show_goal(update, context, goal, "\n\n" + t._("Saved."))
        return
    if prefix == "pa":
        rows = [[InlineKeyboardButton(t._(AREA_LABELS[area]),
                                      callback_data=f"pa:{client_id}:{code}")]
                for area, code in AREA_CODES.items()]
        rows.append([InlineKeyboardButton(t._("Back"), callback_data=f"pl:{client_id}:e")])
        await query.edit_message_text(t._("Which area is the new goal about?"),
                                      reply_markup=keyboard(rows))
        return
    lines, markup = _plan_view(t, client, goals)
    text = chunks(lines)[-1]
    if parts[1:] == ["e"]:
        await query.edit_message_text(text, reply_markup=markup)
    else:
        await update.effective_message.reply_text(text, reply_markup=markup)


async def _show_goal(update: Update, context: LotseContext, goal: PlanGoal,
                     suffix: str = "") -> None:
    t, g = context.t, goal.id
    query = update.callback_query
    assert query is not None
    statuses = [InlineKeyboardButton(f"{STATUS_ICONS[s]} {t._(STATUS_LABELS[s])}",
                                     callback_data=f"pg:{g}:s:{code}")
                for s, code in STATUS_CODES.items() if s is not goal.status]
    rows = [statuses[:2], statuses[2:],
            [InlineKeyboardButton("📅 " + t._("Due date"), callback_data=f"pg:{g}:d"),
             InlineKeyboardButton("📝 " + t._("Note"), callback_data=f"pn:{g}")],
            [InlineKeyboardButton(t._("Back to the plan"),
                                  callback_data=f"pl:{goal.client_id}:e")]]
    await query.edit_message_text(goal_line(t, goal, for_staff=True) + suffix,
                                  reply_markup=keyboard(rows))


async def goal_button(update: Update, context: LotseContext) -> None:
    """Show a goal, change its status or due date, or wait for a typed note or date."""
    query, t, actor = update.callback_query, context.t, context.actor
    assert query is not None and query.data is not None
    prefix, *parts = query.data.split(":")
    if not parts or not parts[0].isdigit():
        await answer_stale(update, t)
        return
    goal_id, step = int(parts[0]), parts[1:]
    now = context.now()
    changes: dict[str, Any] = {}
    if step[:1] == ["s"] and len(step) == 2:
        status = next((s for s, code in STATUS_CODES.items() if code == step[1]), None)
        if status is None:
            await answer_stale(update, t)
            return
        changes["status"] = status
    elif step[:1] == ["d"] and len(step) == 2:
        due = parse_day(step[1])
        if due is None and step[1] != "0":
            await answer_stale(update, t)
            return
        changes.update(due=due, clear_due=due is None)
    try:
        async with casework_uow(context) as session:
            if changes:
                goal = await update_goal(session, actor=actor, goal_id=goal_id, now=now,
                                         **changes)
            else:
                goal, _client = await load_goal(session, actor=actor, goal_id=goal_id)
    except Refused as exc:
        await query.answer(refusal(t, exc), show_alert=True)
        return
    await query.answer()
    if prefix in ("pn", "pt"):
        plan_input.wait_for(context, goal_id, "note" if prefix == "pn" else "due")
        prompt = t._("Please send the note for this goal as your next message "
                     "(“-” removes it).") if prefix == "pn" else t._(
            "Please send the due date as your next message (DD.MM.YYYY or YYYY-MM-DD).")
        await query.edit_message_text(goal_line(t, goal, for_staff=True) + "\n\n" + prompt)
        return
    if step == ["d"]:
        today = local_date(now, context.settings.timezone)
        rows = [[InlineKeyboardButton(
            t.ngettext("in %(n)s month", "in %(n)s months", months),
            callback_data=f"pg:{goal_id}:d:{add_months(today, months):%Y%m%d}")
            for months in pair] for pair in ((1, 3), (6, 12))]
        rows.append([InlineKeyboardButton(t._("Type a date"), callback_data=f"pt:{goal_id}"),
                     InlineKeyboardButton(t._("No due date"), callback_data=f"pg:{goal_id}:d:0")])
        await query.edit_message_text(goal_line(t, goal, for_staff=True) + "\n\n" + t._("By when?"),
                                      reply_markup=keyboard(rows))
        return
    await _show_goal(update, context, goal, "\n\n" + t._("Saved.") if changes else "")


def register(app: LotseApp) -> None:
    app.add_handler(command("plan", show_plan))
    app.add_handler(button("pl", plan_button))
    app.add_handler(button("pa", plan_button))
    for prefix in ("pg", "pn", "pt"):
        app.add_handler(button(prefix, goal_button))
    plan_input.register(app)
