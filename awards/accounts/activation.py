"""One-time activation codes: how a juror first sets a password, and how staff reset one.

A code carries 130 random bits (26 base32 characters, printed in groups of four), is stored only
as its SHA-256, expires after `activation_days`, and works once. Issuing a new code kills the old
one. Using a code sets the password and ends every session of that account. Staff accounts get
codes the same way (a new account, or a reset by an administrator), from a table of their own.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from awards import audit
from awards.accounts import login, sessions, throttle
from awards.accounts.password_rules import check_new_password
from awards.accounts.passwords import Passwords
from awards.audit import Action
from awards.database import Database
from awards.errors import DomainError
from awards.i18n import N_
from awards.models import ActivationCode, Juror, StaffActivationCode, StaffUser
from awards.settings import Settings


class CodeInvalid(DomainError):
    status_code = 400


def normalise(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def code_hash(code: str) -> str:
    return hashlib.sha256(normalise(code).encode()).hexdigest()


def new_code() -> str:
    raw = base64.b32encode(secrets.token_bytes(17)).decode().rstrip("=")[:26]
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True)
class IssuedCode:
    juror: Juror
    code: str
    expires_at: datetime


async def issue_codes(
    session: AsyncSession, jurors: list[Juror], now: datetime, days: int, actor: str
) -> list[IssuedCode]:
    """New codes for these jurors (old ones die). The codes exist only in the returned list."""
    issued = []
    expires_at = now + timedelta(days=days)
    for juror in jurors:
        await session.execute(delete(ActivationCode).where(ActivationCode.juror_id == juror.id))
        code = new_code()
        session.add(
            ActivationCode(juror_id=juror.id, code_hash=code_hash(code), expires_at=expires_at)
        )
        issued.append(IssuedCode(juror, code, expires_at))
    await session.flush()
    if issued:
        await audit.record(
            session,
            actor=actor,
            action=Action.JUROR_CODES_ISSUED,
            object_type="jurors",
            object_id=len(issued),
            changes={"jurors": [j.id for j in jurors], "days": days},
        )
    return issued


@dataclass(frozen=True)
class StaffCode:
    user: StaffUser
    code: str
    expires_at: datetime


class TooManyAttempts(DomainError):
    status_code = 429


@dataclass(frozen=True)
class _Kind:
    """Where one kind of account keeps its codes."""

    codes: type[ActivationCode] | type[StaffActivationCode]
    owner: InstrumentedAttribute[int]
    account: type[Juror] | type[StaffUser]
    activated: str  # the audit action


_KINDS = {
    "juror": _Kind(ActivationCode, ActivationCode.juror_id, Juror, Action.JUROR_ACTIVATED),
    "staff": _Kind(
        StaffActivationCode, StaffActivationCode.staff_user_id, StaffUser, Action.STAFF_ACTIVATED
    ),
}
_INVALID = N_("This activation code is not valid or has expired. Ask the staff for a new one.")


async def issue_staff_code(
    session: AsyncSession, user: StaffUser, now: datetime, days: int, actor: str
) -> StaffCode:
    """A new one-time code for a staff account (a new account, or a reset); the old one dies.
    The code exists only in the returned value."""
    await session.execute(
        delete(StaffActivationCode).where(StaffActivationCode.staff_user_id == user.id)
    )
    code = new_code()
    expires_at = now + timedelta(days=days)
    session.add(
        StaffActivationCode(staff_user_id=user.id, code_hash=code_hash(code), expires_at=expires_at)
    )
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=Action.STAFF_CODE_ISSUED,
        object_type="staff_user",
        object_id=user.id,
        changes={"days": days},
    )
    return StaffCode(user, code, expires_at)


async def _live_owner(reader: AsyncSession, kind: _Kind, hashed: str, now: datetime) -> int | None:
    row = await reader.execute(
        select(kind.owner)
        .join(kind.account, kind.account.id == kind.owner)
        .where(
            kind.codes.code_hash == hashed,
            kind.codes.expires_at > now,
            kind.account.is_active.is_(True),
        )
    )
    return row.scalar_one_or_none()


async def activate(
    db: Database,
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    code: str,
    password: str,
    repeated: str,
    address: str,
    now: datetime,
    *,
    kind: str = "juror",
) -> Juror | StaffUser:
    """Set the password of the account a valid code belongs to; the code dies, and so do the
    account's sessions.

    The attempt is counted per client address first, and the code is looked up before any
    password is hashed, so that made-up codes cost a lookup, not an argon2 hash; a live code is
    forgiven its count. The code is consumed by one `DELETE ... RETURNING` in `session`, so
    of any number of requests racing with one code exactly one gets the account (on PostgreSQL
    the others wait for the first to commit and then find nothing to delete). The password is
    hashed before `session` runs its first statement (see `awards.accounts.login.check_login`)."""
    where = _KINDS[kind]
    limits = throttle.activation_limits(settings, address)
    refused_until = await db.write(throttle.count, limits, now, throttle.window(settings))
    if refused_until is not None:
        raise TooManyAttempts(
            N_("Too many attempts from this network. Try again after %(time)s."),
            time=throttle.shown_time(refused_until, settings),
        )
    hashed = code_hash(code)
    async with db.reader() as reader:
        owner = await _live_owner(reader, where, hashed, now)
    if owner is None:
        raise CodeInvalid(_INVALID)
    await db.write(throttle.forgive, limits)
    check_new_password(password, repeated)
    new_hash = await passwords.hash(password)
    consumed = await session.execute(
        delete(where.codes)
        .where(where.codes.code_hash == hashed, where.codes.expires_at > now)
        .returning(where.owner)
    )
    account = (
        await login.account_by_id(session, kind, owner) if consumed.scalar_one_or_none() else None
    )
    if account is None or not account.is_active:
        raise CodeInvalid(_INVALID)
    account.password_hash = new_hash
    await sessions.end_all(session, kind, account.id)
    await audit.record(
        session,
        actor=f"{kind}:{account.id}",
        action=where.activated,
        object_type="juror" if kind == "juror" else "staff_user",
        object_id=account.id,
    )
    return account
