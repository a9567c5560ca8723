"""Reads on the path of every update, past the ORM: who writes, in one trip to the database.

``read_rows`` runs such a statement inside a session in one trip (SQLite) instead of four;
``Reader`` keeps a connection of its own for it, so that most updates need no session at all.
"""

from __future__ import annotations

import asyncio
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CompoundSelect, Select
from sqlalchemy.engine import Compiled
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from models.session import CONNECT_TIMEOUT_SECONDS


@dataclass(frozen=True)
class _RawForm:
    """A statement compiled once for a dialect: its SQL, its parameter order, its row type."""

    statement: Select[Any] | CompoundSelect[Any]
    compiled: Compiled
    names: tuple[str, ...]
    row: Callable[..., tuple[Any, ...]]

    async def fetch(self, driver_connection: Any, params: Mapping[str, Any]) -> list[Any]:
        values = self.compiled.construct_params(dict(params)) or {}
        rows = await driver_connection.execute_fetchall(
            self.compiled.string, [values[name] for name in self.names])
        return [self.row(*row) for row in rows]


_raw_forms: dict[tuple[int, str], _RawForm] = {}


async def read_rows(session: AsyncSession, statement: Select[Any] | CompoundSelect[Any],
                    params: Mapping[str, Any]) -> Sequence[Any]:
    """The rows of a read-only statement that runs on every update, named by its columns.

    On SQLite this is one trip to aiosqlite's thread instead of four (SQLAlchemy's cursor
    opens, executes, fetches and closes, each a trip, and each trip is a switch between
    threads). The raw form gets the parameters as they are and gives the values as SQLite
    has them (a boolean is 0 or 1), so it suits statements of plain ints and strings; the
    statement is compiled once and kept.
    """
    connection = await session.connection()
    if connection.dialect.name != "sqlite":
        return list((await session.execute(statement, dict(params))).all())
    form = _raw_form(statement, connection.dialect)
    raw = await connection.get_raw_connection()
    return await form.fetch(raw.driver_connection, params)


def _raw_form(statement: Select[Any] | CompoundSelect[Any], dialect: Any) -> _RawForm:
    key = (id(statement), dialect.name)
    form = _raw_forms.get(key)
    if form is None or form.statement is not statement:
        compiled = statement.compile(dialect=dialect)
        form = _raw_forms[key] = _RawForm(
            statement, compiled, tuple(compiled.positiontup or ()),
            namedtuple("Row", [column.key for column in statement.selected_columns]))  # type: ignore[misc]
    return form


class Reader:
    """A connection of its own, read-only, for the one query every update makes (who writes).

    Through a session that query costs about 320 µs of CPU on SQLite (session, pool, greenlet;
    on PostgreSQL also the pool's ping); on its own connection about 95 µs. It sees everything
    committed, as a new session would. ``open`` gives the one for the engine's database: a
    SQLite file (an in-memory database would be another database) or PostgreSQL.
    """

    def __init__(self, connection: Any, dialect: Any) -> None:
        self._connection, self._dialect = connection, dialect

    @staticmethod
    async def open(engine: AsyncEngine) -> Reader | None:
        """The reader for ``engine``'s database; None for an in-memory SQLite database."""
        url = engine.url
        if url.get_backend_name() == "postgresql":
            return await PostgresReader.connect(engine)
        if url.database in (None, "", ":memory:"):
            return None
        import aiosqlite

        connection = await aiosqlite.connect(url.database, timeout=30)
        await connection.execute("PRAGMA query_only=ON")
        await connection.execute("PRAGMA busy_timeout=30000")
        return Reader(connection, engine.sync_engine.dialect)

    async def rows(self, statement: Select[Any] | CompoundSelect[Any],
                   params: Mapping[str, Any]) -> Sequence[Any]:
        """As :func:`read_rows`, in one trip to the connection's thread."""
        return await _raw_form(statement, self._dialect).fetch(self._connection, params)

    async def close(self) -> None:
        await self._connection.close()


class PostgresReader(Reader):
    """The reader on PostgreSQL: one asyncpg connection, one query at a time (a lock: asyncpg
    refuses a second while one runs), opened again after the server dropped it."""

    def __init__(self, engine: AsyncEngine, connection: Any) -> None:
        super().__init__(connection, engine.sync_engine.dialect)
        self._engine, self._lock = engine, asyncio.Lock()

    @staticmethod
    async def _open(engine: AsyncEngine) -> Any:
        """A connection as the engine's own would be made (host, password, SSL options)."""
        import asyncpg  # type: ignore[import-untyped]

        args, options = engine.sync_engine.dialect.create_connect_args(engine.url)
        for only_sqlalchemy in ("async_fallback", "async_creator_fn",
                                "prepared_statement_cache_size", "prepared_statement_name_func"):
            options.pop(only_sqlalchemy, None)
        return await asyncpg.connect(*args, **{"timeout": CONNECT_TIMEOUT_SECONDS, **options})

    @classmethod
    async def connect(cls, engine: AsyncEngine) -> PostgresReader:
        return cls(engine, await cls._open(engine))

    async def rows(self, statement: Select[Any] | CompoundSelect[Any],
                   params: Mapping[str, Any]) -> Sequence[Any]:
        import asyncpg

        form = _raw_form(statement, self._dialect)  # compiled for asyncpg: $1 … $n
        values = form.compiled.construct_params(dict(params)) or {}
        arguments = [values[name] for name in form.names]
        async with self._lock:
            for attempt in (1, 2):
                if self._connection.is_closed():
                    self._connection = await self._open(self._engine)
                try:
                    records = await self._connection.fetch(form.compiled.string, *arguments)
                    break
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError,
                        asyncpg.InternalClientError):
                    # Dropped by the server (a restart: "terminating connection", or a
                    # connection still being torn down): once more on a new one. A read-only
                    # query loses nothing by a second try.
                    if attempt == 2:  # the server is gone: the update fails as it would
                        raise
                    self._connection.terminate()
        return [form.row(*record) for record in records]

    async def close(self) -> None:
        await self._connection.close()
