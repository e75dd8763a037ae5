"""Request plumbing shared by every controller: the per-request transaction, who is logged in,
the locale, security headers and guards.

The transaction is a dependency with cleanup: it commits after the handler has built its response
and before that response is sent, so a commit that fails becomes an error answer, never a success
(advanced-alchemy's autocommit handler logs and swallows such failures).
"""

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, TypeGuard
from urllib.parse import urlsplit

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.exceptions import (
    ClientException,
    HTTPException,
    MethodNotAllowedException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.types import ASGIApp, Guard, Message, Receive, ReceiveMessage, Scope, Send
from sqlalchemy.ext.asyncio import AsyncSession

from awards import i18n
from awards.accounts import sessions
from awards.accounts.passwords import Passwords
from awards.accounts.sessions import Principal
from awards.database import Database
from awards.errors import NotAllowed, NotFound
from awards.forms import parse_id
from awards.i18n import N_
from awards.models.base import utcnow
from awards.models.staff import ADMIN, ELECTION_STAFF
from awards.settings import Settings
from awards.voting import rounds, schedule

_READ_METHODS = {"GET", "HEAD", "OPTIONS"}
logger = logging.getLogger(__name__)
_ROLLBACK_ONLY = "awards_rollback_only"


@dataclass(frozen=True)
class Services:
    """What the app keeps for its lifetime, reachable as `app.state.services`."""

    settings: Settings
    db: Database
    passwords: Passwords


class UnreadableBody(ClientException):
    """A body that cannot be read at all; its detail is a message id, shown translated."""


class AwardsRequest(Request):
    """Litestar's request, whose body cannot be malformed enough to break the server (the CSRF
    middleware reads forms through this class too)."""

    async def form(self) -> Any:
        """Litestar decodes each multipart field that is not a file by the charset the part
        names, else as UTF-8, and lets the error through: a part of binary bytes (or naming
        charset "x") raised UnicodeDecodeError or LookupError, a 500."""
        try:
            return await super().form()
        except (UnicodeDecodeError, LookupError):
            raise UnreadableBody(N_("A form field is not text in its declared encoding.")) from None

    async def json(self) -> Any:
        """Litestar decodes a JSON body into plain Python values first (and only then into the
        handler's typed struct), recursing once per level of nesting: a body of a thousand
        nested brackets, two kilobytes, raised RecursionError (a 500). Only the decoding is
        guarded here; the typed structs then bound what handlers and the core see."""
        try:
            return await super().json()
        except RecursionError:
            raise UnreadableBody(N_("The JSON body is nested too deeply.")) from None


def services_of(state: State) -> Services:
    return state.services


async def provide_transaction(state: State, request: Request) -> AsyncIterator[AsyncSession]:
    db = services_of(state).db
    factory = db.reader if request.method in _READ_METHODS else db.writer
    async with factory() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        if session.info.get(_ROLLBACK_ONLY):
            await session.rollback()
        else:
            await session.commit()


def provide_database(state: State) -> Database:
    return services_of(state).db


def rollback_only(session: AsyncSession) -> None:
    """End this request's transaction with a rollback: for answers that show an error page and
    must leave nothing written. (Rolling back at once would expire the objects the page shows.)"""
    session.info[_ROLLBACK_ONLY] = True


def provide_settings(state: State) -> Settings:
    return services_of(state).settings


def provide_passwords(state: State) -> Passwords:
    return services_of(state).passwords


async def check_path_ids(request: Request) -> None:
    """Every `{name:int}` of a path is an id read by `forms.parse_id`. Litestar parses it with
    `int()`, which takes `+1`, `1_0` and `٣` too, so that `/staff/rounds/+1/open` opened round 1:
    here the segment as sent must be the id as links write it. (A `before_request` hook for
    every route, so a new route is covered without a word of its own.)"""
    params = request.scope["path_params"]
    if not any(type(value) is int for value in params.values()):
        return
    template = request.scope["path_template"].split("/")
    sent = request.scope["path"].split("/")
    if len(template) != len(sent):
        raise NotFound("This page does not exist.")
    for part, raw in zip(template, sent, strict=True):
        name = part[1:-1] if part.startswith("{") else None
        if name is not None and type(params.get(name)) is int and parse_id(raw) is None:
            raise NotFound("This page does not exist.")


def is_local_path(target: object) -> TypeGuard[str]:
    """A path on this site: "/..." but not "//host/..." or "/\\host" (which browsers read as
    another host's address)."""
    return (
        isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\"))
    )


def way_back(request: Request) -> str:
    """Where an error page links back to: the page the request came from (the Referer, when it
    is this site's and not the failing URL itself), else the nearest page above the failing
    URL (`/staff/rounds/5/close` -> `/staff/rounds/5`), else the home page. Only a path of this
    site: never a link to wherever a forged Referer points."""
    here = request.url.path
    referer = urlsplit(request.headers.get("referer", ""))
    base = urlsplit(str(request.base_url))
    if (referer.scheme, referer.netloc) == (base.scheme, base.netloc) and is_local_path(
        referer.path
    ):
        came_from = referer.path + (f"?{referer.query}" if referer.query else "")
        if referer.path != here or request.method not in _READ_METHODS:
            return came_from
    parts = here.rstrip("/").split("/")
    router = request.app.asgi_router
    while len(parts) > 1:
        parts.pop()
        above = "/".join(parts) or "/"
        try:
            router.handle_routing(above, "GET")
        except (NotFoundException, MethodNotAllowedException):
            continue
        return above
    return "/"


class HttpMiddleware(ABC):
    """A middleware for HTTP requests (`handle`); anything else, the lifespan, passes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.handle(scope, receive, send)
        else:
            await self.app(scope, receive, send)

    @abstractmethod
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None: ...


class FormSizeMiddleware(HttpMiddleware):
    """Bodies other than multipart uploads (forms, JSON) stop at `Settings.max_form_bytes`,
    counted as they arrive: Litestar parses an url-encoded form whole on the event loop, which
    took 3.2 s for the 8 MB that uploads may have, and the CSRF check does it for anyone,
    before any login. The largest real form, a ballot ranking 330 nominees in each of 12
    categories, is about 70 kB."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _content_type(scope).startswith(b"multipart/form-data"):
            await self.app(scope, receive, send)
            return
        limit = services_of(scope["litestar_app"].state).settings.max_form_bytes
        received = 0

        async def counted() -> ReceiveMessage:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(status_code=413)
            return message

        await self.app(scope, counted, send)


def _content_type(scope: Scope) -> bytes:
    for key, value in scope["headers"]:
        if key == b"content-type":
            return value.lower().lstrip()
    return b""


class PrincipalMiddleware(HttpMiddleware):
    """Puts the logged-in principal (or None) in `scope["user"]` for every HTTP request."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["user"] = None
        raw = _cookie(scope, sessions.COOKIE_NAME)
        if raw and not scope["path"].startswith("/static/"):
            services = services_of(scope["litestar_app"].state)
            now = utcnow()
            principal, stale = await services.db.read(sessions.resolve, raw, now, services.settings)
            if stale and principal is not None:
                await services.db.write(sessions.touch, principal.session_hash, now)
            scope["user"] = principal
            if principal is None:
                send = _clearing_cookie(send)
        await self.app(scope, receive, send)


def _cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope["headers"]:
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                cookie_name, _sep, cookie_value = part.strip().partition("=")
                if cookie_name == name:
                    return cookie_value
    return None


def _clearing_cookie(send: Send) -> Send:
    """Expire a session cookie the server does not (or no longer) know."""

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers.append((b"set-cookie", expired_cookie(sessions.COOKIE_NAME).encode()))
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


def expired_cookie(name: str) -> str:
    return f"{name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax"


class ScheduleMiddleware(HttpMiddleware):
    """Opens and closes rounds on schedule, checked before requests (at most every few seconds
    per process), so that no background scheduler is needed; `awards rounds tick` does the same
    from cron. Whatever goes wrong there is the schedule's business (logged, audited and shown
    on the round page by `schedule.tick`), never the answer to the request that carried it."""

    EVERY_SECONDS = 5.0

    def __init__(self, app: ASGIApp) -> None:
        super().__init__(app)
        self._checked = 0.0
        self._running = False  # one pass at a time: a long close must not start a second one

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not scope["path"].startswith("/static/"):
            now_mono = time.monotonic()
            if not self._running and now_mono - self._checked >= self.EVERY_SECONDS:
                self._checked, self._running = now_mono, True
                services = services_of(scope["litestar_app"].state)
                try:
                    await run_schedule(services.db, services.settings)
                except Exception as exc:
                    logger.error("schedule pass failed: %s", type(exc).__name__, exc_info=exc)
                finally:
                    self._running = False
        await self.app(scope, receive, send)


async def run_schedule(db: Database, settings: Settings) -> None:
    """Carry out every transition that is due; a cheap read first, a write only when needed."""
    now = utcnow()
    async with db.reader() as session:
        due = await rounds.next_due(session)
    if due is not None and due <= now:
        await schedule.tick(db, now, settings)


def request_locale(scope: Scope) -> str:
    """The reader's language: the `lang` cookie the language switcher sets; without it, for
    the JSON API (a program, which has no switcher), what Accept-Language asks for. Pages do
    not follow Accept-Language: the association's language comes first, whatever a phone is
    set to, until the reader picks English."""
    chosen = _cookie(scope, i18n.COOKIE_NAME)
    if chosen is not None and chosen in i18n.LOCALES:
        return chosen
    if scope["path"].startswith("/api/"):
        for key, value in scope["headers"]:
            if key == b"accept-language":
                return i18n.accepted(value.decode("latin-1")) or i18n.DEFAULT_LOCALE
    return i18n.DEFAULT_LOCALE


class LocaleMiddleware(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        i18n.set_locale(request_locale(scope))
        await self.app(scope, receive, send)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeadersMiddleware(HttpMiddleware):
    """CSP without inline scripts, nosniff, no framing; pages are never cached (they may show
    who is logged in or who has voted), static files are."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        cache = b"public, max-age=3600" if scope["path"].startswith("/static/") else b"no-store"

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != b"cache-control"]
                headers += [*_SECURITY_HEADERS, (b"cache-control", cache)]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)


