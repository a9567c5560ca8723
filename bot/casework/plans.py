"""Integration plans: goals per area with status, due date and note.

Caseworkers add and update goals for clients of their towns; clients read their own plan.
Notes are personal, so the audit log records that a goal changed, never what a note says.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import audit
from bot.i18n import N_
from bot.refusal import Refused, TooLong
from bot.roles import Actor
from bot.text_limits import telegram_length
from models import Client, GoalStatus, PlanArea, PlanGoal

MAX_GOALS = 20
MAX_NOTE = 300  # UTF-16 code units, as Telegram counts them
AREA_LABELS: dict[PlanArea, str] = {
    PlanArea.GERMAN_COURSE: N_("German course"),
    PlanArea.WORK: N_("Work"),
    PlanArea.HOUSING: N_("Housing"),
    PlanArea.SCHOOL_KITA: N_("School and Kita"),
    PlanArea.HEALTH: N_("Health"),
    PlanArea.RESIDENCE: N_("Residence status"),
    PlanArea.OTHER: N_("Other"),
}
STATUS_LABELS: dict[GoalStatus, str] = {
    GoalStatus.OPEN: N_("open"),
    GoalStatus.IN_PROGRESS: N_("in progress"),
    GoalStatus.REACHED: N_("reached"),
    GoalStatus.DROPPED: N_("dropped"),
}
STATUS_ICONS: dict[GoalStatus, str] = {
    GoalStatus.OPEN: "⚪", GoalStatus.IN_PROGRESS: "🟡", GoalStatus.REACHED: "✅",
    GoalStatus.DROPPED: "✖️",
}
NO_CASE = N_("This case does not exist or is not one of your towns.")


async def client_for_plan(session: AsyncSession, *, actor: Actor, client_id: int) -> Client:
    """The client, if the actor may see their plan (staff of the town, or the client)."""
    client = await session.get(Client, client_id)
    if client is None or not (actor.may_touch(client.municipality_id)
                              or actor.client_id == client.id):
        raise Refused(NO_CASE).audited("plan:view", f"client-id:{client_id}")
    return client


async def plan_of(session: AsyncSession, client_id: int) -> list[PlanGoal]:
    rows = await session.scalars(
        select(PlanGoal).where(PlanGoal.client_id == client_id).order_by(PlanGoal.id))
    return list(rows)


async def view_plan(session: AsyncSession, *, actor: Actor, client_id: int
                    ) -> tuple[Client, list[PlanGoal]]:
    """The plan, with an audit entry for the view."""
    client = await client_for_plan(session, actor=actor, client_id=client_id)
    audit(session, actor=actor, action="plan:view", target=f"client:{client.reference}")
    return client, await plan_of(session, client.id)


async def add_goal(session: AsyncSession, *, actor: Actor, client_id: int, area: PlanArea,
                   now: datetime) -> PlanGoal:
    client = await client_for_plan(session, actor=actor, client_id=client_id)
    if not actor.is_staff:
        raise Refused(NO_CASE)
    count = await session.scalar(
        select(func.count()).select_from(PlanGoal).where(PlanGoal.client_id == client.id))
    if (count or 0) >= MAX_GOALS:
        raise Refused(N_("A plan can have at most %(max)s goals. Please mark goals as reached "
                         "or dropped and change them instead."), max=MAX_GOALS)
    goal = PlanGoal(client_id=client.id, area=area, status=GoalStatus.OPEN,
                    created_by_id=actor.caseworker_id, created_at=now)
    session.add(goal)
    await session.flush()
    audit(session, actor=actor, action="plan:add", target=f"client:{client.reference}",
          detail=f"goal {goal.id} {area.value}")
    return goal


async def load_goal(session: AsyncSession, *, actor: Actor, goal_id: int
                    ) -> tuple[PlanGoal, Client]:
    goal = await session.get(PlanGoal, goal_id)
    if goal is None or not actor.is_staff:
        raise Refused(NO_CASE)
    client = await client_for_plan(session, actor=actor, client_id=goal.client_id)
    return goal, client


async def update_goal(
    session: AsyncSession, *, actor: Actor, goal_id: int, now: datetime,
    status: GoalStatus | None = None, due: date | None = None, clear_due: bool = False,
    note: str | None = None, clear_note: bool = False,
) -> PlanGoal:
    """Change status, due date or note of a goal; the audit log says which, not the note."""
    goal, client = await load_goal(session, actor=actor, goal_id=goal_id)
    changes = []
    if status is not None and status is not goal.status:
        changes.append(f"status {goal.status.value}->{status.value}")
        goal.status = status
        goal.reached_at = now if status is GoalStatus.REACHED else None
    if due is not None or clear_due:
        changes.append(f"due {due.isoformat() if due else '-'}")
        goal.due_date = due
    if note is not None or clear_note:
        note = note.strip() or None if note else None
        if note and telegram_length(note) > MAX_NOTE:
            raise TooLong(N_("The note is too long: at most %(max)s characters, please."),
                          max=MAX_NOTE, length=telegram_length(note))
        changes.append("note")
        goal.note = note
    if changes:
        goal.updated_at = now
        audit(session, actor=actor, action="plan:edit", target=f"client:{client.reference}",
              detail=f"goal {goal.id}: " + "; ".join(changes))
    await session.flush()
    return goal
