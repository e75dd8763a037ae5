"""Revision 0008 (found in review) replaced a frozen round recusal's text only when it still
equalled the staff decision's reason: a decision re-worded or lifted after the round opened left
the old private text in the round's public register."""

from sqlalchemy import create_engine, text

from awards import migrate
from awards.settings import Settings
from tests.conftest import FAST_ARGON2
from tests.jury.test_recusal_migration import GENERIC, PRIVATE, ROWS


def test_a_decision_reworded_after_opening_keeps_its_old_text_public(database_url, tmp_path):
    settings = Settings(
        database_url=database_url, argon2=FAST_ARGON2, records_dir=tmp_path / "records"
    )
    migrate.upgrade(settings, "0006")
    engine = create_engine(database_url.replace("sqlite+aiosqlite", "sqlite"))
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"private": PRIVATE})
        # After the round opened (and froze PRIVATE), staff re-worded the decision.
        connection.execute(
            text("UPDATE recusal_decision SET reason = '另有说明' WHERE nominee_id = 1")
        )
    migrate.upgrade(settings, "0008")
    with engine.connect() as connection:
        frozen = dict(
            connection.execute(text("SELECT nominee_id, reason FROM round_recusal")).tuples().all()
        )
    engine.dispose()
    assert frozen[1] == GENERIC, f"the register still publishes: {frozen[1]}"
