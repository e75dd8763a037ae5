"""the public record's seal (issue 11, mixed disclosure)

Revision ID: 0009
Revises: 0008

Rounds sealed before keep NULL: they have no public record (their files are served as before,
the record only where every category is `full`). Downgrading drops the seal; the public record
files stay in the records folder, named by no seal.
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("round", sa.Column("public_record_sha256", sa.String(length=64), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # Not a batch: recreating `round` would trip the foreign keys that point at it.
        op.execute("ALTER TABLE round DROP COLUMN public_record_sha256")
    else:
        op.drop_column("round", "public_record_sha256")
