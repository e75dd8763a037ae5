"""Jurors' accounts: the login page, activation with the one-time code, the password change.
(The login and activation forms post to `awards.accounts.login_pages`, which logs in and
activates staff and jurors alike.)"""

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Template

from awards.accounts import password_change, sessions, throttle
from awards.accounts.login_pages import client_address, safe_next
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import (
    AppSettings,
    DatabaseService,
    FormData,
    PasswordService,
    Session,
    form_error,
    see_other,
)
from awards.models.base import utcnow
from awards.web import requires_juror


class JurorAuthController(Controller):
    path = "/juror"

    @get("/login", name="juror.login")
    async def login_page(
        self,
        next_: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None,
        activated: FromQuery[bool] = False,
    ) -> Template:
        """`activated`: the juror has just set a password with the code (see the activation)."""
        return Template(
            "juror/login.html",
            context={"next": safe_next(next_, "juror"), "values": {}, "activated": activated},
        )

    @get("/activate", name="juror.activate")
    async def activate_page(self) -> Template:
        return Template("juror/activate.html", context={"values": {}, "errors": {}})


class JurorPasswordController(Controller):
    path = "/juror"
    guards = [requires_juror]  # noqa: RUF012

    @get("/password", name="juror.password")
    async def password_page(self) -> Template:
        return Template("juror/password.html", context={"values": {}, "errors": {}})

    @post("/password", name="juror.password.submit")
    async def change_password(
        self,
        request: Request,
        data: FormData,
        session: Session,
        db: DatabaseService,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        fields = Fields(data)
        current, new = fields.secret("current"), fields.secret("password")
        repeat = fields.secret("password_repeat")
        try:
            fields.finish()
            raw = await password_change.change_juror_password(
                db,
                session,
                passwords,
                settings,
                request.user.id,
                current,
                new,
                repeat,
                client_address(request),
                request.cookies.get(throttle.DEVICE_COOKIE),
                utcnow(),
            )
        except FormInvalid as exc:
            return await form_error(
                session, "juror/password.html", exc, status_code=exc.status_code
            )
        redirect = see_other(request, "juror.home")
        redirect.set_cookie(
            sessions.COOKIE_NAME,
            raw,
            httponly=True,
            samesite="lax",
            secure=settings.cookie_secure,
            path="/",
        )
        return redirect
