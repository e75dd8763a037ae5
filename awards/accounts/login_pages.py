"""Logging in and out (staff and jurors), one-time codes that set a password, the language
switch."""

from datetime import datetime
from typing import Annotated
from urllib.parse import quote, urlsplit

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit, i18n
from awards.accounts import activation, second_factor, sessions, throttle
from awards.accounts.login import check_login
from awards.audit import Action
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
from awards.i18n import N_, _
from awards.models import Juror, StaffUser
from awards.models.base import utcnow
from awards.settings import Settings
from awards.web import is_local_path, services_of

HOME = {"staff": "/staff", "juror": "/juror"}
PENDING_COOKIE = "awards_pending"
LOGIN_TEMPLATE = {"staff": "auth/login.html", "juror": "juror/login.html"}
ACTIVATE_TEMPLATE = {"staff": "auth/activate.html", "juror": "juror/activate.html"}
# One message for an unknown account and a wrong password; jurors log in with their e-mail.
WRONG_LOGIN = {
    "staff": N_("Wrong user name or password."),
    "juror": N_(
        "Wrong e-mail or password. If you have forgotten your password, ask the"
        " association's staff for a new activation code."
    ),
}


def safe_next(target: object, kind: str = "staff") -> str:
    """Only local paths: `//host` and `/\\host` would send the browser elsewhere. Anything but
    one string (a field sent twice is a list) is no target."""
    return target if is_local_path(target) else HOME[kind]


def return_path(request: Request) -> str | None:
    """Where a login asked for by this request leads back to: the page itself for a GET; for a
    form sent without a session (one that ended while the page was open), the page the form
    was on, as the browser names it (same site only: the Referer policy is same-origin), since
    the form's own address may answer POST only. None: the account's home."""
    if request.method in ("GET", "HEAD"):
        query = request.url.query
        return request.url.path + (f"?{query}" if query else "")
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not is_local_path(referer.path):
        return None
    return referer.path + (f"?{referer.query}" if referer.query else "")


def _kind(request: Request) -> str:
    """Whose form was posted: a juror's pages are under /juror/, staff's are not (each login and
    activation page posts to its own address)."""
    return "juror" if request.url.path.startswith("/juror/") else "staff"


def client_address(request: Request) -> str:
    """The peer's address as uvicorn reports it: behind a reverse proxy, run uvicorn with
    `--forwarded-allow-ips` naming the proxy, so that this is the client's, not the proxy's."""
    return request.client.host if request.client else ""


async def _ask_for_code(
    session: AsyncSession, settings: Settings, user: StaffUser, now: datetime, target: str | None
) -> Redirect:
    """Not logged in yet: a pending login (its own short-lived cookie) leads to the code page."""
    raw = await second_factor.begin_pending(session, user, now)
    return Redirect(
        path=f"/login/code?next={quote(safe_next(target))}",
        status_code=303,
        cookies=[
            Cookie(
                key=PENDING_COOKIE,
                value=raw,
                httponly=True,
                samesite="strict",
                secure=settings.cookie_secure,
                path="/login",
                max_age=second_factor.PENDING_MINUTES * 60,
            )
        ],
    )


