"""The command line's way into the database: every way that can fail is one clear line.

An unreachable server, a missing database, a wrong password, a SQLite file whose directory
is missing or read-only, a schema older or newer than this code: each is a
:class:`DatabaseProblem` that names the database (password masked) and says what to do.
Every command opens the database through :func:`open_database` or :func:`migrate_database`,
so this is the one module that knows the drivers' errors.
"""

from __future__ import annotations

import asyncio
import os
import socket
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from alembic.util.exc import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

# What opening a database raises: asyncpg's OSError for a refused connection or an unknown
# host, Alembic's CommandError, and SQLAlchemy's wrapping of everything else.
DRIVER_ERRORS = (SQLAlchemyError, OSError, sqlite3.Error, CommandError)
MIGRATE_FIRST = "run `lotse migrate` first"
# PostgreSQL error codes worth a hint: what the operator can do about them.
_HINTS = {
    "3D000": "create it with createdb, then run `lotse migrate`",
    "28P01": "check the user and password in DATABASE_URL",
    "28000": "check the user in DATABASE_URL and the server's pg_hba.conf",
}


class DatabaseProblem(Exception):
    """The database cannot be used; the message says why and what to do, in one line."""


def masked(url: str) -> str:
    """The URL with its password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url.split("://", 1)[0] + "://…"


def describe(exc: BaseException, url: str, *, doing: str = "cannot open the database") -> str:
    """One line for a driver's error, naming the database but never its password."""
    reason = _reason(exc)
    try:
        password = make_url(url).password
    except ArgumentError:
        password = None
    if password:
        reason = reason.replace(str(password), "***")
    return f"{doing} {masked(url)}: {reason}"


@asynccontextmanager
async def open_database(url: str) -> AsyncIterator[AsyncEngine]:
    """An engine on a reachable database at this code's schema; else DatabaseProblem."""
    from models.migrate import head_revision, known_revisions
    from models.session import make_engine

    _check_sqlite_file(url, create=False)
    engine = make_engine(url)
    try:
        current = await _revision(engine, url)
        if current != head_revision():
            raise DatabaseProblem(_schema_problem(url, current, known_revisions()))
        try:
            yield engine
        except DBAPIError as exc:  # the connection broke, or a statement failed
            raise DatabaseProblem(describe(exc, url, doing="database error in")) from None
    finally:
        await engine.dispose()


def migrate_database(url: str) -> None:
    """Bring the database to the newest schema (a new SQLite file is created)."""
    from models.migrate import known_revisions, upgrade
    from models.session import make_engine

    _check_sqlite_file(url, create=True)

    async def revision() -> str | None:
        engine = make_engine(url)
        try:
            return await _revision(engine, url)
        finally:
            await engine.dispose()

    current = asyncio.run(revision())
    known = known_revisions()
    if current is not None and current not in known:
        raise DatabaseProblem(_schema_problem(url, current, known))
    try:
        upgrade(url)
    except DRIVER_ERRORS as exc:
        raise DatabaseProblem(describe(exc, url, doing="migration failed on")) from None


async def _revision(engine: AsyncEngine, url: str) -> str | None:
    from models.migrate import current_revision

    try:
        return await current_revision(engine)
    except DRIVER_ERRORS as exc:
        raise DatabaseProblem(describe(exc, url)) from None


def _schema_problem(url: str, current: str | None, known: set[str]) -> str:
    from models.migrate import head_revision

    if current is None:
        return f"the database {masked(url)} has no schema yet: {MIGRATE_FIRST}"
    if current not in known:
        return (f"the database {masked(url)} is at schema revision {current}, which this "
                "version of Lotse does not know (a newer version migrated it): update Lotse")
    return (f"the database {masked(url)} is at schema revision {current}, this version "
            f"needs {head_revision()}: {MIGRATE_FIRST}")


def _check_sqlite_file(url: str, *, create: bool) -> None:
    """Say what is wrong with a SQLite path before the driver fails on it.

    aiosqlite's failed connect also leaves its worker thread calling back into the closed
    event loop ("Event loop is closed"), so these cases are caught before connecting.
    """
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return
    path = Path(parsed.database)
    directory = path.parent
    problem = None
    if path.is_dir():
        problem = f"{path} is a directory"
    elif not directory.is_dir():
        problem = f"the directory {directory} does not exist"
    elif not path.exists() and not create:
        problem = f"there is no file {path}: {MIGRATE_FIRST}"
    elif path.exists() and not os.access(path, os.R_OK | os.W_OK):
        problem = f"{path} is not readable and writable"
    elif not os.access(directory, os.W_OK | os.X_OK):
        # SQLite creates the database and its -wal and -shm files next to it.
        problem = f"the directory {directory} is not writable"
    if problem:
        raise DatabaseProblem(f"cannot open the database {masked(url)}: {problem}")


def _reason(exc: BaseException) -> str:
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    text = " ".join(str(cause).split())[:300] or type(cause).__name__
    if isinstance(cause, ConnectionRefusedError) or "Connect call failed" in text:
        return "connection refused: is the database server running, at this host and port?"
    if isinstance(cause, socket.gaierror):
        return f"unknown host ({cause.strerror})"
    if isinstance(cause, TimeoutError):
        return "the server did not answer in time"
    hint = _HINTS.get(str(getattr(cause, "sqlstate", "")))
    return f"{text} ({hint})" if hint else text
