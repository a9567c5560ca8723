"""A caseworker's typed note or due date for a goal: the next text message after pressing
"Note" or "Type a date" on the goal (within 15 minutes); other text passes by untouched."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, Update
from telegram.ext import MessageHandler, filters

from bot.casework.plans import update_goal
from bot.parsing import NotADate, parse_date
from bot.quarters import add_months, local_date
from bot.refusal import Refused, TooLong
from handlers.casework.casework_ui import casework_uow, goal_line, keyboard, refusal
from handlers.context import LotseApp, LotseContext

PENDING = "plan_input"  # {"goal": id, "field": "note" | "due", "until": monotonic seconds}
PENDING_SECONDS = 15 * 60


def wait_for(context: LotseContext, goal_id: int, field: str) -> None:
    """Take the caseworker's next text message as the goal's note or due date."""
    assert context.user_data is not None
    context.user_data[PENDING] = {"goal": goal_id, "field": field,
                                  "until": time.monotonic() + PENDING_SECONDS}


class _WaitingForPlanText(filters.MessageFilter):
    """Text from a caseworker who pressed "Note" or "Type a date" in the last 15 minutes."""

    def __init__(self, app: LotseApp) -> None:
        super().__init__(name="waiting_for_plan_text")
        self.app = app

    def filter(self, message: Any) -> bool:
        user = message.from_user
        pending = self.app.user_data.get(user.id, {}).get(PENDING) if user else None
        return pending is not None and bool(pending["until"] > time.monotonic())


async def receive_text(update: Update, context: LotseContext) -> None:
    """Save the typed note or due date of the goal the caseworker chose."""
    message, t = update.effective_message, context.t
    assert message is not None and message.text is not None and context.user_data is not None
    pending = context.user_data.pop(PENDING)
    text = message.text.strip()
    changes: dict[str, Any]
    if pending["field"] == "note":
        changes = {"note": None if text == "-" else text, "clear_note": text == "-"}
    else:
        try:
            due = parse_date(text)
        except NotADate:
            due = None
        today = local_date(context.now(), context.settings.timezone)
        if due is None or not today - timedelta(days=366) <= due <= add_months(today, 120):
            context.user_data[PENDING] = pending
            await message.reply_text(t._("“%(value)s” is not a valid date. Please write it as "
                                         "YYYY-MM-DD or DD.MM.YYYY.", value=text[:40]))
            return
        changes = {"due": due}
    try:
        async with casework_uow(context) as session:
            goal = await update_goal(session, actor=context.actor, goal_id=pending["goal"],
                                     now=context.now(), **changes)
    except Refused as exc:
        if isinstance(exc, TooLong):  # the goal still waits for the note, sent shorter
            context.user_data[PENDING] = pending
        await message.reply_text(refusal(t, exc))
        return
    await message.reply_text(goal_line(t, goal, for_staff=True) + "\n\n" + t._("Saved."),
                             reply_markup=keyboard(
        [[InlineKeyboardButton(t._("Back to the plan"), callback_data=f"pl:{goal.client_id}:e")]]))


def register(app: LotseApp) -> None:
    app.add_handler(MessageHandler(
        filters.TEXT & ~filters.COMMAND & _WaitingForPlanText(app), receive_text))
