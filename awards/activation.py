"""One-time activation codes: how a juror first sets a password, and how staff reset one.

A code carries 130 random bits (26 base32 characters, printed in groups of four), is stored only
as its SHA-256, expires after `activation_days`, and works once. Issuing a new code kills the old
one. Using a code sets the password and ends every session of that juror.
"""

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit, web_sessions
from awards.errors import DomainError
from awards.i18n import N_
from awards.models import ActivationCode, Juror
from awards.password_rules import check_new_password
from awards.passwords import Passwords


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
            action="juror.codes_issued",
            object_type="jurors",
            object_id=len(issued),
            changes={"jurors": [j.id for j in jurors], "days": days},
        )
    return issued


async def activate(
    session: AsyncSession,
    passwords: Passwords,
    code: str,
    password: str,
    repeated: str,
    now: datetime,
) -> Juror:
    """Set the juror's password from a valid code; the code dies, and so do the old sessions.

    The password is hashed before `session` runs its first statement (see `check_login`)."""
    check_new_password(password, repeated)
    new_hash = await passwords.hash(password)
    row = await session.scalar(
        select(ActivationCode).where(ActivationCode.code_hash == code_hash(code))
    )
    juror = await session.get(Juror, row.juror_id) if row else None
    if row is None or row.expires_at <= now or juror is None or not juror.is_active:
        raise CodeInvalid(
            N_("This activation code is not valid or has expired. Ask the staff for a new one.")
        )
    juror.password_hash = new_hash
    await session.delete(row)
    await web_sessions.end_all(session, "juror", juror.id)
    await audit.record(
        session,
        actor=f"juror:{juror.id}",
        action="juror.activated",
        object_type="juror",
        object_id=juror.id,
    )
    return juror
