"""`lotse backup` while the dispatcher sends, `lotse restore` into a fresh file, and what each
refuses; on PostgreSQL, the pg_dump/pg_restore lines the commands name, run for real."""

from __future__ import annotations

import asyncio
import os
import shlex
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.backup import BackupError, backup, postgres_commands, restore
from bot.cli import main
from bot.outbox.queue import Rendered, enqueue_many, message_kind
from bot.outbox.sender import SendResult
from models import Base, Client, OutboxMessage, OutboxState
from models.migrate import head_revision
from models.session import make_engine, make_sessionmaker
from tests.conftest import EXAMPLE_CONFIG, FakeClock
from tests.support.dispatch_helpers import add_clients, outbox_rows, standalone_dispatcher
from tests.support.fakes.telegram_api import FakeTelegramAPI

Sessions = async_sessionmaker[AsyncSession]
MESSAGES = 200
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@message_kind("test.backup_note")
def _note(t: Any, params: dict[str, Any]) -> Rendered:
    return Rendered(f"Note {params['n']}")


def _file(url: str) -> Path:
    return Path(url.split("///", 1)[1])


async def _counts(sessions: Sessions) -> dict[str, int]:
    """Every table's row count, alembic_version included, as the database holds them now."""
    async with sessions() as session:
        counts = {table.name: int(await session.scalar(
            select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables}
    return {**counts, "alembic_version": 1}


async def _sent(sessions: Sessions) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.state == OutboxState.SENT)) or 0)


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@SQLITE_ONLY
async def test_backup_taken_while_the_dispatcher_sends_restores_that_moment(
    database_url: str, sessions: Sessions, fake_api: FakeTelegramAPI, clock: FakeClock,
    tmp_path: Path,
) -> None:
    chats = await add_clients(sessions, MESSAGES, now=clock.now)
    async with sessions() as session, session.begin():
        await enqueue_many(session, [
            {"key": f"note:{chat}", "chat_id": chat, "kind": "test.backup_note",
             "params": {"n": chat}, "due_at": clock.now} for chat in chats])
    backup_file = tmp_path / "lotse-backup.db"
    taken = asyncio.Event()
    async with standalone_dispatcher(sessions, fake_api, clock) as dispatcher:
        send, started = dispatcher.transport.send, 0

        async def gated_send(chat_id: int, message: Rendered) -> SendResult:
            # Half the messages wait for the backup: it is taken in the middle of the
            # sending, whatever the speed of the machine.
            nonlocal started
            started += 1
            if started > MESSAGES // 2:
                await taken.wait()
            return await send(chat_id, message)

        dispatcher.transport.send = gated_send  # type: ignore[method-assign]
        draining = asyncio.create_task(dispatcher.drain())
        while await _sent(sessions) < 20:
            await asyncio.sleep(0.01)
        # In a thread, on its own connection, while the dispatcher goes on recording answers.
        snapshot = await asyncio.to_thread(backup, database_url, backup_file)
        taken.set()
        await draining
    source = await _counts(sessions)
    final = {row.key: row for row in await outbox_rows(sessions)}

    fresh = tmp_path / "restored" / "lotse.db"
    fresh.parent.mkdir()
    fresh_url = f"sqlite+aiosqlite:///{fresh}"
    restored, target, kept = restore(fresh_url, backup_file, now=NOW)
    assert (restored, target, kept) == (snapshot, fresh, None)
    engine = make_engine(fresh_url)
    try:
        copy = make_sessionmaker(engine)
        # The copy holds exactly the rows its read transaction counted, and the same rows as
        # the source: the sending changed states, never how many rows there are.
        assert await _counts(copy) == snapshot.rows == source
        assert snapshot.rows["outbox"] == MESSAGES and snapshot.revision == head_revision()
        rows = await outbox_rows(copy)
    finally:
        await engine.dispose()

    states = [row.state for row in rows]
    sent = [row for row in rows if row.state is OutboxState.SENT]
    assert 20 <= len(sent) <= MESSAGES // 2, "the backup was taken in the middle of the sending"
    assert set(states) <= {OutboxState.SENT, OutboxState.SENDING, OutboxState.PENDING}
    for row in rows:  # each row as the source held it at some moment, consistent in itself
        assert final[row.key].state is OutboxState.SENT
        assert (row.chat_id, row.params) == (final[row.key].chat_id, final[row.key].params)
        if row.state is OutboxState.SENT:
            assert row.sent_at == final[row.key].sent_at and row.attempts == 1
            assert [c.text for c in fake_api.sent_to(row.chat_id)] == [f"Note {row.chat_id}"]
        else:
            assert row.sent_at is None
            assert (row.claimed_by is not None) == (row.state is OutboxState.SENDING)


