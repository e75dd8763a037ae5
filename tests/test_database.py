"""The database layer: migrations on both databases, SQLite pragmas and locking, units of work,
and commits that fail answering an error, never a success."""

import asyncio
import sqlite3
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, func, insert, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import StatementError

from awards.database import Database
from awards.models import Base, Season, StaffUser
from awards.settings import Settings
from tests.factories import run_db


def test_migrated_schema_matches_the_models(settings: Settings):
    async def diff() -> list:
        db = Database.from_settings(settings)
        try:
            async with db.engine.connect() as conn:
                return await conn.run_sync(
                    lambda sync: compare_metadata(
                        MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                    )
                )
        finally:
            await db.dispose()

    assert asyncio.run(diff()) == []


def _sqlite_path(settings: Settings) -> str:
    return settings.database_url.split(":///", 1)[1]


def _write_lock(settings: Settings) -> str:
    """Whether another connection could take SQLite's write lock now: "free", or the error."""
    other = sqlite3.connect(_sqlite_path(settings), timeout=0)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.rollback()
        return "free"
    except sqlite3.OperationalError as exc:
        return str(exc)
    finally:
        other.close()


@pytest.mark.database("sqlite")
def test_sqlite_pragmas_on_a_pooled_connection(settings: Settings):
    async def pragmas() -> dict[str, object]:
        db = Database.from_settings(settings)
        try:
            for _ in range(2):  # the second checkout is a connection back from the pool
                async with db.reader() as session:
                    values = {
                        name: await session.scalar(text(f"PRAGMA {name}"))
                        for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
                    }
            return values
        finally:
            await db.dispose()

    values = asyncio.run(pragmas())
    assert values["journal_mode"] == "wal"
    assert values["synchronous"] == 2  # FULL
    assert values["foreign_keys"] == 1
    assert values["busy_timeout"] >= 5000


@pytest.mark.database("sqlite")
def test_sqlite_writer_takes_the_write_lock_at_begin(settings: Settings):
    """A writing transaction holds the lock from its first statement, even a read."""

    async def probe() -> str:
        db = Database.from_settings(settings)
        try:
            async with db.writer() as session, session.begin():
                await session.scalar(select(func.count()).select_from(Season))
                return _write_lock(settings)
        finally:
            await db.dispose()

    assert asyncio.run(probe()) == "database is locked"


def _add_season(connection: Connection, code: str) -> str:
    connection.execute(insert(Season).values(code=code, name=f"{code} 年度推优", year=int(code)))
    return code


def _add_season_then_fail(connection: Connection, code: str) -> None:
    _add_season(connection, code)
    raise RuntimeError("refused after writing")


def _season_codes(connection: Connection) -> list[str]:
    return sorted(connection.scalars(select(Season.code)))


def test_write_units_commit_on_return_and_roll_back_on_raise_read_units_always_roll_back(
    settings: Settings,
):
    async def scenario() -> list[str]:
        db = Database.from_settings(settings)
        try:
            assert await db.write(_add_season, "2025") == "2025"
            with pytest.raises(RuntimeError):
                await db.write(_add_season_then_fail, "2026")
            assert await db.read(_add_season, "2027") == "2027"  # a reading unit: rolled back
            return await db.read(_season_codes)
        finally:
            await db.dispose()

    assert asyncio.run(scenario()) == ["2025"]


@pytest.mark.database("sqlite")
def test_sqlite_write_units_hold_the_lock_from_the_start_and_run_off_the_event_loop(
    settings: Settings,
):
    """The fsync of a commit must not stall every other request, so writing units run on the
    writer thread; reading units are a few indexed rows and run on the loop itself."""

    def probe(connection: Connection) -> tuple[str, int]:
        return _write_lock(settings), threading.get_ident()

    async def scenario() -> tuple[str, int, int, int]:
        db = Database.from_settings(settings)
        try:
            lock, writer_thread = await db.write(probe)
            reader_thread = await db.read(lambda _connection: threading.get_ident())
            return lock, writer_thread, reader_thread, threading.get_ident()
        finally:
            await db.dispose()

    lock, writer_thread, reader_thread, loop_thread = asyncio.run(scenario())
    assert lock == "database is locked"
    assert writer_thread != loop_thread
    assert reader_thread == loop_thread


def _season_count(settings: Settings) -> int:
    return run_db(
        settings, lambda s: s.scalar(select(func.count()).select_from(Season)), write=False
    )


