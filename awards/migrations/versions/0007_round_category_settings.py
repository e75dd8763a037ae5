"""a round's own category settings (a final round counted otherwise than its nomination round)

Revision ID: 0007
Revises: 0006

Existing rows keep every new column NULL: their rounds go on counting as the catalogue says (an
opened round reads only its frozen configuration anyway). Downgrading drops the final rounds'
own settings; a final not yet opened then counts as the catalogue says again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("method", sa.String(length=32)),
    ("winners", sa.Integer()),
    ("max_choices", sa.Integer()),
    ("score_min", sa.Integer()),
    ("score_max", sa.Integer()),
    ("trim", sa.Integer()),
    ("quorum", sa.Integer()),
    ("disclosure", sa.String(length=16)),
)


def upgrade() -> None:
    with op.batch_alter_table("round_category", schema=None) as batch_op:
        for name, type_ in _COLUMNS:
            batch_op.add_column(sa.Column(name, type_, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("round_category", schema=None) as batch_op:
        for name, _type in reversed(_COLUMNS):
            batch_op.drop_column(name)
