"""Staff accounts and their one-time codes, web sessions, and counted attempts."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import SECRET, Base, utcnow


class StaffUser(Base):
    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255), info=SECRET)
    is_auditor: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


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
    (see `awards.throttle`). `scope` says what is limited; `subject` is the account name typed
    (whether or not such an account exists, so that limits do not reveal which accounts exist)
    and `address` the client address, each "" where the scope does not use it."""

    __tablename__ = "attempt_counter"

    scope: Mapped[str] = mapped_column(String(16), primary_key=True)
    subject: Mapped[str] = mapped_column(String(200), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime]
    count: Mapped[int]
