"""a staff recusal's public reason apart from its private note

Revision ID: 0008
Revises: 0007

Before this revision a staff decision had one `reason`, which the register of recusals
published beside the juror's name, although the form never said so: staff wrote there what
they knew ("与该剧导演为夫妻"), as one writes in a file kept for staff. So the old text is
taken for what its writers meant it to be, a private note, and a recusal gets a generic public
reason, 工作人员决定回避 ("recused by staff decision"); a lift needs none, since nothing of it
is published. Keeping the old text as the public reason would have gone on publishing, round
after round, what was never meant for the public; moving it loses nothing (staff still read it
on the juror's page) and the register still says that, and by whom, the juror was recused.
Rounds already opened froze the old text into `round_recusal`; every frozen text that a
declaration did not write (those begin 申报参与作品： or 申报关联公司：) came from a staff
decision, whatever that decision says today (staff may have re-worded or lifted it since), and
is replaced by the same generic reason. That table is not hashed (the manifest
and the election record carry the recusal pairs, not their reasons), so no seal or record
changes; what was shown before cannot be unshown, but the pages stop showing it.
Staff can then write a better public reason for each decision on the juror's page.

Downgrading puts the private note back as the one reason (the public reason when there is no
note).
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

GENERIC = "工作人员决定回避"
# What a declaration writes (awards.jury.recusals, as of this revision: copied, not imported, so
# that the migration keeps meaning what it meant).
DECLARED_WORK = "申报参与作品："
DECLARED_COMPANY = "申报关联公司："


def upgrade() -> None:
    with op.batch_alter_table("recusal_decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_reason", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("private_note", sa.Text(), nullable=False, server_default=""))
    op.execute(
        sa.text(
            "UPDATE round_recusal SET reason = :generic"
            " WHERE substr(reason, 1, 7) NOT IN (:declared_work, :declared_company)"
        ).bindparams(
            generic=GENERIC, declared_work=DECLARED_WORK, declared_company=DECLARED_COMPANY
        )
    )
    op.execute(
        sa.text(
            "UPDATE recusal_decision SET private_note = reason, public_reason = CASE WHEN"
            " recused THEN :generic ELSE '' END"
        ).bindparams(generic=GENERIC)
    )
    with op.batch_alter_table("recusal_decision", schema=None) as batch_op:
        batch_op.alter_column("public_reason", server_default=None)
        batch_op.alter_column("private_note", server_default=None)
        batch_op.drop_column("reason")


def downgrade() -> None:
    with op.batch_alter_table("recusal_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=False, server_default=""))
    op.execute(
        "UPDATE recusal_decision SET reason = CASE WHEN private_note <> '' THEN private_note"
        " ELSE public_reason END"
    )
    with op.batch_alter_table("recusal_decision", schema=None) as batch_op:
        batch_op.alter_column("reason", server_default=None)
        batch_op.drop_column("private_note")
        batch_op.drop_column("public_reason")
