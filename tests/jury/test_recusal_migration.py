"""Revision 0008 (issue 11): a staff decision's old reason, which the register published
although staff wrote it as a note, becomes the private note; a recusal's public reason is the
generic one, also in rounds already opened; a downgrade puts the note back."""

from alembic import command
from sqlalchemy import create_engine, text

from awards import migrate
from awards.settings import Settings
from tests.conftest import FAST_ARGON2

PRIVATE = "与该剧导演为夫妻"
GENERIC = "工作人员决定回避"

ROWS = [
    "INSERT INTO season (id, code, name, year) VALUES (1, '2024', '2024 年度推优', 2024)",
    "INSERT INTO category (id, season_id, code, name, subject, method, winners, max_choices,"
    " quorum, disclosure, position) VALUES (1, 1, 'best', '年度优秀电视剧', 'work',"
    " 'approval', 1, 1, 0, 'full', 1)",
    "INSERT INTO drama (id, season_id, title, kind, companies, broadcaster, synopsis)"
    " VALUES (1, 1, '归队', 'tv', '', '', ''), (2, 1, '山海', 'tv', '', '', ''),"
    " (3, 1, '长河', 'tv', '', '', '')",
    "INSERT INTO nominee (id, category_id, drama_id, person_name, person_role)"
    " VALUES (1, 1, 1, '', ''), (2, 1, 2, '', ''), (3, 1, 3, '', '')",
    "INSERT INTO juror (id, email, name, organisation, phone, is_active, created_at)"
    " VALUES (1, 'j@example.org', '评委', '', '', true, '2024-03-01 00:00:00+00:00')",
    "INSERT INTO recusal_decision (juror_id, nominee_id, recused, reason)"
    " VALUES (1, 1, true, :private), (1, 2, false, '已离职三年')",
    "INSERT INTO round (id, season_id, code, name, kind, state)"
    " VALUES (1, 1, 'final', '终评', 'final', 'open')",
    # Frozen at opening: the staff decision's text, and a recusal derived from a declaration.
    "INSERT INTO round_recusal (round_id, juror_id, nominee_id, reason)"
    " VALUES (1, 1, 1, :private), (1, 1, 3, '申报参与作品：长河')",
]


def test_revision_0008_keeps_old_reasons_private(database_url, tmp_path):
    settings = Settings(
        database_url=database_url, argon2=FAST_ARGON2, records_dir=tmp_path / "records"
    )
    migrate.upgrade(settings, "0006")
    engine = create_engine(database_url.replace("sqlite+aiosqlite", "sqlite"))
    with engine.begin() as connection:
        for statement in ROWS:
            connection.execute(text(statement), {"private": PRIVATE})
    migrate.upgrade(settings, "0008")
    with engine.connect() as connection:
        decisions = connection.execute(
            text(
                "SELECT nominee_id, recused, public_reason, private_note FROM recusal_decision"
                " ORDER BY nominee_id"
            )
        ).all()
        frozen = dict(
            connection.execute(text("SELECT nominee_id, reason FROM round_recusal")).tuples().all()
        )
    assert [tuple(row) for row in decisions] == [
        (1, True, GENERIC, PRIVATE),
        (2, False, "", "已离职三年"),
    ]
    assert frozen == {1: GENERIC, 3: "申报参与作品：长河"}
    command.downgrade(migrate.alembic_config(settings), "0006")
    with engine.connect() as connection:
        reasons = connection.execute(
            text("SELECT reason FROM recusal_decision ORDER BY nominee_id")
        ).scalars()
        assert list(reasons) == [PRIVATE, "已离职三年"]
    engine.dispose()
    migrate.upgrade(settings)
