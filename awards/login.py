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
from awards.database import Database
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
    database: Database,
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    kind: str,
    username: str,
    password: str,
    now: datetime,
) -> LoginResult:
    """Check a staff ("staff") or juror ("juror") login. `session` is the request's writing
    transaction, and the caller commits it whatever the outcome, so that failures are counted.

    The password is verified before `session` runs its first statement: argon2 takes a good
    tenth of a second on both cores, and on SQLite a writing transaction holds the write lock
    from its first statement, so verifying inside it would stall every cast meanwhile."""
    key = account_key(kind, username)
    async with database.reader() as reader:
        throttle = await reader.get(LoginThrottle, key)
        if throttle and throttle.locked_until and throttle.locked_until > now:
            return LoginResult(None, locked=True)
        found = await _account(reader, kind, username)
        stored = found.password_hash if found is not None and found.is_active else None
    matches = await passwords.verify(stored, password)  # always, so unknown names cost the same
    rehashed = (
        await passwords.hash(password) if matches and passwords.needs_rehash(stored) else None
    )
    user = await session.get(type(found), found.id) if found is not None else None
    # The hash must still be the one verified: a password changed meanwhile wins.
    if user is None or not matches or not user.is_active or user.password_hash != stored:
        throttle = await _throttle(session, key)
        throttle.failures += 1
        if throttle.failures >= settings.login_max_failures:
            throttle.failures = 0
            throttle.locked_until = now + timedelta(minutes=settings.login_lock_minutes)
        return LoginResult(None)
    await session.execute(delete(LoginThrottle).where(LoginThrottle.account_key == key))
    if rehashed:
        user.password_hash = rehashed
    if isinstance(user, StaffUser):
        await audit.record(
            session,
            actor=user.username,
            action="staff.logged_in",
            object_type="staff_user",
            object_id=user.id,
        )
    return LoginResult(user)
