"""Staff accounts. There are no default accounts: each is created with `awards staff create`."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.errors import Conflict, FormInvalid
from awards.forms import CODE_RE
from awards.i18n import _
from awards.models import StaffUser


async def create_staff(
    session: AsyncSession,
    username: str,
    display_name: str,
    password_hash: str,
    *,
    is_auditor: bool = False,
    actor: str,
) -> StaffUser:
    if not CODE_RE.fullmatch(username):
        raise FormInvalid({"username": _("Use 1-64 letters, digits, dots, dashes or underscores.")})
    if await session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise Conflict("A staff account with this user name already exists.")
    user = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=password_hash,
        is_auditor=is_auditor,
    )
    session.add(user)
    await session.flush()
    await audit.record(
        session,
        actor=actor,
        action="staff.created",
        object_type="staff_user",
        object_id=user.id,
        changes={"username": username, "is_auditor": is_auditor},
    )
    return user
