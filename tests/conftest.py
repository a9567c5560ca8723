"""Shared fixtures: a migrated database per backend, the fake Bot API, the running bot.

The suite runs on SQLite always and, when ``LOTSE_TEST_DATABASE_URL`` is set, on PostgreSQL
too: every test that uses the database runs once per backend.
"""

from __future__ import annotations

import asyncio
import functools
import os
import ssl
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import app as bot_app
from bot.app import build_application
from bot.config import Settings, load_municipalities, load_settings
from bot.municipalities import sync_municipalities
from models import Base
from models.migrate import upgrade
from models.session import make_engine, make_sessionmaker
from tests.support.fakes.telegram_api import FakeTelegramAPI
from tests.support.harness import Harness

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_CONFIG = ROOT / "lotse.example.toml"
TOKEN = "123456:TEST-token-abcdefghij"
ADMIN_ID = 900001
BACKENDS = ["sqlite"] + (["postgresql"] if os.environ.get("LOTSE_TEST_DATABASE_URL") else [])


@dataclass
class FakeClock:
    """The bot's idea of now; tests move it forward."""

    now: datetime = field(default_factory=lambda: datetime(2026, 3, 2, 9, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(scope="session", autouse=True)
def _one_tls_context() -> Iterator[None]:
    """Build httpx's default TLS context once per test session instead of once per client.

    Every Application builds two httpx clients and each loads the whole CA bundle (about
    65 ms of CPU), although tests only speak plain HTTP to the fake Bot API. Clients that ask
    for anything but the default still get their own context.
    """
    from httpx._transports import default as transport

    create = transport.create_ssl_context
    shared = functools.cache(create)

    def create_ssl_context(verify: Any = True, cert: Any = None, trust_env: bool = True
                           ) -> ssl.SSLContext:
        if verify is True and cert is None and trust_env:
            return shared()
        return create(verify=verify, cert=cert, trust_env=trust_env)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(transport, "create_ssl_context", create_ssl_context)
        yield


def _run_on_server(admin_url: str, sql: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE need that)."""
    import asyncpg

    url = make_url(admin_url)

    async def run() -> None:
        connection = await asyncpg.connect(
            host=url.host, port=url.port or 5432, user=url.username, password=url.password,
            database=url.database,
        )
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run())


def _create_postgres_database(admin_url: str) -> str:
    """A fresh database next to the given one, so tests never touch real data."""
    name = f"lotse_test_{uuid.uuid4().hex[:10]}"
    _run_on_server(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_postgres_database(admin_url: str, test_url: str) -> None:
    name = make_url(test_url).database
    _run_on_server(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[str]:
    """A database migrated to the newest schema with Alembic, once per backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'lotse.db'}"
        upgrade(url)
        yield url
        return
    admin_url = os.environ["LOTSE_TEST_DATABASE_URL"]
    url = _create_postgres_database(admin_url)
    try:
        upgrade(url)
        yield url
    finally:
        _drop_postgres_database(admin_url, url)


# Empties every table and restarts the id sequences in one round trip (one statement each
# cost ~25 ms per test more). DELETE, not TRUNCATE: TRUNCATE is slower on small tables.
_EMPTY_POSTGRES = "DO $$ BEGIN {} END $$".format(" ".join([
    *(f'DELETE FROM "{table.name}";' for table in reversed(Base.metadata.sorted_tables)),
    *(f"PERFORM setval(pg_get_serial_sequence('{table.name}', 'id'), 1, false);"
      for table in Base.metadata.sorted_tables if "id" in table.c),
]))


@pytest.fixture
async def sessions(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A session factory on an emptied database that knows the example municipalities."""
    engine = make_engine(database_url)
    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(_EMPTY_POSTGRES))
        else:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(table.delete())
    factory = make_sessionmaker(engine)
    async with factory() as session, session.begin():
        await sync_municipalities(session, load_municipalities(EXAMPLE_CONFIG))
    yield factory
    await engine.dispose()


@pytest.fixture
async def fake_api() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI() as fake:
        yield fake
        # Every request the bot made must have been valid by the Bot API specification.
        fake.assert_no_violations()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def settings(database_url: str, fake_api: FakeTelegramAPI) -> Settings:
    return load_settings({
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": fake_api.base_url,
        "DATABASE_URL": database_url,
        "LOTSE_CONFIG": str(EXAMPLE_CONFIG),
        "LOTSE_ADMIN_IDS": str(ADMIN_ID),
    })


async def _no_public_menus(bot: object, timezone: object) -> None:
    """Stands in for handlers.menus.set_public_menus in tests that do not look at menus."""


@pytest.fixture
async def harness(
    request: pytest.FixtureRequest, settings: Settings, fake_api: FakeTelegramAPI,
    clock: FakeClock, sessions: async_sessionmaker[AsyncSession],
) -> AsyncIterator[Harness]:
    """The real Application, initialised as ``lotse run`` would, talking to the fake API.

    Its rate limiter waits on virtual time: Telegram's per-chat pace (a burst of 3, then one
    answer a second) would otherwise cost real seconds in every conversation of a test. The
    limits themselves are proven in test_limiter.py and test_rate_limit_e2e.py.

    Only tests marked ``public_menus`` get the public command menus and descriptions: they are
    the same 24 requests in every test (about 40 ms), and tests/test_app_e2e.py checks them.
    """
    from tests.support.dispatch_helpers import VirtualTime  # (it imports this module)

    app = build_application(settings, clock=clock)
    virtual = VirtualTime()
    app.bot_data.limiter.monotonic, app.bot_data.limiter.sleep = virtual.monotonic, virtual.sleep
    async with app:
        assert app.post_init is not None
        with pytest.MonkeyPatch.context() as patch:
            if request.node.get_closest_marker("public_menus") is None:
                patch.setattr(bot_app, "set_public_menus", _no_public_menus)
            await app.post_init(app)
        await app.start()  # the JobQueue runs, as in production; no updater is needed
        yield Harness(app, fake_api)
        await app.stop()
        assert app.post_shutdown is not None
        await app.post_shutdown(app)
