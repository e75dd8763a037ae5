"""Staff accounts: every staff role sees them, only an administrator changes them."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import i18n, second_factor, staff_accounts
from awards.controllers import Db, FormData, PathId, see_other
from awards.errors import FormInvalid, NotAllowed
from awards.staff import ROLE_LABELS
from awards.web import requires_staff_admin, rollback_only


async def _account_context(db: AsyncSession, user_id: int) -> dict[str, Any]:
    account = await staff_accounts.get_account(db, user_id)
    return {
        "account": account,
        "roles": ROLE_LABELS,
        "role_options": [(role, i18n.gettext(label)) for role, label in ROLE_LABELS.items()],
        "codes_left": await second_factor.recovery_codes_left(db, account.id),
        "values": {"role": account.role},
        "errors": {},
    }


async def _refused(db: AsyncSession, user_id: int, exc: NotAllowed | FormInvalid) -> Template:
    """The account's page again, saying why nothing was changed."""
    rollback_only(db)
    context = await _account_context(db, user_id)
    return Template(
        "staff/account.html",
        context={**context, "problem": i18n.gettext(exc.message, **exc.params)}
        | ({"errors": exc.errors} if isinstance(exc, FormInvalid) else {}),
        status_code=exc.status_code,
    )


class StaffAccountController(Controller):
    path = "/staff/accounts"
    guards = [requires_staff_admin]  # noqa: RUF012

    @get("/", name="staff_accounts")
    async def list_accounts(self, db: Db) -> Template:
        return Template(
            "staff/accounts.html",
            context={
                "accounts": await staff_accounts.list_accounts(db),
                "roles": ROLE_LABELS,
                "values": {},
                "errors": {},
            },
        )

    @get("/{user_id:int}", name="staff_account")
    async def show(self, user_id: PathId, db: Db) -> Template:
        return Template("staff/account.html", context=await _account_context(db, user_id))

    @post("/{user_id:int}/role", name="staff_account.role")
    async def change_role(
        self, request: Request, user_id: PathId, data: FormData, db: Db
    ) -> Template | Redirect:
        account = await staff_accounts.get_account(db, user_id)
        try:
            await staff_accounts.change_role(db, account, str(data.get("role", "")), request.user)
        except (NotAllowed, FormInvalid) as exc:
            return await _refused(db, user_id, exc)
        return see_other(request, "staff_account", user_id=user_id)

    @post("/{user_id:int}/active", name="staff_account.active")
    async def set_active(
        self, request: Request, user_id: PathId, data: FormData, db: Db
    ) -> Template | Redirect:
        account = await staff_accounts.get_account(db, user_id)
        try:
            await staff_accounts.set_active(db, account, data.get("active") == "1", request.user)
        except NotAllowed as exc:
            return await _refused(db, user_id, exc)
        return see_other(request, "staff_account", user_id=user_id)

    @post("/{user_id:int}/second-factor/reset", name="staff_account.second_factor_reset")
    async def reset_second_factor(
        self, request: Request, user_id: PathId, db: Db
    ) -> Template | Redirect:
        account = await staff_accounts.get_account(db, user_id)
        try:
            await staff_accounts.reset_second_factor(db, account, request.user)
        except NotAllowed as exc:
            return await _refused(db, user_id, exc)
        return see_other(request, "staff_account", user_id=user_id)
