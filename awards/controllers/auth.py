"""Staff log in and log out; language switch."""

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import i18n, web_sessions
from awards.controllers import AppSettings, Db, FormData, PasswordService, see_other
from awards.forms import Fields
from awards.i18n import _
from awards.login import check_login
from awards.models.base import utcnow
from awards.passwords import Passwords
from awards.settings import Settings
from awards.web import services_of

HOME = {"staff": "/staff", "juror": "/juror"}
LOGIN_TEMPLATE = {"staff": "auth/login.html", "juror": "juror/login.html"}


def safe_next(target: str | None, kind: str = "staff") -> str:
    """Only local paths: `//host` and `/\\host` would send the browser elsewhere."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return HOME[kind]


async def log_in(
    request: Request,
    data: dict,
    db: AsyncSession,
    settings: Settings,
    passwords: Passwords,
    kind: str,
) -> Template | Redirect:
    """Check the password; on success replace any session with a new one (never adopt)."""
    fields = Fields(data)
    username = fields.text("username", max_length=200)
    password = fields.secret("password")
    next_ = fields.text("next", max_length=2000)
    fields.finish()
    now = utcnow()
    database = services_of(request.app.state).db
    result = await check_login(database, db, passwords, settings, kind, username, password, now)
    if result.user is None:
        message = (
            _("Too many failed attempts for this account. Try again later.")
            if result.locked
            else _("Wrong user name or password.")
        )
        return Template(
            LOGIN_TEMPLATE[kind],
            context={
                "error": message,
                "next": safe_next(next_, kind),
                "values": {"username": username},
            },
            status_code=429 if result.locked else 401,
        )
    await web_sessions.end(db, request.cookies.get(web_sessions.COOKIE_NAME))
    await web_sessions.purge_expired(db, now, settings)  # no scheduler needed to keep it small
    raw = await web_sessions.start(db, kind, result.user.id, now)
    return Redirect(
        path=safe_next(next_, kind),
        status_code=303,
        cookies=[
            Cookie(
                key=web_sessions.COOKIE_NAME,
                value=raw,
                httponly=True,
                samesite="lax",
                secure=settings.cookie_secure,
                path="/",
            )
        ],
    )


class AuthController(Controller):
    @get("/", name="home")
    async def home(self, request: Request) -> Template | Redirect:
        if request.user is not None:
            return see_other(request, "seasons" if request.user.is_staff else "juror.home")
        return Template("home.html")

    @get("/login", name="login")
    async def login_page(
        self, next_: Annotated[str | None, QueryParameter(name="next")] = None
    ) -> Template:
        return Template("auth/login.html", context={"next": safe_next(next_), "values": {}})

    @post("/login", name="login.submit")
    async def login(
        self,
        request: Request,
        data: FormData,
        db: Db,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        return await log_in(request, data, db, settings, passwords, "staff")

    @post("/logout", name="logout")
    async def logout(self, request: Request, db: Db) -> Redirect:
        await web_sessions.end(db, request.cookies.get(web_sessions.COOKIE_NAME))
        is_juror = request.user is not None and request.user.is_juror
        redirect = see_other(request, "juror.login" if is_juror else "login")
        redirect.delete_cookie(web_sessions.COOKIE_NAME, path="/")
        return redirect

    @get("/lang/{locale:str}", name="lang")
    async def switch_language(
        self,
        locale: FromPath[str],
        next_: Annotated[str | None, QueryParameter(name="next")] = None,
    ) -> Redirect:
        chosen = locale if locale in i18n.LOCALES else i18n.DEFAULT_LOCALE
        return Redirect(
            path=safe_next(next_) if next_ else "/",
            status_code=303,
            cookies=[
                Cookie(
                    key=i18n.COOKIE_NAME,
                    value=chosen,
                    samesite="lax",
                    path="/",
                    max_age=365 * 24 * 3600,
                )
            ],
        )
