"""Data migrations: a database made before a revision keeps working after it."""

import hashlib
import json
import re

from alembic import command
from alembic.autogenerate import produce_migrations, render_python_code
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from awards import migrate
from awards.models import Base
from awards.settings import Settings
from tests.conftest import FAST_ARGON2
from tests.factories import build_election

LEGACY_CONFIG = {
    "season": {"id": "2024", "name": "2024 年度推优"},
    "round": {"id": "final", "name": "终评", "kind": "final"},
    "categories": [
        {
            "id": "best",
            "name": "年度优秀电视剧",
            "method": "approval",
            "winners": 1,
            "quorum": 0,
            "disclosure": "full",
            "eligible_jurors": 1,
            "max_choices": 1,
            "nominees": [{"id": "n1", "label": "归队"}],
        }
    ],
}


def _canonical(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _sync_url(url: str) -> str:
    return url.replace("sqlite+aiosqlite", "sqlite")


def test_rounds_opened_before_revision_0004_keep_their_configuration_and_files(
    database_url, tmp_path
):
    settings = Settings(
        database_url=database_url, argon2=FAST_ARGON2, records_dir=tmp_path / "records"
    )
    migrate.upgrade(settings, "0003")
    published = hashlib.sha256(_canonical(LEGACY_CONFIG)).hexdigest()
    engine = create_engine(_sync_url(database_url))
    statements = [
        "INSERT INTO season (id, code, name, year) VALUES (1, '2024', '2024 年度推优', 2024)",
        "INSERT INTO category (id, season_id, code, name, subject, method, winners, max_choices,"
        " quorum, disclosure, position) VALUES (1, 1, 'best', '年度优秀电视剧', 'work',"
        " 'approval', 1, 1, 0, 'full', 1)",
        "INSERT INTO drama (id, season_id, title, kind, companies, broadcaster, synopsis)"
        " VALUES (1, 1, '归队', 'tv', '', '', '')",
        "INSERT INTO nominee (id, category_id, drama_id, person_name, person_role)"
        " VALUES (1, 1, 1, '', '')",
        "INSERT INTO juror (id, email, name, organisation, phone, is_active, created_at)"
        " VALUES (1, 'j@example.org', '评委', '', '', true, '2024-03-01 00:00:00+00:00')",
        "INSERT INTO round (id, season_id, code, name, kind, state, config_sha256, seed,"
        " seed_sha256) VALUES (1, 1, 'final', '终评', 'final', 'open', :published, :seed,"
        " :seed_sha256)",
        "INSERT INTO round (id, season_id, code, name, kind, state, record_sha256)"
        " VALUES (2, 1, 'old', '旧轮', 'nomination', 'closed', 'abc')",
        "INSERT INTO round_category (round_id, category_id) VALUES (1, 1)",
        "INSERT INTO round_nominee (round_id, nominee_id, category_id) VALUES (1, 1, 1)",
        "INSERT INTO round_eligibility (round_id, category_id, juror_id) VALUES (1, 1, 1)",
    ]
    with engine.begin() as connection:
        seed = {"seed": "00" * 32, "seed_sha256": hashlib.sha256(bytes(32)).hexdigest()}
        for statement in statements:
            connection.execute(text(statement), {"published": published, **seed})
    migrate.upgrade(settings)
    with engine.connect() as connection:
        documents = dict(
            connection.execute(text("SELECT round_id, document FROM round_config")).all()
        )
        files = dict(connection.execute(text("SELECT id, record_file FROM round")).all())
    engine.dispose()
    assert hashlib.sha256(documents[1].encode()).hexdigest() == published  # still the one
    assert json.loads(documents[1]) == LEGACY_CONFIG
    assert files == {1: None, 2: "2024-old"}  # the name it was sealed under


def test_revision_0004_downgrades_with_data_in_the_database(settings):
    """A closed round, ballots and participation: the downgrade keeps them (it once tried to
    recreate `round` on SQLite, which the tables pointing at it refused)."""
    election = build_election(settings, jurors=1, methods=("approval",))
    engine = create_engine(_sync_url(settings.database_url))
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO participation (round_id, juror_id) VALUES (:r, :j)"),
            {"r": election.round_id, "j": election.juror_ids[0]},
        )
    command.downgrade(migrate.alembic_config(settings), "0003")
    with engine.connect() as connection:
        described = connection.execute(text("SELECT * FROM round")).cursor.description
        columns = {column for column, *_ in described}
        voters = connection.execute(text("SELECT count(*) FROM participation")).scalar_one()
    engine.dispose()
    assert "record_file" not in columns
    assert voters == 1
    migrate.upgrade(settings)  # and up again


def test_revision_0006_makes_every_existing_staff_account_an_administrator(database_url, tmp_path):
    """Issue 9: before roles, every staff account could do everything; the auditor flag only
    added the full record. Both become administrators, and the downgrade keeps the flag."""
    settings = Settings(
        database_url=database_url, argon2=FAST_ARGON2, records_dir=tmp_path / "records"
    )
    migrate.upgrade(settings, "0005")
    engine = create_engine(_sync_url(database_url))
    with engine.begin() as connection:
        for name, auditor in (("old", False), ("checker", True)):
            connection.execute(
                text(
                    "INSERT INTO staff_user (username, display_name, password_hash, is_auditor,"
                    " is_active, created_at) VALUES (:name, :name, 'x', :auditor, true,"
                    " '2024-03-01 00:00:00+00:00')"
                ),
                {"name": name, "auditor": auditor},
            )
    migrate.upgrade(settings)
    with engine.connect() as connection:
        roles = connection.execute(text("SELECT username, role FROM staff_user")).all()
    assert sorted(tuple(r) for r in roles) == [("checker", "admin"), ("old", "admin")]
    command.downgrade(migrate.alembic_config(settings), "0005")
    with engine.connect() as connection:
        flags = connection.execute(text("SELECT is_auditor FROM staff_user")).scalars().all()
    engine.dispose()
    assert flags == [True, True]
    migrate.upgrade(settings)  # and up again


def test_autogenerated_migrations_write_times_as_plain_datetime_columns(database_url):
    """A migration imports neither the models nor a library of column types (it once would have
    imported advanced-alchemy): `DateTimeUTC` is rendered as the column it makes."""
    engine = create_engine(_sync_url(database_url))
    with engine.connect() as connection:
        operations = produce_migrations(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    code = render_python_code(operations.upgrade_ops, render_item=migrate.render_item)
    assert "sa.DateTime(timezone=True)" in code
    assert "DateTimeUTC" not in code
    for version in sorted((migrate.MIGRATIONS / "versions").glob("*.py")):
        assert not re.search(
            r"^\s*(from|import) (advanced_alchemy|awards)\b", version.read_text(), re.M
        ), version
