"""The database layer: migrations on both databases, SQLite pragmas and locking, and commits
that fail answering an error, never a success."""

import asyncio
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, func, select, text

from awards.database import Database
from awards.models import Base, Season
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


@pytest.fixture
def sqlite_settings(settings: Settings) -> Settings:
    if not settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    return settings


def _sqlite_path(settings: Settings) -> str:
    return settings.database_url.split(":///", 1)[1]


def test_sqlite_pragmas_on_a_pooled_connection(sqlite_settings: Settings):
    async def pragmas() -> dict[str, object]:
        db = Database.from_settings(sqlite_settings)
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


def test_sqlite_writer_takes_the_write_lock_at_begin(sqlite_settings: Settings):
    """A writing transaction holds the lock from its first statement, even a read."""

    async def probe() -> str:
        db = Database.from_settings(sqlite_settings)
        try:
            async with db.writer() as session, session.begin():
                await session.scalar(select(func.count()).select_from(Season))
                other = sqlite3.connect(_sqlite_path(sqlite_settings), timeout=0)
                try:
                    other.execute("BEGIN IMMEDIATE")
                except sqlite3.OperationalError as exc:
                    return str(exc)
                finally:
                    other.close()
                return "no lock"
        finally:
            await db.dispose()

    assert asyncio.run(probe()) == "database is locked"


def _season_count(settings: Settings) -> int:
    return run_db(
        settings, lambda s: s.scalar(select(func.count()).select_from(Season)), write=False
    )


def test_request_while_the_database_is_locked_answers_busy_and_writes_nothing(
    database_url: str, tmp_path
):
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite only")
    from litestar.testing import TestClient

    from awards import migrate
    from awards.app import create_app
    from tests.conftest import FAST_ARGON2, STAFF_PASSWORD
    from tests.factories import Browser, create_staff_user

    settings = Settings(
        database_url=database_url,
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
