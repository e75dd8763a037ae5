"""jury, rounds and the ballot box

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "juror",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_juror")),
        sa.UniqueConstraint("email", name=op.f("uq_juror_email")),
    )
    op.create_table(
        "activation_code",
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_activation_code_juror_id_juror"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("juror_id", name=op.f("pk_activation_code")),
        sa.UniqueConstraint("code_hash", name=op.f("uq_activation_code_code_hash")),
    )
    op.create_table(
        "panel",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["season_id"],
            ["season.id"],
            name=op.f("fk_panel_season_id_season"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_panel")),
        sa.UniqueConstraint("season_id", "code", name=op.f("uq_panel_season_id_code")),
    )
    op.create_table(
        "round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("season_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_round_id", sa.Integer(), nullable=True),
        sa.Column("seed", sa.String(length=64), nullable=True),
        sa.Column("seed_sha256", sa.String(length=64), nullable=True),
        sa.Column("config_sha256", sa.String(length=64), nullable=True),
        sa.Column("eligible_jurors", sa.Integer(), nullable=True),
        sa.Column("audit_head_at_open", sa.String(length=64), nullable=True),
        sa.Column("audit_head_at_close", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["season_id"],
            ["season.id"],
            name=op.f("fk_round_season_id_season"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["source_round_id"], ["round.id"], name=op.f("fk_round_source_round_id_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_round")),
        sa.UniqueConstraint("season_id", "code", name=op.f("uq_round_season_id_code")),
    )
    op.create_table(
        "affiliation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("company", sa.String(length=200), nullable=False),
        sa.Column("drama_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["drama_id"],
            ["drama.id"],
            name=op.f("fk_affiliation_drama_id_drama"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_affiliation_juror_id_juror"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_affiliation")),
        sa.UniqueConstraint(
            "juror_id", "company", "drama_id", name=op.f("uq_affiliation_juror_id_company_drama_id")
        ),
    )
    with op.batch_alter_table("affiliation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_affiliation_juror_id"), ["juror_id"], unique=False)

    op.create_table(
        "ballot",
        sa.Column("tracker", sa.String(length=32), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_ballot_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_ballot_round_id_round"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("tracker", name=op.f("pk_ballot")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "category_panel",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_category_panel_category_id_category"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panel.id"],
            name=op.f("fk_category_panel_panel_id_panel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("category_id", "panel_id", name=op.f("pk_category_panel")),
    )
    op.create_table(
        "juror_panel",
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("panel_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_juror_panel_juror_id_juror"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["panel_id"],
            ["panel.id"],
            name=op.f("fk_juror_panel_panel_id_panel"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("juror_id", "panel_id", name=op.f("pk_juror_panel")),
    )
    op.create_table(
        "participation",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_participation_juror_id_juror"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_participation_round_id_round"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("round_id", "juror_id", name=op.f("pk_participation")),
    )
    op.create_table(
        "round_category",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_round_category_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_category_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "category_id", name=op.f("pk_round_category")),
    )
    op.create_table(
        "round_eligibility",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_round_eligibility_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_round_eligibility_juror_id_juror"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_eligibility_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "category_id", "juror_id", name=op.f("pk_round_eligibility")
        ),
    )
    op.create_table(
        "recusal_decision",
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("nominee_id", sa.Integer(), nullable=False),
        sa.Column("recused", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_recusal_decision_juror_id_juror"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["nominee.id"],
            name=op.f("fk_recusal_decision_nominee_id_nominee"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("juror_id", "nominee_id", name=op.f("pk_recusal_decision")),
    )
    op.create_table(
        "round_nominee",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("nominee_id", sa.Integer(), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["category.id"],
            name=op.f("fk_round_nominee_category_id_category"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["nominee.id"],
            name=op.f("fk_round_nominee_nominee_id_nominee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_nominee_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "nominee_id", name=op.f("pk_round_nominee")),
    )
    op.create_table(
        "round_recusal",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("juror_id", sa.Integer(), nullable=False),
        sa.Column("nominee_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["juror_id"],
            ["juror.id"],
            name=op.f("fk_round_recusal_juror_id_juror"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["nominee_id"],
            ["nominee.id"],
            name=op.f("fk_round_recusal_nominee_id_nominee"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_recusal_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "round_id", "juror_id", "nominee_id", name=op.f("pk_round_recusal")
        ),
    )


def downgrade() -> None:
    op.drop_table("round_recusal")
    op.drop_table("round_nominee")
    op.drop_table("recusal_decision")
    op.drop_table("round_eligibility")
    op.drop_table("round_category")
    op.drop_table("participation")
    op.drop_table("juror_panel")
    op.drop_table("category_panel")
    op.drop_table("ballot")
    with op.batch_alter_table("affiliation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_affiliation_juror_id"))

    op.drop_table("affiliation")
    op.drop_table("round")
    op.drop_table("panel")
    op.drop_table("activation_code")
    op.drop_table("juror")
