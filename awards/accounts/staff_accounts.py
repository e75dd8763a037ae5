"""Staff accounts: the first made with `awards staff create` (there are no default accounts),
the others managed by an administrator: roles, disabling, the second factor reset.

Rules:
- nobody changes their own role or disables their own account, and the last active
  administrator can be neither demoted, nor disabled, nor stripped of a second factor, so the
  election always keeps someone who can manage it (the command line can still make an account);
- the rows of every active administrator are locked before that is counted, in id order, so two
  administrators demoting each other at once cannot both succeed (PostgreSQL; SQLite's writers
  run one at a time anyway);
- an administrator never types anyone's password: a new account, and a password reset, get a
  one-time code (awards.accounts.activation) with which the person sets their own; a reset kills
  the old password at once;
- disabling an account, resetting its password or its second factor ends its sessions and
  pending logins;
- every change is an audit event naming the administrator, the account and old -> new.
"""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.accounts import activation, second_factor, sessions, throttle
from awards.accounts.sessions import Principal
from awards.audit import Action
from awards.database import get_or_404
from awards.errors import Conflict, FormInvalid, NotAllowed
from awards.forms import CODE_RE
from awards.i18n import N_, Message
from awards.models import StaffUser
from awards.models.staff import ADMIN, AUDITOR, ELECTION_STAFF, ROLES

# Not an argon2 hash, so no password matches it: the state of an account whose owner has not
# yet set a password with their one-time code.
NO_PASSWORD = "!"  # noqa: S105 (a marker, not a password)


def has_password(user: StaffUser) -> bool:
    return user.password_hash != NO_PASSWORD


ROLE_LABELS = {
    ADMIN: N_("Administrator"),
    ELECTION_STAFF: N_("Election staff"),
    AUDITOR: N_("Auditor"),
}


async def create_staff(
    session: AsyncSession,
    username: str,
    display_name: str,
    password_hash: str,
    *,
    role: str = ADMIN,
    actor: str,
) -> StaffUser:
    if role not in ROLES:
        raise FormInvalid({"role": Message("Choose a role.")})
    if len(display_name) > 100:
        raise FormInvalid({"display_name": Message("Use at most %(n)s characters.", n=100)})
    if not CODE_RE.fullmatch(username):
        raise FormInvalid(
            {"username": Message("Use 1-64 letters, digits, dots, dashes or underscores.")}
        )
    if await session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise Conflict("A staff account with this user name already exists.")
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash,
        role=role,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action=Action.STAFF_CREATED,
        object_type="staff_user",
        object_id=user.id,
        changes={"username": username, "display_name": user.display_name, "role": role},
    )
    return user


async def list_accounts(session: AsyncSession) -> list[StaffUser]:
    return list(await session.scalars(select(StaffUser).order_by(StaffUser.username)))


async def get_account(session: AsyncSession, user_id: int) -> StaffUser:
    return await get_or_404(session, StaffUser, user_id, N_("No such staff account."))


async def create_account(
    session: AsyncSession,
    username: str,
    display_name: str,
    role: str,
    now: datetime,
    days: int,
    actor: Principal,
) -> activation.StaffCode:
    """A new account without a password, and the one-time code with which its owner sets one."""
    user = await create_staff(
        session, username.strip(), display_name.strip(), NO_PASSWORD, role=role, actor=actor.name
    )
    return await activation.issue_staff_code(session, user, now, days, actor.name)


async def reset_password(
    session: AsyncSession, user: StaffUser, now: datetime, days: int, actor: Principal
) -> activation.StaffCode:
    """For a forgotten (or exposed) password: it stops working now, and the person sets a new
    one with the code. The second factor stays as it was."""
    _not_self(
        user, actor, N_("You cannot reset your own password here: ask another administrator.")
    )
    user.password_hash = NO_PASSWORD
    await sessions.end_all(session, "staff", user.id)
    await second_factor.end_all_pending(session, user.id)
    issued = await activation.issue_staff_code(session, user, now, days, actor.name)
    await _audit(session, actor, Action.STAFF_PASSWORD_RESET, user, {"password": ["set", "unset"]})
    return issued


async def unlock(session: AsyncSession, user: StaffUser, actor: Principal) -> None:
    """Lift the limits on wrong passwords and wrong codes of this account (audited)."""
    await throttle.unlock(session, "staff", user.username, actor.name)


async def _keeps_an_administrator(session: AsyncSession, user: StaffUser) -> None:
    """Refuse a change that would leave no active administrator but `user`'s own rights."""
    if user.role != ADMIN or not user.is_active:
        return
    admins = await session.scalars(
        select(StaffUser.id)
        .where(StaffUser.role == ADMIN, StaffUser.is_active.is_(True))
        .order_by(StaffUser.id)
        .with_for_update()
    )
    if [i for i in admins if i != user.id]:
        return
    raise NotAllowed(
        "%(name)s is the last active administrator: make another administrator first.",
        name=user.username,
    )


def _not_self(user: StaffUser, actor: Principal, message: str) -> None:
    if user.id == actor.id:
        raise NotAllowed(message)


async def _audit(
    session: AsyncSession, actor: Principal, action: str, user: StaffUser, changes: dict
) -> None:
    await audit.record(
        session,
        actor=actor.name,
        action=action,
        object_type="staff_user",
        object_id=user.id,
        changes={"username": user.username, **changes},
    )


async def change_role(session: AsyncSession, user: StaffUser, role: str, actor: Principal) -> None:
    if role not in ROLES:
        raise FormInvalid({"role": Message("Choose a role.")})
    if role == user.role:
        return
    _not_self(user, actor, N_("You cannot change your own role: ask another administrator."))
    if role != ADMIN:
        await _keeps_an_administrator(session, user)
    old, user.role = user.role, role
    await _audit(session, actor, Action.STAFF_ROLE_CHANGED, user, {"role": [old, role]})


async def set_active(
    session: AsyncSession, user: StaffUser, active: bool, actor: Principal
) -> None:
    if active == user.is_active:
        return
    if not active:
        _not_self(user, actor, N_("You cannot disable your own account."))
        await _keeps_an_administrator(session, user)
        await sessions.end_all(session, "staff", user.id)
        await second_factor.end_all_pending(session, user.id)
    user.is_active = active
    action = Action.STAFF_ENABLED if active else Action.STAFF_DISABLED
    await _audit(session, actor, action, user, {"is_active": [not active, active]})


async def reset_second_factor(session: AsyncSession, user: StaffUser, actor: Principal) -> None:
    """For a lost authenticator: the account logs in with its password alone again (and must
    set up a new authenticator first where AWARDS_STAFF_REQUIRE_TOTP is on)."""
    if not second_factor.is_enrolled(user) and user.totp_secret is None:
        return
    _not_self(
        user,
        actor,
        N_(
            "You cannot reset your own authenticator: ask another administrator (or log in "
            "with a recovery code)."
        ),
    )
    await _keeps_an_administrator(session, user)
    was = "on" if second_factor.is_enrolled(user) else "setting up"
    await second_factor.remove(session, user)
    await sessions.end_all(session, "staff", user.id)
    await _audit(
        session, actor, Action.STAFF_SECOND_FACTOR_RESET, user, {"second_factor": [was, "off"]}
    )
