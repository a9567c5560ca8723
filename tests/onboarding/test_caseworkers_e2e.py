"""/caseworker (issue 11, item 7): an admin hands a leaving caseworker's clients and future
appointments to a colleague in one confirmed step; the leaving one is deactivated."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.i18n import user_text
from models import AuditLog, Caseworker, Client
from tests.conftest import ADMIN_ID, FakeClock
from tests.support.builders import add_caseworker, add_client, tr
from tests.support.harness import Harness

de = tr("de")


async def test_admin_reassigns_a_leaving_caseworkers_clients(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    leaving = await add_caseworker(sessions, telegram_id=7501, name="Frau Alt",
                                   towns=("cleebronn",))
    successor = await add_caseworker(sessions, telegram_id=7502, name="Herr Neu",
                                     towns=("cleebronn",))
    references = [await add_client(sessions, telegram_id=7510 + n, name=f"Kind{n}",
                                   now=clock()) for n in range(2)]
    async with sessions() as session, session.begin():
        for client in await session.scalars(select(Client).where(
                Client.reference.in_(references))):
            client.caseworker_id = leaving
    admin = harness.user(ADMIN_ID, "Petra", "de")
    await admin.send("/caseworker")
    assert de._("Caseworkers:") in admin.texts and "Frau Alt" in admin.texts
    await admin.press(de._("Deactivate %(name)s", name=user_text("Frau Alt")))
    await admin.press("Herr Neu")
    await admin.press(de._("Yes, hand over"))
    assert "Herr Neu" in admin.texts
    taken = [c.params.get("scope") for c in harness.fake.calls_to("deleteMyCommands")]
    assert {"type": "chat", "chat_id": 7501} in taken  # no staff menu for the one who left
    async with sessions() as session:
        owners = set(await session.scalars(select(Client.caseworker_id).where(
            Client.reference.in_(references))))
        assert owners == {successor}
        worker = await session.get(Caseworker, leaving)
        assert worker is not None and worker.active is False
        assert await session.scalar(select(AuditLog.id).where(
            AuditLog.action == "caseworker:handover"))
    # The deactivated caseworker gets no staff commands any more.
    alt = harness.user(7501, "Alt", "de")
    await alt.send("/cases")
    assert de._("Sorry, I don't know this command. /help shows what I can do.") in alt.texts


async def test_admin_changes_a_caseworkers_towns_but_never_takes_the_last(
    harness: Harness, sessions: async_sessionmaker[AsyncSession], clock: FakeClock
) -> None:
    worker = await add_caseworker(sessions, telegram_id=7601, name="Frau Berger",
                                  towns=("cleebronn",))

    async def towns() -> set[str]:
        async with sessions() as session:
            row = await session.get(Caseworker, worker)
            assert row is not None
            await session.refresh(row, ["municipalities"])
            return {m.key for m in row.municipalities}

    admin = harness.user(ADMIN_ID, "Petra", "de")
    await admin.send("/caseworker")
    await admin.press(de._("Towns of %(name)s", name=user_text("Frau Berger")))
    await admin.press("Brackenheim")
    assert await towns() == {"brackenheim", "cleebronn"}
    await admin.press("Cleebronn")
    assert await towns() == {"brackenheim"}
    await admin.press("Brackenheim")  # the last town stays
    assert await towns() == {"brackenheim"}
    assert admin.callback_answers()[-1].params.get("text") == de._(
        "Every caseworker keeps at least one town.")
    async with sessions() as session:
        changes = (await session.scalars(select(AuditLog.detail).where(
            AuditLog.action == "caseworker:towns"))).all()
    assert changes.count("added brackenheim") == 1 and "removed cleebronn" in changes
