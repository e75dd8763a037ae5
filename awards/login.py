"""Logging in: password check, per-account throttling in the database, rehash on login.

One generic failure for unknown accounts, inactive ones and wrong passwords, each costing one
argon2 verification. Failures are counted per typed account name (existing or not); after
`login_max_failures` in a row the name is locked for `login_lock_minutes`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.models import Juror, LoginThrottle, StaffUser
from awards.passwords import Passwords
from awards.settings import Settings


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | Juror | None
    locked: bool = False


def account_key(kind: str, username: str) -> str:
    return f"{kind}:{username.strip().casefold()}"[:200]


async def _throttle(session: AsyncSession, key: str) -> LoginThrottle:
    row = await session.get(LoginThrottle, key)
    if row is None:
        row = LoginThrottle(account_key=key, failures=0, locked_until=None)
        session.add(row)
    return row


async def _account(session: AsyncSession, kind: str, username: str) -> StaffUser | Juror | None:
    if kind == "staff":
        return await session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    return await session.scalar(select(Juror).where(Juror.email == username.strip().lower()))


async def check_login(
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    kind: str,
    username: str,
    password: str,
    now: datetime,
) -> LoginResult:
    """Check a staff ("staff") or juror ("juror") login. The caller commits whatever the
    outcome, so that failures are counted."""
    key = account_key(kind, username)
    throttle = await session.get(LoginThrottle, key)
    if throttle and throttle.locked_until and throttle.locked_until > now:
        return LoginResult(None, locked=True)
    user = await _account(session, kind, username)
    stored = user.password_hash if user is not None and user.is_active else None
    matches = await passwords.verify(stored, password)  # always, so unknown names cost the same
    if user is None or not matches:
        throttle = await _throttle(session, key)
        throttle.failures += 1
        if throttle.failures >= settings.login_max_failures:
            throttle.failures = 0
            throttle.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        return LoginResult(None)
    await session.execute(delete(LoginThrottle).where(LoginThrottle.account_key == key))
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = await passwords.hash(password)
    if isinstance(user, StaffUser):
        await audit.record(
            session,
            actor=user.username,
            action="staff.logged_in",
            object_type="staff_user",
            object_id=user.id,
        )
    return LoginResult(user)
