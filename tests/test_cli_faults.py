"""Faults at the edges of the command line: one clear line, a non-zero exit, nothing half done.

Every command runs as a real process (``python -m bot …``), as an operator starts it; the
processes of one test run side by side to keep the suite fast.
"""

from __future__ import annotations

import asyncio
import os
import re
import sqlite3
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bot.cli_database import describe
from models.migrate import alembic_config, upgrade
from tests.conftest import EXAMPLE_CONFIG, TOKEN
from tests.reminders.test_waste_import import ics
from tests.support.fakes.telegram_api import FakeTelegramAPI

PASSWORD = "geheim-7f3a"
STATS = ("stats", "--municipality", "cleebronn", "--quarter", "2026Q1")
INVITE = ("invite", "client", "--name", "Olena", "--municipality", "cleebronn")


@dataclass(frozen=True)
class Result:
    code: int
    out: str
    err: str

    def one_error_line(self) -> str:
        """The single line on stderr of a failed command (nothing on stdout)."""
        assert self.code == 2, (self.code, self.out, self.err)
        assert "Traceback" not in self.out + self.err, self.err
        assert self.out == "" and self.err.count("\n") == 1, (self.out, self.err)
        assert self.err.startswith("lotse: error: "), self.err
        return self.err.strip()


async def lotse(*args: str | Path, database: str, api: str = "http://127.0.0.1:9/bot",
                config: Path = EXAMPLE_CONFIG) -> Result:
    env = {**os.environ, "DATABASE_URL": database, "LOTSE_CONFIG": str(config),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": api}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *map(str, args), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return Result(process.returncode, out.decode(), err.decode())


def _sqlite(path: Path) -> str:
    return f"sqlite:///{path}"


def _set_revision(path: Path, revision: str) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = ?", (revision,))


def _count(path: Path, table: str) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


async def test_database_faults_end_in_one_line_for_every_command(
    tmp_path: Path, fake_api: FakeTelegramAPI
) -> None:
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    await asyncio.to_thread(command.upgrade, alembic_config(f"sqlite+aiosqlite:///{old}"), "0005")
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{new}")
    _set_revision(new, "9999")  # migrated by a newer Lotse
    calendar = tmp_path / "nord.ics"
    start = date.today() + timedelta(days=7)
    calendar.write_text(ics(f"DTSTART;VALUE=DATE:{start:%Y%m%d}\nSUMMARY:Restmüll"))
    missing_dir = _sqlite(tmp_path / "missing" / "lotse.db")
    no_file = tmp_path / "none.db"
    unreachable = f"postgresql://lotse:{PASSWORD}@127.0.0.1:1/lotse"
    report = tmp_path / "q1.pdf"
    cases = [
        (("run",), missing_dir, "the directory .*missing does not exist"),
        (("migrate",), missing_dir, "the directory .*missing does not exist"),
        (("report", *STATS[1:], "--format", "pdf", "--out", report), _sqlite(no_file),
         "there is no file .*none.db: run `lotse migrate` first"),
        (INVITE, unreachable, "cannot open the database postgresql.*connection refused"),
        (("import-waste", calendar, "--municipality", "cleebronn", "--zone", "Nord"),
         _sqlite(old), "at schema revision 0005, this version needs .*: run `lotse migrate`"),
        (STATS, _sqlite(new), "revision 9999, which this version of Lotse does not know"),
        (("migrate",), _sqlite(new), "revision 9999, which this version of Lotse does not know"),
    ]
    if admin_url := os.environ.get("LOTSE_TEST_DATABASE_URL"):
        missing_db = make_url(admin_url).set(database="lotse_no_such_db", password=PASSWORD)
        cases.append((STATS, missing_db.render_as_string(hide_password=False),
                      'database "lotse_no_such_db" does not exist .*createdb'))
    results = await asyncio.gather(*(lotse(*args, database=url, api=fake_api.base_url)
                                     for args, url, _ in cases))
    for (args, _, expected), result in zip(cases, results, strict=True):
        line = result.one_error_line()
        assert re.search(expected, line), (args, line)
        assert PASSWORD not in line
    # Nothing is created on the way: no database file, no directory, no report.
    assert not no_file.exists() and not (tmp_path / "missing").exists() and not report.exists()


def test_a_refused_password_is_named_without_the_password() -> None:
    class InvalidPassword(Exception):
        sqlstate = "28P01"

    url = f"postgresql+asyncpg://lotse:{PASSWORD}@db.example.org/lotse"
    error = DBAPIError("connect", None,
                       InvalidPassword(f'password authentication failed for user "lotse" '
                                       f"({PASSWORD})"))
    assert describe(error, url) == (
        "cannot open the database postgresql+asyncpg://lotse:***@db.example.org/lotse: "
        'password authentication failed for user "lotse" (***) (check the user and password '
        "in DATABASE_URL)"
    )


async def test_unwritable_output_paths_stop_before_anything_is_stored(
    tmp_path: Path, fake_api: FakeTelegramAPI
) -> None:
    db = tmp_path / "lotse.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{db}")
    missing = tmp_path / "missing"
    invite, report = await asyncio.gather(
        lotse(*INVITE, "--qr", missing / "olena.png", database=_sqlite(db),
              api=fake_api.base_url),
        lotse("report", *STATS[1:], "--format", "csv", "--out", missing / "q1.csv",
              database=_sqlite(db)),
    )
    assert invite.one_error_line().endswith(f"cannot write {missing / 'olena.png'}: "
                                            f"the directory {missing} does not exist")
    assert f"cannot write {missing / 'q1.csv'}" in report.one_error_line()
    assert _count(db, "invites") == 0 and _count(db, "clients") == 0
    assert not missing.exists()


async def test_check_of_a_healthy_installation_is_quiet_and_a_bad_booking_value_is_named(
    tmp_path: Path,
) -> None:
    toml = tmp_path / "lotse.toml"
    text = EXAMPLE_CONFIG.read_text(encoding="utf-8") + (
        "\n[booking]\nmax_future_bookings = 3\ndays_ahead = 365\n")
    toml.write_text(text, encoding="utf-8")
    line = text.splitlines().index("days_ahead = 365") + 1
    database = _sqlite(tmp_path / "unused.db")
    healthy, broken = await asyncio.gather(lotse("check", database=database),
                                           lotse("check", database=database, config=toml))
    assert healthy.code == 0 and healthy.err == "", healthy.err
    assert "7 languages complete" in healthy.out
    assert broken.one_error_line() == (
        f"lotse: error: {toml}:{line}: [booking] days_ahead must be a whole number from 1 to 90")


@pytest.mark.parametrize("value", ['"3"', "true", "0"])
def test_bad_booking_values_stop_the_settings(tmp_path: Path, value: str) -> None:
    from bot.config import ConfigError, load_settings

    toml = tmp_path / "lotse.toml"
    toml.write_text(EXAMPLE_CONFIG.read_text(encoding="utf-8")
                    + f"\n[booking]\nmax_future_bookings = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"lotse\.toml:\d+: \[booking\] max_future_bookings"):
        load_settings({"LOTSE_CONFIG": str(toml)}, require_token=False)
