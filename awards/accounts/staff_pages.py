"""Staff accounts: every staff role sees them, only an administrator changes them."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import hosts, i18n
from awards.accounts import activation, second_factor, staff_accounts
from awards.accounts.staff_accounts import ROLE_LABELS
from awards.errors import Conflict, FormInvalid, NotAllowed
from awards.forms import Fields
from awards.handlers import (
    AppSettings,
    FormData,
    PathId,
    Session,
    form_error,
    see_other,
)
from awards.i18n import Message
from awards.models.base import utcnow
from awards.models.staff import ELECTION_STAFF
from awards.web import requires_staff_admin, rollback_only, services_of


async def _account_context(session: AsyncSession, user_id: int) -> dict[str, Any]:
    account = await staff_accounts.get_account(session, user_id)
    return {
        "account": account,
        "roles": ROLE_LABELS,
        "role_options": _role_options(),
        "has_password": staff_accounts.has_password(account),
        "codes_left": await second_factor.recovery_codes_left(session, account.id),
        "values": {"role": account.role},
        "errors": {},
    }


async def _list_context(session: AsyncSession) -> dict[str, Any]:
    return {
        "accounts": await staff_accounts.list_accounts(session),
        "roles": ROLE_LABELS,
        "role_options": _role_options(),
        "values": {"role": ELECTION_STAFF},
        "errors": {},
    }


def _role_options() -> list[tuple[str, str]]:
    return [(role, i18n.gettext(label)) for role, label in ROLE_LABELS.items()]


def _code_page(request: Request, issued: activation.StaffCode, *, new: bool) -> Template:
    """The one-time code, shown in this answer only; the link is the public one, never one
    built from the request's Host header."""
    settings = services_of(request.app.state).settings
    return Template(
        "staff/code.html",
        context={
            "issued": issued,
            "new": new,
            "activate_url": hosts.public_url(settings, request.app.route_reverse("staff.activate")),
        },
    )


async def _refused(session: AsyncSession, user_id: int, exc: NotAllowed | FormInvalid) -> Template:
    """The account's page again, saying why nothing was changed."""
    rollback_only(session)
    context = await _account_context(session, user_id)
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
    async def list_accounts(self, session: Session) -> Template:
        return Template("staff/accounts.html", context=await _list_context(session))

    @post("/", name="staff_account.create")
    async def create(
        self, request: Request, data: FormData, session: Session, settings: AppSettings
    ) -> Template:
        fields = Fields(data)
        values = {k: fields.text(k, max_length=200) for k in ("username", "display_name", "role")}
        try:
            fields.finish()
            issued = await staff_accounts.create_account(
                session,
                values["username"],
                values["display_name"],
                values["role"],
                utcnow(),
                settings.activation_days,
                request.user,
            )
        except FormInvalid as exc:
            exc.values = values
            return await form_error(
                session, "staff/accounts.html", exc, **await _list_context(session)
            )
        except Conflict as exc:
            exc_form = FormInvalid({"username": i18n.gettext(exc.message)}, values)
            return await form_error(
                session, "staff/accounts.html", exc_form, **await _list_context(session)
            )
        return _code_page(request, issued, new=True)

    @get("/{user_id:int}", name="staff_account")
    async def show(
        self, user_id: PathId, session: Session, unlocked: FromQuery[bool] = False
    ) -> Template:
        context = await _account_context(session, user_id)
        return Template("staff/account.html", context={**context, "unlocked": unlocked})

    @post("/{user_id:int}/role", name="staff_account.role")
    async def change_role(
        self, request: Request, user_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        account = await staff_accounts.get_account(session, user_id)
        fields = Fields(data)
        role = fields.text("role", max_length=32)
        try:
            fields.finish()
            await staff_accounts.change_role(session, account, role, request.user)
        except (NotAllowed, FormInvalid) as exc:
            return await _refused(session, user_id, exc)
        done = Message(
            "The role of %(name)s is now “%(role)s”.",
            name=account.username,
            role=Message(ROLE_LABELS[role]),
        )
        return see_other(request, "staff_account", user_id=user_id, done=done)

    @post("/{user_id:int}/active", name="staff_account.active")
    async def set_active(
        self, request: Request, user_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        account = await staff_accounts.get_account(session, user_id)
        fields = Fields(data)
        active = fields.text("active", max_length=1) == "1"
        try:
            fields.finish()
            await staff_accounts.set_active(session, account, active, request.user)
        except (NotAllowed, FormInvalid) as exc:
            return await _refused(session, user_id, exc)
        done = (
            Message("Account %(name)s enabled.", name=account.username)
            if active
            else Message(
                "Account %(name)s disabled: it can no longer log in.", name=account.username
            )
        )
        return see_other(request, "staff_account", user_id=user_id, done=done)

    @post("/{user_id:int}/second-factor/reset", name="staff_account.second_factor_reset")
    async def reset_second_factor(
        self, request: Request, user_id: PathId, session: Session
    ) -> Template | Redirect:
        account = await staff_accounts.get_account(session, user_id)
        try:
            await staff_accounts.reset_second_factor(session, account, request.user)
        except NotAllowed as exc:
            return await _refused(session, user_id, exc)
        done = Message(
            "Two-step login of %(name)s reset: the password alone logs in next time.",
            name=account.username,
        )
        return see_other(request, "staff_account", user_id=user_id, done=done)

    @post("/{user_id:int}/password", name="staff_account.password_reset")
    async def reset_password(
        self, request: Request, user_id: PathId, session: Session, settings: AppSettings
    ) -> Template:
        account = await staff_accounts.get_account(session, user_id)
        try:
            issued = await staff_accounts.reset_password(
                session, account, utcnow(), settings.activation_days, request.user
            )
        except NotAllowed as exc:
            return await _refused(session, user_id, exc)
        return _code_page(request, issued, new=False)

    @post("/{user_id:int}/unlock", name="staff_account.unlock")
    async def unlock(self, request: Request, user_id: PathId, session: Session) -> Redirect:
        account = await staff_accounts.get_account(session, user_id)
        await staff_accounts.unlock(session, account, request.user)
        path = request.app.route_reverse("staff_account", user_id=user_id)
        return Redirect(path=f"{path}?unlocked=1", status_code=303)


class StaffActivationController(Controller):
    """A staff member sets their own password with the one-time code an administrator gave."""

    @get("/activate", name="staff.activate")
    async def activate_page(self) -> Template:
        """The form posts to `awards.accounts.login_pages`, which activates staff and jurors
        alike."""
        return Template("auth/activate.html", context={"values": {}, "errors": {}})