@pytest.mark.database("sqlite")
def test_request_while_the_database_is_locked_answers_busy_and_writes_nothing(
    database_url: str, tmp_path
):
    from litestar.testing import TestClient

    from awards import migrate
    from awards.app import create_app
    from tests.conftest import FAST_ARGON2, STAFF_PASSWORD
    from tests.factories import Browser, create_staff_user

    settings = Settings(
        database_url=database_url,
        base_url="http://testserver.local",
        cookie_secure=False,
        argon2=FAST_ARGON2,
        sqlite_busy_timeout_ms=300,
    )
    migrate.upgrade(settings)
    create_staff_user(settings, "editor", STAFF_PASSWORD)
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        browser = Browser(client)
        assert browser.login("editor", STAFF_PASSWORD).status_code == 303
        holder = sqlite3.connect(_sqlite_path(settings), timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            response = browser.post(
                "/staff/seasons/new", {"code": "2025", "name": "2025 年度推优", "year": "2025"}
            )
        finally:
            holder.rollback()
            holder.close()
        assert response.status_code == 503
        assert "数据库繁忙" in response.text
        assert _season_count(settings) == 0
        retry = browser.post(
            "/staff/seasons/new", {"code": "2025", "name": "2025 年度推优", "year": "2025"}
        )
        assert retry.status_code == 303
        assert _season_count(settings) == 1


@pytest.mark.database("sqlite")
def test_a_cast_while_the_database_is_locked_answers_busy_and_stores_nothing(
    settings: Settings,
):
    """Casting writes through the unit path (its own connection and thread): a lock held by
    another process still ends in "busy, try again", never a 500 or half a ballot."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from awards.app import create_app
    from awards.models import Ballot, Participation
    from tests.factories import Browser, build_election, juror_login

    settings = replace(settings, sqlite_busy_timeout_ms=300)
    election = build_election(settings, jurors=1, methods=("approval",))
    ballot = {"ballots": {"approval": {"approve": election.nominees["approval"][:1]}}}
    url = f"/api/rounds/{election.round_id}/cast"

    def stored() -> tuple[int, int]:
        async def count(s):
            return (
                await s.scalar(select(func.count()).select_from(Participation)),
                await s.scalar(select(func.count()).select_from(Ballot)),
            )

        return run_db(settings, count, write=False)

    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        browser = Browser(client)
        assert juror_login(browser, election.emails[0]).status_code == 303
        headers = {"x-csrftoken": browser.csrf()}
        holder = sqlite3.connect(_sqlite_path(settings), timeout=0)
        holder.execute("BEGIN IMMEDIATE")
        try:
            busy = client.post(url, json=ballot, headers=headers)
        finally:
            holder.rollback()
            holder.close()
        assert busy.status_code == 503
        assert "数据库繁忙" in busy.json()["error"]
        assert stored() == (0, 0)
        assert client.post(url, json=ballot, headers=headers).status_code == 201
        assert stored() == (1, 1)


@pytest.mark.database("sqlite")
def test_login_verifies_the_password_before_taking_the_write_lock(
    settings: Settings, staff_user: str
):
    """argon2 takes a tenth of a second: were it run inside the login's writing transaction,
    every cast in the process would wait for it."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from awards.accounts.passwords import Passwords
    from awards.app import create_app
    from tests.conftest import STAFF_PASSWORD
    from tests.factories import Browser

    lock_seen: list[str] = []

    class Probe(Passwords):
        async def verify(self, stored: str | None, password: str) -> bool:
            lock_seen.append(_write_lock(settings))
            return await super().verify(stored, password)

    app = create_app(settings)
    with TestClient(app, base_url="http://testserver.local") as client:
        services = app.state.services
        app.state.services = replace(services, passwords=Probe(settings.argon2, 2))
        assert Browser(client).login(staff_user, STAFF_PASSWORD).status_code == 303
        assert Browser(client).login(staff_user, "not the password").status_code == 401
    assert lock_seen == ["free", "free"]


def test_a_failed_commit_answers_an_error_not_success(staff, settings: Settings):
    """The commit happens before the response is sent, so its failure reaches the person."""
    from sqlalchemy.orm import Session

    def mark(session: Session, _context: object, _instances: object) -> None:
        if any(isinstance(obj, Season) for obj in session.new):
            session.info["wrote_season"] = True

    def refuse(session: Session) -> None:
        if session.info.get("wrote_season"):
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(Session, "before_flush", mark)
    event.listen(Session, "before_commit", refuse)
    try:
        response = staff.post(
            "/staff/seasons/new", {"code": "2025", "name": "2025 年度推优", "year": "2025"}
        )
    finally:
        event.remove(Session, "before_commit", refuse)
        event.remove(Session, "before_flush", mark)
    assert response.status_code >= 500
    assert response.status_code != 303
    assert _season_count(settings) == 0


def test_times_are_stored_in_utc_read_back_aware_and_naive_ones_refused(settings: Settings):
    """Every `datetime` column (`awards.models.base.DateTimeUTC`): SQLite keeps no offset, so the
    UTC wall time is what is stored; a naive time would be stored as whatever zone it meant."""
    shanghai = datetime(2024, 3, 1, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

    async def scenario(session) -> tuple[datetime, str]:
        await session.execute(
            insert(StaffUser).values(
                username="clock", display_name="clock", password_hash="x", role="admin",
                created_at=shanghai,
            )
        )  # fmt: skip
        read = await session.scalar(select(StaffUser.created_at))
        stored = await session.scalar(text("SELECT CAST(created_at AS TEXT) FROM staff_user"))
        with pytest.raises(StatementError, match="tzinfo is required"):
            await session.execute(
                update(StaffUser).values(created_at=datetime(2024, 3, 1))  # noqa: DTZ001
            )
        return read, stored

    read, stored = run_db(settings, scenario)
    assert read == shanghai
    assert read.utcoffset() is not None
    if settings.database_url.startswith("sqlite"):
        assert read.tzinfo is UTC
        assert stored.startswith("2024-03-01 00:00:00")
