"""A juror changes their own password. The current password is checked like a login (counted,
and limited, before argon2 runs: `awards.accounts.login.counted_check`), so that a session left
open is no way to guess it without limit. The new password ends every session of the juror's;
the browser that changed it gets a new one."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from awards.accounts import login, sessions, throttle
from awards.accounts.password_rules import check_new_password
from awards.accounts.passwords import Passwords
from awards.database import Database
from awards.errors import FormInvalid
from awards.i18n import Message
from awards.models import Juror
from awards.settings import Settings


class TooManyWrongPasswords(FormInvalid):
    status_code = 429


async def change_juror_password(
    db: Database,
    session: AsyncSession,
    passwords: Passwords,
    settings: Settings,
    juror_id: int,
    current: str,
    new: str,
    repeat: str,
    address: str,
    device_cookie: str | None,
    now: datetime,
) -> str:
    """Check `current`, set `new` (typed twice: `repeat`), end every session of the juror's and
    start one for this browser: its id is returned, for the cookie. `session` is the request's
    writing transaction; `address` and `device_cookie` (the browser's, if any) are counted as a
    login's are. Raises FormInvalid (TooManyWrongPasswords while the attempts are limited)."""
    async with db.reader() as reader:
        email = (await reader.get_one(Juror, juror_id)).email
    # argon2 runs before `session` starts its (write-locking) transaction: see `check_login`.
    attempt = await login.counted_check(
        db,
        passwords,
        settings,
        "juror",
        email,
        current,
        address,
        now,
        throttle.trusted_device(settings.secret_key, "juror", email, device_cookie),
    )
    if attempt.locked_until is not None:
        raise TooManyWrongPasswords(
            {
                "current": Message(
                    "Too many wrong passwords. Try again after %(time)s.",
                    time=throttle.shown_time(attempt.locked_until, settings),
                )
            }
        )
    if not attempt.matches:
        raise FormInvalid({"current": Message("This is not your current password.")})
    check_new_password(new, repeat)
    new_hash = await passwords.hash(new)
    juror = await session.get_one(Juror, juror_id)
    if juror.password_hash != attempt.stored:  # changed meanwhile, in another tab
        raise FormInvalid({"current": Message("This is not your current password.")})
    juror.password_hash = new_hash
    await sessions.end_all(session, "juror", juror.id)
    return await sessions.start(session, "juror", juror.id, now)
