"""Staff second factor: the code page of a login, and setting up one's own authenticator."""

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.accounts import second_factor, staff_accounts, throttle
from awards.accounts.login_pages import PENDING_COOKIE, safe_next, start_session
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import AppSettings, FormData, Session, form_error, see_other
from awards.i18n import _
from awards.models import StaffUser
from awards.models.base import utcnow
from awards.settings import Settings
from awards.web import requires_staff_login, rollback_only, services_of


def _code_page(target: str | None, error: str | None = None, status: int = 200) -> Template:
    return Template(
        "auth/code.html", context={"next": safe_next(target), "error": error}, status_code=status
    )


def _login_again(message: str, status: int) -> Template:
    return Template(
        "auth/login.html",
        context={"error": message, "next": safe_next(None), "values": {}},
        status_code=status,
    )


class SecondFactorLoginController(Controller):
    """The second step of a staff login; the pending login's cookie is its only credential."""

    @get("/login/code", name="login.code")
    async def code_page(
        self,
        request: Request,
        session: Session,
        next_: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Template | Redirect:
        pending = request.cookies.get(PENDING_COOKIE)
        if await second_factor.pending_user(session, pending, utcnow()) is None:
            return see_other(request, "login")
        return _code_page(next_)

    @post("/login/code", name="login.code.submit")
    async def submit_code(
        self, request: Request, data: FormData, session: Session, settings: AppSettings
    ) -> Template | Redirect:
        now = utcnow()
        pending = request.cookies.get(PENDING_COOKIE)
        db = services_of(request.app.state).db
        async with db.reader() as reader:  # `db` must not take the write lock yet
            found = await second_factor.pending_user(reader, pending, now)
            user_id, username = (found.id, found.username) if found else (None, "")
        fields = Fields(data)
        target, code = fields.text("next", max_length=2000), fields.text("code", max_length=64)
        fields.finish()
        if user_id is None:
            return _login_again(_("That took too long. Please log in again."), 401)
        refused_until = await second_factor.count_attempt(db, settings, username, now)
        if refused_until is not None:
            await second_factor.end_all_pending(session, user_id)
            return _login_again(_too_many(refused_until, settings), 429)
        user = await staff_accounts.get_account(session, user_id)
        method = await second_factor.check_code(session, user, code, now, settings.secret_key)
        if method is None:
            return _code_page(
                target,
                _(
                    "That code is not right, or it was used already. Wait for the next code and "
                    "try again."
                ),
                401,
            )
        await second_factor.forgive_attempts(session, settings, username)
        if not await second_factor.end_pending(session, pending):  # another request used it first
            rollback_only(session)
            return _login_again(_("That took too long. Please log in again."), 401)
        redirect = await start_session(request, session, settings, user, now, target, method)
        redirect.delete_cookie(PENDING_COOKIE, path="/login")
        return redirect


def _too_many(until: datetime, settings: Settings) -> str:
    return _(
        "Too many wrong codes. Try again after %(time)s.",
        time=throttle.shown_time(until, settings),
    )


async def _me(request: Request, session: AsyncSession) -> StaffUser:
    """The logged-in account (the session was resolved against it in this request)."""
    return await staff_accounts.get_account(session, request.user.id)


async def _context(session: AsyncSession, user: StaffUser, settings: Settings) -> dict[str, Any]:
    secret = second_factor.enrolment_secret(user, settings.secret_key)
    return {
        "enrolled": second_factor.is_enrolled(user),
        "enrolled_at": user.totp_enrolled_at,
        "codes_left": await second_factor.recovery_codes_left(session, user.id),
        "required": settings.staff_require_totp,
        "setup": second_factor.provisioning(user, secret, _("TV Producers' Awards"))
        if secret
        else None,
        "errors": {},
        "values": {},
    }


class SecondFactorController(Controller):
    """One's own authenticator. Every staff role, and before enrolment too (the only staff page
    open then, when AWARDS_STAFF_REQUIRE_TOTP is on)."""

    path = "/staff/second-factor"
    guards = [requires_staff_login]  # noqa: RUF012

    @get("/", name="second_factor")
    async def show(self, request: Request, session: Session, settings: AppSettings) -> Template:
        user = await _me(request, session)
        return Template("staff/second_factor.html", context=await _context(session, user, settings))

    @post("/start", name="second_factor.start")
    async def start(self, request: Request, session: Session, settings: AppSettings) -> Redirect:
        await second_factor.start_enrolment(
            session, await _me(request, session), settings.secret_key
        )
        return see_other(request, "second_factor")

    @post("/confirm", name="second_factor.confirm")
    async def confirm(
        self, request: Request, data: FormData, session: Session, settings: AppSettings
    ) -> Template:
        user = await _me(request, session)
        fields = Fields(data)
        code = fields.text("code", max_length=64)
        try:
            fields.finish()
            codes = await second_factor.complete_enrolment(
                session,
                user,
                code,
                utcnow(),
                settings.secret_key,
                keep_session=request.user.session_hash,
            )
        except FormInvalid as exc:
            context = await _context(session, user, settings)
            return await form_error(session, "staff/second_factor.html", exc, **context)
        return Template("staff/recovery_codes.html", context={"codes": codes})

    @post("/recovery-codes", name="second_factor.recovery_codes")
    async def new_recovery_codes(
        self, request: Request, data: FormData, session: Session, settings: AppSettings
    ) -> Template:
        """New recovery codes, only with a code from the authenticator: a session left open
        must not be enough to take a way past the second factor."""
        now = utcnow()
        db = services_of(request.app.state).db
        async with db.reader() as reader:  # `db` must not take the write lock yet
            username = (await staff_accounts.get_account(reader, request.user.id)).username
        refused_until = await second_factor.count_attempt(db, settings, username, now)
        user = await _me(request, session)
        fields = Fields(data)
        code = fields.text("code", max_length=64)
        fields.finish()
        checked = (
            None
            if refused_until
            else await second_factor.check_code(session, user, code, now, settings.secret_key)
        )
        if checked != "totp":
            rollback_only(session)  # a recovery code typed here is refused, so it stays unused
            context = await _context(session, user, settings)
            message = (
                _too_many(refused_until, settings)
                if refused_until
                else _("That code is not right, or it was used already. Wait for the next one.")
            )
            return Template(
                "staff/second_factor.html",
                context={**context, "errors": {"renew_code": message}},
                status_code=429 if refused_until else 422,
            )
        await second_factor.forgive_attempts(session, settings, username)
        codes = await second_factor.renew_recovery_codes(session, user)
        return Template("staff/recovery_codes.html", context={"codes": codes})
