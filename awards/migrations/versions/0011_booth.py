"""the booth: sealed rounds whose ballots the juror's browser encrypts (issue 13)

Revision ID: 0011
Revises: 0010

Every sealed round before this revision was encrypted by the server, and stays so.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "round", sa.Column("booth", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("round", sa.Column("booth_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    for name in ("booth_sha256", "booth"):
        if op.get_bind().dialect.name == "sqlite":
            op.execute(f"ALTER TABLE round DROP COLUMN {name}")
        else:
            op.drop_column("round", name)
