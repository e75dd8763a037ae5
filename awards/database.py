"""Engines and transactions.

SQLite is the embedded default and PostgreSQL the way to run several processes. On SQLite every
connection gets WAL, `synchronous=FULL`, foreign keys and a busy timeout, and the driver's own
transaction handling is switched off: its lazy `BEGIN` takes only a read lock, and a read that
later upgrades to a write fails at once with "database is locked" instead of waiting for the busy
timeout. Writing transactions therefore start with `BEGIN IMMEDIATE` (they queue for the write
lock up front), reading ones with a plain `BEGIN`.

Most code works with an `AsyncSession`. The requests every juror makes while voting (who is
logged in, the ballot sheet, the cast) run instead as *units*: plain functions of a Core
`Connection`, each one transaction, run by `Database.read` and `Database.write`. On PostgreSQL a
unit runs over the async driver like everything else. On SQLite it runs over the standard
`sqlite3` driver: aiosqlite hands every call to a thread and back (four hand-offs a statement,
about 0.3 ms of CPU), which made a cast cost 8 ms. A reading unit runs on the event loop itself,
since a few indexed reads in WAL mode take tens of microseconds and never wait for a writer; a
writing unit runs, whole, on the one thread that owns the process's cast-writing connection, so a
commit's fsync never blocks the loop.
"""

import asyncio
import contextvars
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

from sqlalchemy import ColumnElement, Engine, event, select
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import Connection, CursorResult, Result, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm.interfaces import ORMOption

from awards.errors import NotFound
from awards.settings import Settings

_BEGIN_OPTION = "awards_sqlite_begin"
P = ParamSpec("P")
R = TypeVar("R")
M = TypeVar("M")
Unit = Callable[Concatenate[Connection, P], R]


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _install_sqlite_hooks(engine: Engine, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, see module docstring
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros (not left in free space), and the WAL is cut
        # back to nothing whenever it restarts: old frames would keep each cast's pages.
        cursor.execute("PRAGMA secure_delete = ON")
        cursor.execute("PRAGMA journal_size_limit = 0")
        cursor.close()

    @event.listens_for(engine, "begin")
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
        _install_sqlite_hooks(engine.sync_engine, settings.sqlite_busy_timeout_ms)
        if writer:
            engine = engine.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
        return engine
    return create_async_engine(
        url, pool_pre_ping=True, pool_size=10, max_overflow=10, hide_parameters=True
    )


@dataclass(frozen=True)
class Database:
    """Session factories for reading and for writing (on SQLite over separate engines), and the
    runner of units (see the module docstring)."""

    engine: AsyncEngine
    write_engine: AsyncEngine
    reader: async_sessionmaker[AsyncSession]
    writer: async_sessionmaker[AsyncSession]
    sqlite_units: "SqliteUnits | None"

    @classmethod
    def from_settings(cls, settings: Settings) -> "Database":
        engine = create_engine(settings)
        sqlite = is_sqlite(settings.database_url)
        write_engine = create_engine(settings, writer=True) if sqlite else engine
        return cls(
            engine=engine,
            write_engine=write_engine,
            reader=async_sessionmaker(engine, expire_on_commit=False),
            writer=async_sessionmaker(write_engine, expire_on_commit=False),
            sqlite_units=SqliteUnits(settings) if sqlite else None,
        )

    async def read(self, unit: Unit[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run `unit(connection, *args)` in a reading transaction, rolled back at the end."""
        if self.sqlite_units is not None:
            return self.sqlite_units.read(unit, *args, **kwargs)
        async with self.engine.connect() as connection:
            return await connection.run_sync(unit, *args, **kwargs)

    async def write(self, unit: Unit[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        """Run `unit(connection, *args)` in a writing transaction: committed if it returns,
        rolled back if it raises."""
        if self.sqlite_units is not None:
            return await self.sqlite_units.write(unit, *args, **kwargs)
        async with self.write_engine.begin() as connection:
            return await connection.run_sync(unit, *args, **kwargs)

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
        if self.sqlite_units is not None:
            self.sqlite_units.dispose()


class SqliteUnits:
    """Units over the standard `sqlite3` driver: reads inline, writes on one writer thread.

    The writing connection is this process's second writer beside the async writing engine;
    they meet at SQLite's lock, where `BEGIN IMMEDIATE` waits up to the busy timeout. That is
    rare: units are the casts and session refreshes, everything else is short staff work."""

    def __init__(self, settings: Settings) -> None:
        url = make_url(settings.database_url).set(drivername="sqlite+pysqlite")
        # Units run on the loop's thread or the writer thread; the pool never shares a
        # connection between two threads at once.
        connect_args = {
            "timeout": settings.sqlite_busy_timeout_ms / 1000,
            "check_same_thread": False,
        }
        self._read_engine = create_sync_engine(url, connect_args=connect_args, hide_parameters=True)
        self._write_pool_engine = create_sync_engine(
            url, connect_args=connect_args, hide_parameters=True, pool_size=1, max_overflow=0
        )
        for engine in (self._read_engine, self._write_pool_engine):
            _install_sqlite_hooks(engine, settings.sqlite_busy_timeout_ms)
        self._write_engine = self._write_pool_engine.execution_options(
            **{_BEGIN_OPTION: "IMMEDIATE"}
        )
        self._writer_thread = ThreadPoolExecutor(1, thread_name_prefix="sqlite-writer")

    def read(self, unit: Unit[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        with self._read_engine.connect() as connection:
            connection.begin()  # rolled back when the connection goes back to the pool
            return unit(connection, *args, **kwargs)

    async def write(self, unit: Unit[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
        def run() -> R:
            with self._write_engine.begin() as connection:
                return unit(connection, *args, **kwargs)

        # The request's context variables (its locale above all: a unit's messages are in the
        # juror's language) go with the unit; an executor does not carry them by itself.
        context = contextvars.copy_context()
        return await asyncio.get_running_loop().run_in_executor(
            self._writer_thread, context.run, run
        )

    def dispose(self) -> None:
        self._writer_thread.shutdown()
        self._read_engine.dispose()
        self._write_pool_engine.dispose()


async def get_or_404(
    session: AsyncSession,
    model: type[M],
    ident: int,
    message: str,
    *where: ColumnElement[bool],
    options: Sequence[ORMOption] = (),
    lock: bool = False,
) -> M:
    """The row of `model` with this id, or `NotFound(message)`. A row that a `where`
    condition excludes (another juror's declaration, a draft round) answers exactly as an id
    that does not exist. `lock`: FOR UPDATE (SQLite ignores it: its writers are serialised).
    Without conditions or a lock the session's identity map may answer without a query."""
    if where or lock:
        query = select(model).filter_by(id=ident).where(*where).options(*options)
        found = await session.scalar(query.with_for_update() if lock else query)
    else:
        found = await session.get(model, ident, options=options)
    if found is None:
        raise NotFound(message)
    return found


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE matched. `AsyncSession.execute` is typed as returning
    a `Result`; for these statements it is a `CursorResult`, the type that has the count."""
    return cast(CursorResult[Any], result).rowcount
