"""Engine and session factory; one unit of work per handler or job, committed by the caller."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

CONNECT_TIMEOUT_SECONDS = 10


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """Create the engine; SQLite gets foreign keys, WAL and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        _skip_idle_commits(engine)
        return engine
    # A server that accepts but never answers (a dead host behind a firewall) fails in 10 s,
    # not in asyncpg's default minute.
    kwargs.setdefault("connect_args", {"timeout": CONNECT_TIMEOUT_SECONDS})
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _skip_idle_commits(engine: AsyncEngine) -> None:
    """Commit and roll back only a connection that is inside a transaction.

    For sqlite3 both are no-ops outside one, but through aiosqlite each is a trip to the
    connection's thread; a read-only unit of work (most updates' only one) took two of them,
    its commit and the pool's rollback when the connection went back."""
    dialect = engine.sync_engine.dialect
    commit, rollback = dialect.do_commit, dialect.do_rollback

    def in_transaction(dbapi_connection: Any) -> bool:
        driver = getattr(dbapi_connection, "driver_connection", None)
        return driver is None or bool(driver.in_transaction)

    def do_commit(dbapi_connection: Any) -> None:
        if in_transaction(dbapi_connection):
            commit(dbapi_connection)

    def do_rollback(dbapi_connection: Any) -> None:
        if in_transaction(dbapi_connection):
            rollback(dbapi_connection)

    dialect.do_commit = do_commit  # type: ignore[method-assign]
    dialect.do_rollback = do_rollback  # type: ignore[method-assign]


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def unit_of_work(factory: async_sessionmaker[AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Open a session and a transaction; commit on success, roll back on any error."""
    async with factory() as session, session.begin():
        yield session