@SQLITE_ONLY
async def test_restore_refuses_while_the_bot_has_the_database_open(
    database_url: str, sessions: Sessions, clock: FakeClock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = tmp_path / "lotse.db"
    live_url = f"sqlite+aiosqlite:///{live}"
    backup_file = tmp_path / "backup.db"
    backup(database_url, backup_file)  # the suite's database: municipalities, no clients
    await add_clients(sessions, 3, now=clock.now)
    backup(database_url, live)  # the "live" database, which has three clients
    monkeypatch.setenv("DATABASE_URL", live_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))

    assert backup_file.stat().st_mode & 0o777 == 0o600  # personal data
    live.chmod(0o640)
    engine = make_engine(live_url)  # a running bot keeps its connections open
    try:
        async with engine.connect() as connection:
            await connection.execute(select(func.count()).select_from(OutboxMessage))
            await connection.commit()  # idle now, as between two dispatcher runs
            code, out, err = _cli(capsys, "restore", str(backup_file))
            assert (code, out) == (2, "")
            assert err == (f"lotse: error: the database {live} is in use: stop the bot first "
                           "(e.g. `systemctl stop lotse`), then restore\n")
    finally:
        await engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.db", "lotse.db"]

    code, out, err = _cli(capsys, "restore", str(backup_file))
    kept = tmp_path / "lotse.db.before-restore-" f"{datetime.now(UTC):%Y%m%d}"
    assert (code, err) == (0, "")
    assert out.startswith(f"restored {backup_file} into {live}: schema revision ")
    (kept_file,) = tmp_path.glob("lotse.db.before-restore-*")
    assert kept_file.name.startswith(kept.name) and kept_file.name in out
    clients = "SELECT count(*) FROM clients"
    assert live.stat().st_mode & 0o777 == 0o640  # as the file it replaced
    assert sqlite3.connect(live).execute(clients).fetchone() == (0,)
    assert sqlite3.connect(kept_file).execute(clients).fetchone() == (3,)


@SQLITE_ONLY
async def test_restore_refuses_a_file_that_is_no_lotse_database_or_too_new(
    database_url: str, sessions: Sessions, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = tmp_path / "lotse.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{live}")
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    junk, foreign, newer, older = (tmp_path / name for name in (
        "junk.db", "foreign.db", "newer.db", "older.db"))
    junk.write_text("not a database\n")
    sqlite3.connect(foreign).execute("CREATE TABLE notes (text)").connection.commit()
    for path, revision in ((newer, "9999"), (older, "0009")):
        backup(database_url, path)
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))
    expected = {
        junk: f"{junk} is not a SQLite database (file is not a database)",
        foreign: f"{foreign} is not a Lotse database (it has no schema revision)",
        newer: f"{newer} is at schema revision 9999, which this version of Lotse does not "
               "know (a newer version wrote it): update Lotse first",
        tmp_path / "missing.db": f"there is no backup file {tmp_path / 'missing.db'}",
    }
    for path, message in expected.items():
        assert _cli(capsys, "restore", str(path)) == (2, "", f"lotse: error: {message}\n")
    assert not live.exists()

    code, out, _ = _cli(capsys, "restore", str(older))
    assert code == 0 and "kept" not in out
    assert out.endswith("note: its schema is older than this version's: "
                        "run `lotse migrate` before `lotse run`\n")


@SQLITE_ONLY
def test_backup_refuses_the_database_itself_and_a_missing_one(
    database_url: str, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="is the database itself"):
        backup(database_url, _file(database_url))
    with pytest.raises(BackupError, match="there is no database file"):
        backup(f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "b.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.environ.get("LOTSE_TEST_DATABASE_URL"),
                    reason="needs PostgreSQL (LOTSE_TEST_DATABASE_URL)")
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_named_pg_dump_and_pg_restore_lines_copy_a_postgres_database(
    database_url: str, sessions: Sessions, clock: FakeClock, tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    await add_clients(sessions, 5, now=clock.now)
    dump = tmp_path / "lotse.dump"
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    code, out, err = _cli(capsys, "backup", str(dump))
    dump_line, _ = postgres_commands(database_url, dump)
    assert (code, out) == (2, "") and f"run `{dump_line}`" in err

    await asyncio.to_thread(subprocess.run, shlex.split(dump_line), check=True,
                            capture_output=True)
    before = await _counts(sessions)
    async with sessions() as session, session.begin():  # what the backup should undo
        await session.execute(delete(Client))
    # Restored over the database itself, as after a mistake (the bot stopped).
    _, restore_line = postgres_commands(database_url, dump)
    await asyncio.to_thread(subprocess.run, shlex.split(restore_line), check=True,
                            capture_output=True)
    assert before["clients"] == 5 and await _counts(sessions) == before
