"""The tests' shortcut for the migrations (tests/migrated.py) gives every test the database the
migrations would have made: the same schema and the same rows (the audit chain's head, the
alembic_version row)."""

from awards import migrate
from awards.settings import Settings
from tests.conftest import PG_URL
from tests.factories import scratch_schema
from tests.migrated import snapshot, sqlite_url


def test_a_copied_database_equals_a_freshly_migrated_one(settings, tmp_path):
    copied = snapshot(settings.database_url)
    assert "alembic_version" in copied
    assert copied["audit_head"]["rows"]  # seeded by the first migration
    if settings.database_url.startswith("sqlite"):
        fresh = sqlite_url(tmp_path / "fresh.db")
        migrate.upgrade(Settings(database_url=fresh))
        assert copied == snapshot(fresh)
        return
    with scratch_schema(PG_URL) as fresh:
        migrate.upgrade(Settings(database_url=fresh))
        assert copied == snapshot(fresh)
