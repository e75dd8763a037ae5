"""sealed rounds: trustees, their documents, the board and the mixes (issue 12)

Revision ID: 0010
Revises: 0009

Every round before this revision is a plain round (no threshold) and stays one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

COLUMNS = (
    ("trustee_threshold", sa.Integer()),
    ("election_key", sa.String(length=66)),
    ("key_fingerprint", sa.String(length=64)),
    ("board_sha256", sa.String(length=64)),
    ("annex_sha256", sa.String(length=64)),
)


def upgrade() -> None:
    for name, type_ in COLUMNS:
        op.add_column("round", sa.Column(name, type_, nullable=True))
    op.create_table(
        "trustee",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("commitment", sa.Text(), nullable=True),
        sa.Column("shares", sa.Text(), nullable=True),
        sa.Column("confirmation", sa.Text(), nullable=True),
        sa.Column("partial", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_trustee_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trustee")),
        sa.UniqueConstraint("round_id", "position", name=op.f("uq_trustee_round_id_position")),
    )
    op.create_table(
        "round_board",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["round.id"],
            name=op.f("fk_round_board_round_id_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", name=op.f("pk_round_board")),
    )
    op.create_table(
        "round_mix",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"], ["round.id"], name=op.f("fk_round_mix_round_id_round"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("round_id", "position", name=op.f("pk_round_mix")),
    )


def downgrade() -> None:
    op.drop_table("round_mix")
    op.drop_table("round_board")
    op.drop_table("trustee")
    for name, _type in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE round DROP COLUMN {name}")
        else:
            op.drop_column("round", name)