def _logged_in(
    connection: ASGIConnection[Any, Any, Any, Any], kind: str, refusal: str
) -> Principal:
    """Who sent the request, who must be logged in as `kind` ("staff" or "juror")."""
    principal = connection.scope.get("user")
    if principal is None:
        raise NotAuthorizedException("Please log in.")
    if principal.kind != kind:
        raise PermissionDeniedException(refusal)
    return principal


# Guards are coroutines: Litestar runs a plain function guard in a worker thread.
async def requires_juror(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    _logged_in(connection, "juror", "Jurors only.")


class EnrolmentRequired(PermissionDeniedException):
    """A staff member who must set up a second factor first (answered with the enrolment page)."""


def _staff(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    return _logged_in(connection, "staff", "Staff only.")


def _staff_guard(name: str, writers: frozenset[str], refusal: str) -> Guard:
    """The one staff guard: every staff role reads (GET, HEAD), only `writers` send anything
    else; changes are made only by POSTs, so this covers every route that changes something,
    new ones included. A staff member who must set up a second factor gets nothing but that."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = _staff(connection)
        if principal.must_enrol:
            raise EnrolmentRequired("Set up your authenticator first.")
        # `.get`: a WebSocket's scope has no method, and it reads as a change.
        if connection.scope.get("method") not in _READ_METHODS and principal.role not in writers:
            raise NotAllowed(refusal)

    guard.__name__ = guard.__qualname__ = name
    return guard


requires_staff = _staff_guard(
    "requires_staff",
    frozenset({ADMIN, ELECTION_STAFF}),
    N_("Your role lets you read these pages, not change them."),
)
requires_staff_admin = _staff_guard(
    "requires_staff_admin",
    frozenset({ADMIN}),
    N_("Only an administrator can manage staff accounts."),
)


async def requires_staff_login(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A staff member's own second factor: every role, before enrolment too."""
    _staff(connection)
