"""Engines and transactions.

SQLite is the embedded default and PostgreSQL the way to run several processes. On SQLite every
connection gets WAL, `synchronous=FULL`, foreign keys and a busy timeout, and the driver's own
transaction handling is switched off: its lazy `BEGIN` takes only a read lock, and a read that
later upgrades to a write fails at once with "database is locked" instead of waiting for the busy
timeout. Writing transactions therefore start with `BEGIN IMMEDIATE` (they queue for the write
lock up front), reading ones with a plain `BEGIN`.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from awards.settings import Settings

_BEGIN_OPTION = "awards_sqlite_begin"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _install_sqlite_hooks(engine: AsyncEngine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see module docstring
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def create_engine(settings: Settings, *, writer: bool = False) -> AsyncEngine:
    """`hide_parameters`: SQL logging and error messages must never carry ballot content,
    trackers, password hashes or session ids.

    On SQLite the writing engine has exactly one connection. Writers in this process then queue
    for it in the pool, where the hand-over is immediate, instead of contending for SQLite's
    lock, whose busy handler sleeps (up to 100 ms a try) and collapses throughput under load.
    Other processes still meet the lock, and wait up to the busy timeout."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        pool = {"pool_size": 1, "max_overflow": 0, "pool_timeout": 60} if writer else {}
        engine = create_async_engine(
            url,
            connect_args={"timeout": settings.sqlite_busy_timeout_ms / 1000},
            hide_parameters=True,
            **pool,
        )
        _install_sqlite_hooks(engine, settings.sqlite_busy_timeout_ms)
        if writer:
            engine = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        return engine
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


@dataclass(frozen=True)
class Database:
    """Session factories for reading and for writing (on SQLite over separate engines)."""

    engine: AsyncEngine
    write_engine: AsyncEngine
    reader: async_sessionmaker[AsyncSession]
    writer: async_sessionmaker[AsyncSession]

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        engine = create_engine(settings)
        write_engine = (
            create_engine(settings, writer=True) if is_sqlite(settings.database_url) else engine
        )
        return cls(
            engine=engine,
            write_engine=write_engine,
            reader=async_sessionmaker(engine, expire_on_commit=False),
            writer=async_sessionmaker(write_engine, expire_on_commit=False),
        )

    @asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """One transaction for a script or a background step: commit on success, else roll back."""
        factory = self.writer if write else self.reader
        async with factory() as session, session.begin():
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()
