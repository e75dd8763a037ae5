"""Staff accounts. There are no default accounts: the first is created with
`awards staff create`, the others by an administrator (awards.accounts.staff_accounts)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.errors import Conflict, FormInvalid
from awards.forms import CODE_RE
from awards.i18n import N_, Message
from awards.models import StaffUser
from awards.models.staff import ADMIN, AUDITOR, ELECTION_STAFF, ROLES

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
