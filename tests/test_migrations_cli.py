"""Schema migrations and the command line: migrate, run on an old schema, invite."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from models import Base, Caseworker, Client, ClientStatus
from models.session import make_engine
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.support.fakes.telegram_api import FakeTelegramAPI


def _diff(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_migrations_create_exactly_the_models_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        async with engine.connect() as connection:
            assert await connection.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_migrate_then_run_refuses_nothing_but_an_old_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'fresh.db'}")
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert "run `lotse migrate` first" in err and err.count("\n") == 1
    assert main(["migrate"]) == 0
    assert "up to date" in capsys.readouterr().out
    assert main(["migrate"]) == 0  # idempotent


def test_migrate_reports_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:1/none")
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lotse: error: cannot open the database") and err.count("\n") == 1


async def test_cli_invites_a_client_with_qr_code_and_a_caseworker(
    settings: object, database_url: str, sessions: async_sessionmaker[AsyncSession],
    fake_api: FakeTelegramAPI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", fake_api.base_url)
    qr = tmp_path / "olena.png"
    code = await asyncio.to_thread(main, ["invite", "client", "--name", "Olena",
                                          "--municipality", "cleebronn", "--language", "uk",
                                          "--qr", str(qr)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert re.search(r"^https://t\.me/lotse_test_bot\?start=[A-Za-z0-9_-]{22}$", out, re.M)
    assert qr.read_bytes().startswith(b"\x89PNG")
    code = await asyncio.to_thread(main, ["invite", "caseworker", "--name", "Frau Berger",
                                          "--municipality", "cleebronn", "--municipality",
                                          "brackenheim", "--admin"])
    assert code == 0
    async with sessions() as session:
        client = await session.scalar(select(Client))
        assert client is not None and client.status is ClientStatus.INVITED
        assert client.language == "uk" and client.reference == f"C-{client.id:04d}"
        worker = await session.scalar(select(Caseworker))
        assert worker is not None and worker.is_admin and worker.telegram_user_id is None

    assert await asyncio.to_thread(main, ["invite", "client", "--name", "X",
                                          "--municipality", "atlantis"]) == 2
    assert "unknown municipality 'atlantis'" in capsys.readouterr().err


def test_run_with_unreachable_bot_api_says_so_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'lotse.db'}")
    monkeypatch.setenv("LOTSE_CONFIG", str(EXAMPLE_CONFIG))
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("TELEGRAM_API_URL", "http://127.0.0.1:9/bot")
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lotse: error: cannot reach the Bot API at http://127.0.0.1:9/bot")
    assert err.count("\n") == 1
