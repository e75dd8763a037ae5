"""The staff second factor: a TOTP authenticator (RFC 6238, 30-second steps, 6 digits), ten
one-use recovery codes, and the pending login between a correct password and a correct code.

Rules a deployment can rely on:
- the TOTP secret is stored encrypted (AES-GCM under a key derived from the server's secret key
  and bound to the account's id), never logged, audited or put in a session; the server must be
  able to read it to check codes, so whoever holds both the database and the secret key holds
  every authenticator (README, "Sessions and logins");
- the secret (as a QR code and as text) is shown only while enrolment is unfinished; enrolment
  finishes only with a code from the authenticator;
- a code is good once: the time step of the last accepted code is stored, and only a later step
  is accepted (one step of clock drift either way), by one conditional UPDATE, so two requests
  racing with the same code cannot both win;
- recovery codes are shown once, stored as SHA-256 (80 random bits each: a slow hash would add
  nothing) and each is marked used by one conditional UPDATE;
- a pending login stores only SHA-256 of its cookie value, lasts PENDING_MINUTES and opens only
  the code page; it is deleted once used, and with the account's second factor.
"""

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import segno
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from markupsafe import Markup
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.accounts import sessions, throttle
from awards.audit import Action
from awards.database import Database, rowcount
from awards.errors import Conflict, FormInvalid
from awards.i18n import Message
from awards.models import PendingLogin, StaffRecoveryCode, StaffUser
from awards.settings import Settings

PENDING_MINUTES = 5
RECOVERY_CODES = 10
_VERSION = "v1"
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed


def _key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), b"awards staff totp secret", hashlib.sha256).digest()


def seal(secret_key: str, user_id: int, secret: str) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_key(secret_key)).encrypt(nonce, secret.encode(), str(user_id).encode())
    return f"{_VERSION}:{base64.b64encode(nonce + sealed).decode()}"


def unseal(secret_key: str, user_id: int, stored: str) -> str:
    """The secret; ValueError when it was sealed under another key or for another account."""
    version, _sep, payload = stored.partition(":")
    raw = base64.b64decode(payload)
    if version != _VERSION:
        raise ValueError("unknown sealing")
    try:
        return AESGCM(_key(secret_key)).decrypt(raw[:12], raw[12:], str(user_id).encode()).decode()
    except InvalidTag as exc:
        raise ValueError("not sealed under this key") from exc


def is_enrolled(user: StaffUser) -> bool:
    return user.totp_enrolled_at is not None


def _normalised(code: str) -> str:
    return "".join(code.split()).replace("-", "").upper()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step (now, or one either side) whose code this is."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


# Enrolment ---------------------------------------------------------------------------------


async def start_enrolment(session: AsyncSession, user: StaffUser, secret_key: str) -> None:
    """A new secret, in use only once a code from it has been typed (`complete_enrolment`)."""
    if is_enrolled(user):
        raise Conflict("Your authenticator is already set up.")
    user.totp_secret = seal(secret_key, user.id, pyotp.random_base32())
    await audit.record(
        session,
        actor=user.username,
        action=Action.STAFF_SECOND_FACTOR_STARTED,
        object_type="staff_user",
        object_id=user.id,
    )


def enrolment_secret(user: StaffUser, secret_key: str) -> str | None:
    if is_enrolled(user) or user.totp_secret is None:
        return None
    try:
        return unseal(secret_key, user.id, user.totp_secret)
    except ValueError:
        return None  # sealed under a key since replaced: enrolment starts again


def provisioning(user: StaffUser, secret: str, issuer: str) -> dict[str, object]:
    """What the enrolment page shows: the QR code as inline SVG (no script, no data: URL, so the
    strict CSP holds) and the secret in groups of four for typing by hand."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=issuer)
    # segno draws the URI as one path of modules, with no text of it in the markup.
    svg = segno.make(uri, error="m").svg_inline(
        scale=5, border=4, omitsize=True, svgclass="qr", lineclass=None
    )
    return {
        "qr": Markup(svg),  # noqa: S704 (segno's own markup, see above)
        "secret_groups": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "issuer": issuer,
    }


async def complete_enrolment(
    session: AsyncSession,
    user: StaffUser,
    code: str,
    now: datetime,
    secret_key: str,
    *,
    keep_session: str,
) -> list[str]:
    """Check the first code, then switch the second factor on; returns the recovery codes,
    which nothing shows again. Every other session of the account ends (it was opened with the
    password alone, maybe by whoever made the owner want a second factor), and so does every
    pending login; the session that enrolled (`keep_session`, its id hash) goes on."""
    secret = enrolment_secret(user, secret_key)
    if secret is None:
        raise Conflict("Start the set-up again: this page was out of date.")
    step = _matching_step(secret, _normalised(code), now)
    if step is None:
        raise FormInvalid(
            {
                "code": Message(
                    "That code is not right. Type the 6 digits your authenticator shows now."
                )
            }
        )
    user.totp_enrolled_at = now
    user.totp_last_step = step
    await sessions.end_all(session, "staff", user.id, keep=keep_session)
    await end_all_pending(session, user.id)
    return await _new_recovery_codes(session, user, Action.STAFF_SECOND_FACTOR_ENROLLED)


def _recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(16))  # 80 bits
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _code_hash(user_id: int, code: str) -> str:
    return hashlib.sha256(f"{user_id}:{_normalised(code)}".encode()).hexdigest()


async def _new_recovery_codes(session: AsyncSession, user: StaffUser, action: str) -> list[str]:
    """Ten new codes; the old ones stop working. Audited as `action`, with how many."""
    await session.execute(
        delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == user.id)
    )
    codes = [_recovery_code() for _ in range(RECOVERY_CODES)]
    session.add_all(
        StaffRecoveryCode(code_hash=_code_hash(user.id, c), staff_user_id=user.id) for c in codes
    )
    await session.flush()
    await audit.record(
        session,
        actor=user.username,
        action=action,
        object_type="staff_user",
        object_id=user.id,
        changes={"recovery_codes": len(codes)},
    )
    return codes


async def renew_recovery_codes(session: AsyncSession, user: StaffUser) -> list[str]:
    """New recovery codes for an enrolled account (the caller has checked a code from the
    authenticator), audited."""
    return await _new_recovery_codes(session, user, Action.STAFF_RECOVERY_CODES_RENEWED)


async def recovery_codes_left(session: AsyncSession, user_id: int) -> int:
    return (
        await session.scalar(
            select(func.count())
            .select_from(StaffRecoveryCode)
            .where(StaffRecoveryCode.staff_user_id == user_id, StaffRecoveryCode.used_at.is_(None))
        )
        or 0
    )


async def remove(session: AsyncSession, user: StaffUser) -> None:
    """Forget the authenticator, the recovery codes and any pending login (the caller audits)."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    await session.execute(
        delete(StaffRecoveryCode).where(StaffRecoveryCode.staff_user_id == user.id)
    )
    await end_all_pending(session, user.id)


