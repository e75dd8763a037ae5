"""Fixtures: a fresh database per test (a temporary SQLite file, and a fresh PostgreSQL schema
when AWARDS_TEST_DATABASE_URL is set), a copy of one migrated by the real migrations once per
session (tests/migrated.py); the app over real HTTP through Litestar's test client; argon2 costs
lowered for speed (tests only)."""

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import ProgrammingError

from awards.app import create_app
from awards.settings import Argon2Params, Settings
from tests import migrated
from tests.factories import Browser, create_staff_user, scratch_schema


def _database_of_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a PostgreSQL database of its own (made once, kept),
    beside the one named: the scrub after a close waits for every transaction older than the
    close in its database, as it must, and another worker's tests must not be those."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    named = make_url(url)
    mine = f"{named.database}_{worker}"
    admin = create_engine(named.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = text("SELECT 1 FROM pg_database WHERE datname = :name")
            # suppress: made by a run beside this one in the meantime
            if not conn.scalar(exists, {"name": mine}):
                with contextlib.suppress(ProgrammingError):
                    conn.execute(text(f'CREATE DATABASE "{mine}"'))
    finally:
        admin.dispose()
    return named.set(database=mine).render_as_string(hide_password=False)


PG_URL = _database_of_this_worker(os.environ.get("AWARDS_TEST_DATABASE_URL", ""))
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
FAST_ARGON2 = Argon2Params(time_cost=1, memory_kib=1024, parallelism=1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """A database test runs on each configured database, or only on the one its `database`
    marker names (a test of SQLite's files, of PostgreSQL's heap): it is not generated for the
    others, rather than generated and skipped."""
    if "database_url" not in metafunc.fixturenames:
        return
    marker = metafunc.definition.get_closest_marker("database")
    if marker is None:
        backends = BACKENDS
    elif marker.args in (("sqlite",), ("postgresql",)):
        backends = list(marker.args)
    else:
        raise pytest.UsageError(f"{metafunc.definition.nodeid}: database('sqlite' or 'postgresql')")
    metafunc.parametrize("database_url", backends, indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    """Numba's compiled functions (pref_voting's, see test_crosscheck) are kept in pytest's
    cache, shared by every run and every xdist worker on this machine."""
    if getattr(config, "cache", None) is not None:  # none with -p no:cacheprovider
        os.environ.setdefault("NUMBA_CACHE_DIR", str(config.cache.mkdir("numba")))


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    """An empty database of each configured kind, not migrated."""
    if request.param == "postgresql" and not PG_URL:
        pytest.skip("a PostgreSQL-only test: set AWARDS_TEST_DATABASE_URL to a PostgreSQL server")
    if request.param == "sqlite":
        yield migrated.sqlite_url(tmp_path / "awards.db")
        return
    with scratch_schema(PG_URL) as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated.sqlite_template(tmp_path_factory.mktemp("template") / "awards.db")


@pytest.fixture(scope="session")
def postgres_migration() -> list[migrated.Statement]:
    with scratch_schema(PG_URL) as url:
        return migrated.record_migration(url)


@pytest.fixture
def settings(database_url: str, tmp_path, request: pytest.FixtureRequest) -> Settings:
    """Settings for the test's database, migrated (a copy of the session's template)."""
    if database_url.startswith("sqlite"):
        migrated.copy_sqlite(request.getfixturevalue("sqlite_template"), database_url)
    else:
        migrated.replay(database_url, request.getfixturevalue("postgres_migration"))
    return Settings(
        database_url=database_url,
        base_url="http://testserver.local",  # where the test client sends its requests
        secret_key="test-secret-" + uuid.uuid4().hex,
        cookie_secure=False,
        argon2=FAST_ARGON2,
        records_dir=tmp_path / "records",
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def browser(client: TestClient) -> Browser:
    return Browser(client)


@pytest.fixture
def second_browser(settings: Settings) -> Iterator[Browser]:
    """Another person's browser on another app process over the same database."""
    with TestClient(create_app(settings), base_url="http://testserver.local") as test_client:
        yield Browser(test_client)


STAFF_PASSWORD = "correct horse battery staple"


@pytest.fixture
def staff_user(settings: Settings) -> str:
    create_staff_user(settings, "editor", STAFF_PASSWORD)
    return "editor"


@pytest.fixture
def every_request_ticks() -> Iterator[None]:
    """The schedule's pass before every request, not every five seconds."""
    from awards.web import ScheduleMiddleware

    ScheduleMiddleware.EVERY_SECONDS = 0.0
    try:
        yield
    finally:
        ScheduleMiddleware.EVERY_SECONDS = 5.0


@pytest.fixture
def staff(browser: Browser, staff_user: str) -> Browser:
    """A browser logged in as staff."""
    response = browser.login(staff_user, STAFF_PASSWORD)
    assert response.status_code == 303, response.text
    return browser