async def start_session(
    request: Request,
    session: AsyncSession,
    settings: Settings,
    user: StaffUser | Juror,
    now: datetime,
    target: str | None,
    second_factor_used: str | None = None,
) -> Redirect:
    """Log in: replace any session with a new one (never adopt) and go where asked. A staff
    login is audited here, once it is one (with the second factor that completed it). The
    browser gets a device cookie for the account (`awards.accounts.throttle`), so that its owner's
    next logins are counted apart from guesses made elsewhere."""
    kind = "staff" if isinstance(user, StaffUser) else "juror"
    account = user.username if isinstance(user, StaffUser) else user.email
    await sessions.end(session, request.cookies.get(sessions.COOKIE_NAME))
    await sessions.purge_expired(session, now, settings)  # no scheduler needed to keep it small
    raw = await sessions.start(session, kind, user.id, now)
    if isinstance(user, StaffUser):
        await audit.record(
            session,
            actor=user.username,
            action=Action.STAFF_LOGGED_IN,
            object_type="staff_user",
            object_id=user.id,
            changes={"second_factor": second_factor_used} if second_factor_used else None,
        )
    return Redirect(
        path=safe_next(target, kind),
        status_code=303,
        cookies=[
            Cookie(
                key=sessions.COOKIE_NAME,
                value=raw,
                httponly=True,
                samesite="lax",
                secure=settings.cookie_secure,
                path="/",
            ),
            Cookie(
                key=throttle.DEVICE_COOKIE,
                value=throttle.device_token(settings.secret_key, kind, account),
                httponly=True,
                samesite="lax",
                secure=settings.cookie_secure,
                path="/",
                max_age=365 * 24 * 3600,
            ),
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
        self,
        next_: Annotated[str | None, QueryParameter(name="next")] = None,
        activated: FromQuery[bool] = False,
    ) -> Template:
        return Template(
            "auth/login.html",
            context={"next": safe_next(next_), "values": {}, "activated": activated},
        )

    @post(["/login", "/juror/login"], name="login.submit")
    async def login(
        self,
        request: Request,
        data: FormData,
        session: Session,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        """Staff log in at /login, jurors at /juror/login. Check the password; on success log
        in, or first ask for the second factor of a staff account that has one."""
        kind = _kind(request)
        fields = Fields(data)
        username = fields.text("username", max_length=200)
        password = fields.secret("password")
        next_ = fields.text("next", max_length=2000)
        fields.finish()
        now = utcnow()
        db = services_of(request.app.state).db
        device = throttle.trusted_device(
            settings.secret_key, kind, username, request.cookies.get(throttle.DEVICE_COOKIE)
        )
        result = await check_login(
            db,
            session,
            passwords,
            settings,
            kind,
            username,
            password,
            client_address(request),
            now,
            device=device,
        )
        if result.user is None:
            message = (
                _(
                    "Too many failed attempts. Try again after %(time)s, "
                    "or ask the staff to unlock the account.",
                    time=throttle.shown_time(result.locked_until, settings),
                )
                if result.locked_until
                else _(WRONG_LOGIN[kind])
            )
            return Template(
                LOGIN_TEMPLATE[kind],
                context={
                    "error": message,
                    "next": safe_next(next_, kind),
                    "values": {"username": username},
                },
                status_code=429 if result.locked_until else 401,
            )
        if isinstance(result.user, StaffUser) and second_factor.is_enrolled(result.user):
            return await _ask_for_code(session, settings, result.user, now, next_)
        return await start_session(request, session, settings, result.user, now, next_)

    @post(["/activate", "/juror/activate"], name="activate.submit")
    async def activate(
        self,
        request: Request,
        data: FormData,
        session: Session,
        db: DatabaseService,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        """A one-time code and a new password, for a staff account at /activate, a juror's at
        /juror/activate: then to the login."""
        kind = _kind(request)
        fields = Fields(data)
        values = {"code": fields.text("code", max_length=64)}
        password, repeat = fields.secret("password"), fields.secret("password_repeat")
        try:
            fields.finish()
            await activation.activate(
                db,
                session,
                passwords,
                settings,
                values["code"],
                password,
                repeat,
                client_address(request),
                utcnow(),
                kind=kind,
            )
        except FormInvalid as exc:
            exc.values = values
            return await form_error(session, ACTIVATE_TEMPLATE[kind], exc)
        except (activation.CodeInvalid, activation.TooManyAttempts) as exc:
            return await form_error(
                session,
                ACTIVATE_TEMPLATE[kind],
                FormInvalid({"code": i18n.gettext(exc.message, **exc.params)}, values),
                status_code=429 if isinstance(exc, activation.TooManyAttempts) else 422,
            )
        # The login page they land on says that the account is ready (`activated`).
        path = request.app.route_reverse("juror.login" if kind == "juror" else "login")
        return Redirect(path=f"{path}?activated=1", status_code=303)

    @post("/logout", name="logout")
    async def logout(self, request: Request, session: Session) -> Redirect:
        await sessions.end(session, request.cookies.get(sessions.COOKIE_NAME))
        is_juror = request.user is not None and request.user.is_juror
        redirect = see_other(request, "juror.login" if is_juror else "login")
        redirect.delete_cookie(sessions.COOKIE_NAME, path="/")
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
