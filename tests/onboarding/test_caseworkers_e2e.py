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


async def test_a_countys_caseworkers_are_listed_in_pages(
    harness: Harness, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """Fifty colleagues and some who left: ten a page (two buttons each, Telegram allows 100
    in a message), active ones first, ◀ ▶ between the pages."""
    for number in range(53):
        await add_caseworker(sessions, telegram_id=7600 + number, name=f"Kollegin {number:02}")
    async with sessions() as session, session.begin():
        for worker in await session.scalars(select(Caseworker).where(
                Caseworker.name.in_(["Kollegin 00", "Kollegin 01"]))):
            worker.active = False
    admin = harness.user(ADMIN_ID, "Petra", "de")
    [reply] = await admin.send("/caseworker")
    assert reply.text.startswith(de._("Caseworkers:") + " " + de._(
        "(page %(page)s of %(pages)s)", page=1, pages=6))
    assert "Kollegin 02" in reply.text and "Kollegin 12" not in reply.text
    assert reply.buttons[-1] == "▶" and len(reply.buttons) == 21
    seen = []
    for page in range(6):
        seen += [line for line in admin.texts.splitlines() if "Kollegin" in line]
        if page < 5:
            await admin.press("▶")
    assert len(seen) == 53 and len(set(seen)) == 53
    assert seen[-2:] == [line for line in seen if "Kollegin 0" in line and "✖" in line]
    assert admin.last_replies[-1].buttons[-1] == "◀"
    await admin.press_data("cw:p:99")  # a stale page shows the last one
    assert de._("(page %(page)s of %(pages)s)", page=6, pages=6) in admin.texts
