"""/privacy (issue 11, item 2): a Ukrainian client sees every category with counts and the
newest items, and downloads everything as one JSON document."""

from __future__ import annotations

import json
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.billing.report_export import entry_lines
from bot.privacy.inventory import CATEGORIES
from bot.quarters import Quarter
from models import AuditLog, Client, GoalStatus, Municipality, PlanArea, PlanGoal
from tests.conftest import FakeClock
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.every_table import where_found
from tests.support.harness import Harness

uk = tr("uk")
NOTE = "Depression: Psychotherapie beantragen"


async def test_ukrainian_client_sees_every_category_and_downloads_her_data(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    reference = await add_client(sessions, telegram_id=7301, name="Olena", language="uk",
                                 now=clock())
    await add_caseworker(sessions, telegram_id=7302, towns=("cleebronn",))
    async with sessions() as session, session.begin():
        client = await session.scalar(select(Client).where(Client.reference == reference))
        assert client is not None
        session.add_all([
            PlanGoal(client_id=client.id, area=PlanArea.HEALTH, status=GoalStatus.OPEN,
                     note=NOTE, created_at=clock()),
            PlanGoal(client_id=client.id, area=PlanArea.WORK, status=GoalStatus.IN_PROGRESS,
                     note="Bewerbung", due_date=date(2026, 6, 1), created_at=clock()),
        ])
    worker = harness.user(7302, "Jana", "de")
    await worker.send(f"/log {reference} 45 beratung")
    olena = harness.user(7301, "Olena", "uk")
    await olena.send("Добрий день, маю питання щодо листа")

    await olena.send("/privacy")
    text = olena.texts
    for category in CATEGORIES:
        assert uk._(category.label) in text, category.key
    assert uk._("%(category)s: %(count)s", category=uk._("Integration plan goals"),
                count=2) in text
    assert uk._("%(category)s: %(count)s", category=uk._("Contact time entries"),
                count=1) in text
    assert uk._("%(category)s: %(count)s", category=uk._("Messages"), count=1) in text
    assert uk._("area %(number)s", number=5) in text  # health, neutrally
    assert NOTE not in text and "Depression" not in text

    await olena.press(uk._("Send me my data"))
    [document] = [c for c in harness.fake.calls_to("sendDocument")
                  if str(c.chat_id) == "7301"]
    exported = json.loads(document.files["document"].content)
    data = exported["data"]
    assert exported["case_reference"] == reference
    assert set(data) == {category.key for category in CATEGORIES}
    assert data["personal_data"][0]["display_name"] == "Olena"
    assert data["contact_entries"][0]["minutes"] == 45
    assert data["messages"][0]["text"] == "Добрий день, маю питання щодо листа"
    assert {goal["area"] for goal in data["plan_goals"]} == {"health", "work"}
    assert "Depression" not in json.dumps(exported, ensure_ascii=False)  # held at the office
    assert any(row["action"] == "client:privacy" for row in data["audit_log"])


async def test_client_erases_her_data_and_only_the_billed_minutes_remain(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    reference = await add_client(sessions, telegram_id=7311, name="Oksana", language="uk",
                                 now=clock())
    await add_caseworker(sessions, telegram_id=7312, towns=("cleebronn",))
    async with sessions() as session, session.begin():
        client = await session.scalar(select(Client).where(Client.reference == reference))
        assert client is not None
        session.add(PlanGoal(client_id=client.id, area=PlanArea.HEALTH,
                             status=GoalStatus.OPEN, note=NOTE, created_at=clock()))
    worker = harness.user(7312, "Jana", "de")
    await worker.send(f"/log {reference} 45 beratung Oksanas Brief")
    oksana = harness.user(7311, "Oksana", "uk")
    await oksana.send("Добрий день")
    await oksana.send("/privacy")
    await oksana.press(uk._("Delete my data"))
    async with sessions() as session:
        assert await session.scalar(select(Client).where(Client.reference == reference))
    await oksana.press(uk._("Yes, delete everything"))
    assert uk._("Your data has been deleted. Thank you for having used Lotse. If you need "
                "help again, your town's integration management is there for you.") \
        in oksana.texts
    async with sessions() as session:
        assert await where_found(session, "Oksana") == []
        assert await where_found(session, 7311) == []
        assert await where_found(session, NOTE) == []
        assert await where_found(session, "Добрий день") == []
        municipality = await session.scalar(
            select(Municipality.id).where(Municipality.key == "cleebronn"))
        assert municipality is not None
        lines = [line async for line in entry_lines(
            session, municipality, Quarter.of(clock().date()))]
        assert [(line.reference, line.minutes) for line in lines] == [(reference, 45)]
        erased = await session.scalar(select(AuditLog).where(AuditLog.action == "client:erase"))
        assert erased is not None and erased.target == f"client:{reference}"
        assert erased.actor_telegram_id is None
    await oksana.send("/privacy")  # a stranger now
    assert "Oksana" not in oksana.texts
