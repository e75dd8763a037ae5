"""Staff accounts, their second factor and one-time codes, web sessions, and counted
attempts."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import SECRET, Base, utcnow

ADMIN, ELECTION_STAFF, AUDITOR = "admin", "election_staff", "auditor"
ROLES = (ADMIN, ELECTION_STAFF, AUDITOR)


class StaffUser(Base):
    __tablename__ = "staff_user"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'election_staff', 'auditor')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255), info=SECRET)
    role: Mapped[str] = mapped_column(String(16))
    """admin: everything, staff accounts included; election_staff: everything but staff
    accounts; auditor: reads every staff page, downloads full records, changes nothing."""
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    totp_secret: Mapped[str | None] = mapped_column(Text, info=SECRET)
    """The authenticator's secret, encrypted (awards.accounts.second_factor): set when enrolment
    starts, in use once `totp_enrolled_at` is set."""
    totp_enrolled_at: Mapped[datetime | None]
    totp_last_step: Mapped[int | None]
    """The last 30-second time step whose code was accepted: a code is good once."""


class StaffRecoveryCode(Base):
    """One-use codes for a lost authenticator; only SHA-256 of each is stored (80 random bits:
    a slow hash would add nothing)."""

    __tablename__ = "staff_recovery_code"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info=SECRET)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    used_at: Mapped[datetime | None]


class PendingLogin(Base):
    """A correct password whose second factor is still to come. Only SHA-256 of the cookie
    value is stored; it expires within minutes and grants nothing but the code page."""

    __tablename__ = "pending_login"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info=SECRET)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]


class WebSession(Base):
    """A logged-in browser. Only the SHA-256 of the cookie value is stored, so a copy of the
    database does not hand out live sessions."""

    __tablename__ = "web_session"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True, info=SECRET)
    principal_kind: Mapped[str] = mapped_column(String(16))
    principal_id: Mapped[int] = mapped_column(index=True)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]


class StaffActivationCode(Base):
    """A one-time code with which a staff member sets a password (a new account, or a reset by
    an administrator): at most one live code per account, only its SHA-256 stored."""

    __tablename__ = "staff_activation_code"

    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, info=SECRET)
    expires_at: Mapped[datetime]


class AttemptCounter(Base):
    """Attempts counted in fixed windows, shared by every worker process through the database
    (see `awards.accounts.throttle`). `scope` says what is limited; `subject` is the account name
    typed (whether or not such an account exists, so that limits do not reveal which accounts exist)
    and `address` the client address, each "" where the scope does not use it."""

    __tablename__ = "attempt_counter"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int]
