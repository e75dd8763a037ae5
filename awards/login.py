"""Logging in: counted attempts, the password check, rehash on login.

One generic failure for unknown accounts, inactive ones and wrong passwords, each costing one
argon2 verification. Every attempt is counted before the password is checked (`awards.throttle`),
so however many guesses arrive at once, at most the allowed number is ever checked; the rest are
refused, saying until when.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import throttle
from awards.database import Database
from awards.models import Juror, StaffUser
from awards.passwords import Match, Passwords
from awards.settings import Settings


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | Juror | None
    locked_until: datetime | None = None


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
    address: str,
    now: datetime,
) -> LoginResult:
    """Check a staff ("staff") or juror ("juror") login from a client address. `session` is the
    request's writing transaction; on success the caller starts the session in it.

    The attempt is counted in a transaction of its own, committed before the password is checked,
    and the password is verified before `session` runs its first statement: argon2 takes a good
    tenth of a second on both cores, and on SQLite a writing transaction holds the write lock
    from its first statement, so verifying inside it would stall every cast meanwhile."""
    limits = throttle.login_limits(settings, kind, username, address)
    refused_until = await database.write(throttle.count, limits, now, throttle.window(settings))
    if refused_until is not None:
        return LoginResult(None, locked_until=refused_until)
    async with database.reader() as reader:
        found = await _account(reader, kind, username)
        stored = found.password_hash if found is not None and found.is_active else None
    matches = await passwords.verify(stored, password)  # always, so unknown names cost the same
    rehashed = (
        await passwords.hash(password)
        if stored is not None
        and (matches == Match.LEGACY or (matches and passwords.needs_rehash(stored)))
        else None
    )
    if matches:
        # Before `session` takes the write lock, which the forgiving unit would wait for.
        await database.write(throttle.forgive, limits)
    user = await session.get(type(found), found.id) if found is not None else None
    # The hash must still be the one verified: a password changed meanwhile wins.
    if user is None or not matches or not user.is_active or user.password_hash != stored:
        return LoginResult(None)
    if rehashed:
        user.password_hash = rehashed
    # A staff login is audited when its session starts (awards.controllers.auth.start_session):
    # with a second factor, a right password is not yet a login.
    return LoginResult(user)