# Logging in --------------------------------------------------------------------------------


async def check_code(
    session: AsyncSession, user: StaffUser, code: str, now: datetime, secret_key: str
) -> str | None:
    """ "totp" or "recovery_code" when `code` is good (and now used up), else None."""
    if not is_enrolled(user) or user.totp_secret is None:
        return None
    typed = _normalised(code)
    try:
        secret = unseal(secret_key, user.id, user.totp_secret)
    except ValueError:  # sealed under a secret key since replaced: recovery codes still work
        secret = None
    step = _matching_step(secret, typed, now) if secret else None
    if step is not None:
        accepted = await session.execute(
            update(StaffUser)
            .where(
                StaffUser.id == user.id,
                (StaffUser.totp_last_step.is_(None)) | (StaffUser.totp_last_step < step),
            )
            .values(totp_last_step=step)
            .execution_options(synchronize_session=False)
        )
        return "totp" if rowcount(accepted) == 1 else None
    if len(typed) != 16:
        return None
    used = await session.execute(
        update(StaffRecoveryCode)
        .where(
            StaffRecoveryCode.code_hash == _code_hash(user.id, typed),
            StaffRecoveryCode.staff_user_id == user.id,
            StaffRecoveryCode.used_at.is_(None),
        )
        .values(used_at=now)
    )
    return "recovery_code" if rowcount(used) == 1 else None


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def begin_pending(session: AsyncSession, user: StaffUser, now: datetime) -> str:
    """A pending login for an account whose password was right; returns the cookie value.
    One per account: an earlier one (another tab, an abandoned attempt) ends."""
    await session.execute(
        delete(PendingLogin).where(
            (PendingLogin.expires_at <= now) | (PendingLogin.staff_user_id == user.id)
        )
    )
    raw = secrets.token_urlsafe(32)
    session.add(
        PendingLogin(
            token_hash=_token_hash(raw),
            staff_user_id=user.id,
            expires_at=now + timedelta(minutes=PENDING_MINUTES),
        )
    )
    return raw


async def pending_user(session: AsyncSession, raw: str | None, now: datetime) -> StaffUser | None:
    """The active, enrolled account behind a pending login that has not expired."""
    if not raw:
        return None
    pending = await session.get(PendingLogin, _token_hash(raw))
    if pending is None or pending.expires_at <= now:
        return None
    user = await session.get(StaffUser, pending.staff_user_id)
    return user if user is not None and user.is_active and is_enrolled(user) else None


async def end_all_pending(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(PendingLogin).where(PendingLogin.staff_user_id == user_id))


async def end_pending(session: AsyncSession, raw: str | None) -> bool:
    """End a pending login; whether it was still there. One DELETE ... RETURNING, so of two
    requests racing with one pending login (a code from the app in one, a recovery code in the
    other) only one finds it and logs in."""
    if not raw:
        return False
    ended = await session.execute(
        delete(PendingLogin)
        .where(PendingLogin.token_hash == _token_hash(raw))
        .returning(PendingLogin.staff_user_id)
    )
    return ended.scalar_one_or_none() is not None


def code_limits(settings: Settings, username: str) -> list[throttle.Limit]:
    """Codes are counted apart from passwords: a right password clears the password counts,
    and must not clear these, or whoever has the password could guess codes for ever. One limit
    per account from every address: six digits need a tight bound (`login_max_failures` per
    `login_lock_minutes`). An administrator's unlock clears it with the rest."""
    subject = throttle.account_key("staff", username)
    return [throttle.Limit("code", subject, "", settings.login_max_failures)]


async def count_attempt(
    db: Database, settings: Settings, username: str, now: datetime
) -> datetime | None:
    """Count a code attempt before it is checked (its own transaction, like a password's): None
    when it may be checked, else until when it is refused. Call it before the request's writing
    transaction runs a statement (on SQLite that one holds the write lock)."""
    limits = code_limits(settings, username)
    return await db.write(throttle.count, limits, now, throttle.window(settings))


async def forgive_attempts(session: AsyncSession, settings: Settings, username: str) -> None:
    """A right code: the account's code count starts again (in the request's transaction)."""
    limits = code_limits(settings, username)
    await session.run_sync(lambda sync: throttle.forgive(sync.connection(), limits))
