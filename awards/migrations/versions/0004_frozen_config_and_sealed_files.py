"""frozen configuration, sealed file names, schedule problems, participation without rowid

Revision ID: 0004
Revises: 0003

Rounds opened before this revision get their configuration document rebuilt from the round's
tables exactly as opening then built it (without the nominees' card details), so that it still
hashes to the published `config_sha256` where nothing changed since; closed rounds keep the
file names they were sealed under.
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("round", schema=None) as batch_op:
        batch_op.add_column(sa.Column("record_file", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("schedule_problem", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("scrubbed_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "round_config",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_config_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_config")),
    )
    if op.get_bind().dialect.name == "sqlite":
        # Rowids would number the jurors in the order they voted.
        with op.batch_alter_table(
            "participation", recreate="always", table_kwargs={"sqlite_with_rowid": False}
        ):
            pass
    _keep_legacy_rounds(op.get_bind())


def _keep_legacy_rounds(bind: sa.engine.Connection) -> None:
    rounds = bind.execute(
        sa.text(
            "SELECT r.id, r.code, r.name, r.kind, r.state, r.record_sha256, s.code, s.name "
            "FROM round r JOIN season s ON s.id = r.season_id "
            "WHERE r.state IN ('open', 'closed')"
        )
    ).all()
    for round_id, code, name, kind, state, record_sha256, season_code, season_name in rounds:
        if state == "closed" and record_sha256:
            bind.execute(
                sa.text("UPDATE round SET record_file = :stem WHERE id = :id"),
                {"stem": f"{season_code}-{code}", "id": round_id},
            )
        config = {
            "season": {"id": season_code, "name": season_name},
            "round": {"id": code, "name": name, "kind": kind},
            "categories": _legacy_categories(bind, round_id),
        }
        document = json.dumps(config, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        bind.execute(
            sa.text("INSERT INTO round_config (round_id, document) VALUES (:id, :document)"),
            {"id": round_id, "document": document},
        )


def _legacy_categories(bind: sa.engine.Connection, round_id: int) -> list[dict]:
    categories = bind.execute(
        sa.text(
            "SELECT c.id, c.code, c.name, c.method, c.winners, c.quorum, c.disclosure, "
            "c.max_choices, c.score_min, c.score_max, c.trim "
            "FROM category c JOIN round_category rc ON rc.category_id = c.id "
            "WHERE rc.round_id = :id ORDER BY c.position, c.id"
        ),
        {"id": round_id},
    ).all()
    made = []
    for cid, code, name, method, winners, quorum, disclosure, most, low, high, trim in categories:
        eligible = bind.execute(
            sa.text(
                "SELECT count(*) FROM round_eligibility WHERE round_id = :r AND category_id = :c"
            ),
            {"r": round_id, "c": cid},
        ).scalar_one()
        nominees = bind.execute(
            sa.text(
                "SELECT n.id, n.person_name, d.title FROM nominee n "
                "JOIN round_nominee rn ON rn.nominee_id = n.id JOIN drama d ON d.id = n.drama_id "
                "WHERE rn.round_id = :r AND rn.category_id = :c ORDER BY n.id"
            ),
            {"r": round_id, "c": cid},
        ).all()
        category = {
            "id": code,
            "name": name,
            "method": method,
            "winners": winners,
            "quorum": quorum,
            "disclosure": disclosure,
            "eligible_jurors": eligible,
            "nominees": [
                {"id": f"n{nid}", "label": f"{person}（{title}）" if person else title}
                for nid, person, title in nominees
            ],
        }
        if method == "approval":
            category["max_choices"] = most
        if method in ("score_mean", "score_trimmed_mean"):
            category["score_min"], category["score_max"] = low, high
        if method == "score_trimmed_mean":
            category["trim"] = trim
        made.append(category)
    return made


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.batch_alter_table(
            "participation", recreate="always", table_kwargs={"sqlite_with_rowid": True}
        ):
            pass
    op.drop_table("round_config")
    for column in ("scrubbed_at", "schedule_problem", "record_file"):
        if sqlite:
            # Not a batch: recreating `round` would trip the foreign keys that point at it.
            op.execute(f"ALTER TABLE round DROP COLUMN {column}")
        else:
            op.drop_column("round", column)
