"""Logging in: counted attempts, the password check, rehash on login.

One generic failure for unknown accounts, inactive ones and wrong passwords, each costing one
argon2 verification. Every attempt is counted before the password is checked
(`awards.accounts.throttle`), so however many guesses arrive at once, at most the allowed number is
ever checked; the rest are refused, saying until when.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.accounts import throttle
from awards.accounts.passwords import Match, Passwords
from awards.database import Database
from awards.models import Juror, StaffUser
from awards.settings import Settings


@dataclass(frozen=True)
class LoginResult:
    user: StaffUser | Juror | None
    locked_until: datetime | None = None


async def _account(session: AsyncSession, kind: str, username: str) -> StaffUser | Juror | None:
    if kind == "staff":
        return await session.scalar(select(StaffUser).where(StaffUser.username == username.strip()))
    return await session.scalar(select(Juror).where(Juror.email == username.strip().lower()))


async def account_by_id(
    session: AsyncSession, kind: str, account_id: int
) -> StaffUser | Juror | None:
    """A staff ("staff") or juror ("juror") account by its id. One `get` per class: mypy types
    `session.get(type(account), ...)` as the classes' common base."""
    if kind == "staff":
        return await session.get(StaffUser, account_id)
    return await session.get(Juror, account_id)


@dataclass(frozen=True)
class Attempt:
    """Who, if anyone, a counted password attempt was for, and what came of it."""

    found: StaffUser | Juror | None
    stored: str | None  # the hash verified against (None: no active account)
    matches: Match
    locked_until: datetime | None = None


async def counted_check(
    db: Database,
    passwords: Passwords,
    settings: Settings,
    kind: str,
    username: str,
    password: str,
    address: str,
    now: datetime,
    device: str | None = None,
) -> Attempt:
    """Count the attempt (a transaction of its own, committed before anything is checked), then
    verify the password outside any writing transaction, and forgive the attempt if it was
    right. Every check of a password someone types goes through here: a login, and the current
    password on the juror's change form."""
    limits = throttle.login_limits(settings, kind, username, address, device)
    refused_until = await db.write(throttle.count, limits, now, throttle.window(settings))
    if refused_until is not None:
        return Attempt(None, None, Match.NO, refused_until)
    async with db.reader() as reader:
        found = await _account(reader, kind, username)
        stored = found.password_hash if found is not None and found.is_active else None
    matches = await passwords.verify(stored, password)  # always, so unknown names cost the same
    if matches:
        await db.write(throttle.forgive, limits)
    return Attempt(found, stored, matches)


async def check_login(
    db: Database,
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    kind: str,
    username: str,
    password: str,
    address: str,
    now: datetime,
    *,
    device: str | None = None,
) -> LoginResult:
    """Check a staff ("staff") or juror ("juror") login from a client address. `session` is the
    request's writing transaction; on success the caller starts the session in it. `device`
    is the id of the browser's device cookie for this account, if it has one (see
    `awards.accounts.throttle`).

    Everything slow happens before `session` runs its first statement: argon2 takes a good
    tenth of a second on both cores, and on SQLite a writing transaction holds the write lock
    from its first statement, so verifying inside it would stall every cast meanwhile."""
    attempt = await counted_check(
        db, passwords, settings, kind, username, password, address, now, device
    )
    if attempt.locked_until is not None:
        return LoginResult(None, locked_until=attempt.locked_until)
    found, stored, matches = attempt.found, attempt.stored, attempt.matches
    rehashed = (
        await passwords.hash(password)
        if stored is not None
        and (matches == Match.LEGACY or (matches and passwords.needs_rehash(stored)))
        else None
    )
    user = await account_by_id(session, kind, found.id) if found is not None else None
    # The hash must still be the one verified: a password changed meanwhile wins.
    if user is None or not matches or not user.is_active or user.password_hash != stored:
        return LoginResult(None)
    if rehashed:
        user.password_hash = rehashed
    # A staff login is audited when its session starts (awards.accounts.login_pages.start_session):
    # with a second factor, a right password is not yet a login.
    return LoginResult(user)
