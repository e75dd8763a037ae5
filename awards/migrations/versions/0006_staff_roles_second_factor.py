"""staff roles (replacing is_auditor), TOTP second factor, recovery codes, pending logins

Revision ID: 0006
Revises: 0005

Every existing staff account becomes an administrator, whatever its auditor flag: before this
revision every staff account could do everything (and an auditor could also download the full
election record, which administrators may too), so that is the role that takes nothing away.
An administrator can then give each account its narrower role on the staff accounts page.
Downgrading makes administrators and auditors flagged auditors again and drops every second
factor (the accounts keep their passwords).
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("role", sa.String(length=16), nullable=False, server_default="admin")
        )
        batch_op.add_column(sa.Column("totp_secret", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("totp_enrolled_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("role", server_default=None)
        batch_op.drop_column("is_auditor")
        batch_op.create_check_constraint(
            op.f("ck_staff_user_role_known"), "role IN ('admin', 'election_staff', 'auditor')"
        )
    op.create_table(
        "staff_recovery_code",
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_staff_recovery_code_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("code_hash", name=op.f("pk_staff_recovery_code")),
    )
    op.create_index(
        op.f("ix_staff_recovery_code_staff_user_id"),
        "staff_recovery_code",
        ["staff_user_id"],
        unique=False,
    )
    op.create_table(
        "pending_login",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_user.id"],
            name=op.f("fk_pending_login_staff_user_id_staff_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_pending_login")),
    )
    op.create_index(
        op.f("ix_pending_login_staff_user_id"), "pending_login", ["staff_user_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_pending_login_staff_user_id"), table_name="pending_login")
    op.drop_table("pending_login")
    op.drop_index(op.f("ix_staff_recovery_code_staff_user_id"), table_name="staff_recovery_code")
    op.drop_table("staff_recovery_code")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("is_auditor", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.execute("UPDATE staff_user SET is_auditor = (role <> 'election_staff')")
    with op.batch_alter_table("staff_user", schema=None) as batch_op:
        batch_op.alter_column("is_auditor", server_default=None)
        batch_op.drop_constraint(op.f("ck_staff_user_role_known"), type_="check")
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_enrolled_at")
        batch_op.drop_column("totp_secret")
        batch_op.drop_column("role")
