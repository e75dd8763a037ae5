"""The one app factory: controllers, middleware, templates, CSRF and the error mapping.

Run it with `uvicorn awards.app:create_app --factory` (or `awards serve`); tests pass settings in.
It does not start without a usable `AWARDS_BASE_URL` (see `awards.hosts`).
"""

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from litestar import Litestar, MediaType, Request, Response, Router
from litestar.config.csrf import CSRFConfig
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    SerializationException,
    ValidationException,
)
from litestar.logging.config import LoggingConfig
from litestar.middleware import DefineMiddleware
from litestar.openapi.config import OpenAPIConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import IntegrityError, OperationalError

from awards import compression, hosts, i18n, notices, refusals
from awards.accounts import password_rules
from awards.accounts.juror_pages import JurorAuthController, JurorPasswordController
from awards.accounts.login_pages import AuthController, return_path
from awards.accounts.passwords import Passwords
from awards.accounts.second_factor_pages import SecondFactorController, SecondFactorLoginController
from awards.accounts.staff_pages import StaffAccountController, StaffActivationController
from awards.audit_pages import AuditController
from awards.catalogue.category_pages import CategoryController
from awards.catalogue.drama_pages import DramaController
from awards.catalogue.dramas import DRAMA_KINDS
from awards.catalogue.file_pages import ImportTemplateController
from awards.catalogue.nominee_pages import NomineeController
from awards.catalogue.season_pages import SeasonController
from awards.database import Database
from awards.errors import Busy, Conflict, DomainError
from awards.i18n import N_, Message
from awards.jury.declaration_pages import DeclarationController
from awards.jury.roster_pages import JuryController
from awards.notices import NoticeMiddleware
from awards.results.public_pages import PublicController
from awards.settings import TEMPLATES_DIR, Settings
from awards.trustees.pages import TrusteeController
from awards.voting import lifecycle
from awards.voting.api import BallotApiController
from awards.voting.ballot_pages import BallotController
from awards.voting.round_category_pages import RoundCategoryController
from awards.voting.round_pages import RoundController
from awards.voting.shortlist_pages import ShortlistController
from awards.voting.turnout_pages import TurnoutController
from awards.web import (
    AwardsRequest,
    EnrolmentRequired,
    FormSizeMiddleware,
    LocaleMiddleware,
    PrincipalMiddleware,
    ScheduleMiddleware,
    SecurityHeadersMiddleware,
    Services,
    UnreadableBody,
    check_path_ids,
    provide_database,
    provide_passwords,
    provide_settings,
    provide_transaction,
    request_locale,
    way_back,
)

STATIC = Path(__file__).resolve().parent / "static"
logger = logging.getLogger("awards")


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, message: str, **extra: Any) -> Response:
    if _wants_json(request):
        return Response({"error": message, **extra}, status_code=status, media_type=MediaType.JSON)
    context = {
        "status": status,
        "message": message,
        "fields": extra.get("fields") or {},
        "back": way_back(request),
    }
    return Template("error.html", context=context, status_code=status)


def _domain_error(request: Request, exc: DomainError) -> Response:
    errors = getattr(exc, "errors", None)
    # Translated here, in the reader's language: domain code only says which message.
    extra = {"fields": {k: str(v) for k, v in errors.items()}} if isinstance(errors, dict) else {}
    return _error_response(
        request, exc.status_code, i18n.gettext(exc.message, **exc.params), **extra
    )


def _not_authorized(request: Request, exc: NotAuthorizedException) -> Response:
    if _wants_json(request):
        return _error_response(request, 401, i18n.gettext("Please log in."))
    login = "/juror/login" if request.url.path.startswith("/juror") else "/login"
    back = return_path(request)
    return Redirect(path=login if back is None else f"{login}?next={quote(back)}", status_code=303)


def _enrolment_required(request: Request, exc: EnrolmentRequired) -> Response:
    return Redirect(path=request.app.route_reverse("second_factor"), status_code=303)


def _http_error(request: Request, exc: HTTPException) -> Response:
    messages = {
        400: N_("The request could not be understood."),
        403: N_("You are not allowed to do this."),
        404: N_("This page does not exist."),
        405: N_("This action is not available here."),
        413: N_("The upload is too large."),
    }
    message: str | Message = messages.get(
        exc.status_code, N_("The request could not be completed.")
    )
    if isinstance(exc, UnreadableBody):
        message = exc.detail  # a message id of ours
    elif exc.detail == refusals.CSRF_DETAIL:
        message = refusals.CSRF_API if _wants_json(request) else refusals.CSRF_PAGE
    elif _wants_json(request) and isinstance(exc, ValidationException):
        message = refusals.invalid_body(exc.extra)
    elif _wants_json(request) and isinstance(exc.__cause__, SerializationException):
        message = refusals.NOT_JSON
    text = str(message) if isinstance(message, Message) else i18n.gettext(message)
    return _error_response(request, exc.status_code, text)


def _database_busy(request: Request, exc: OperationalError) -> Response:
    logger.warning("database unavailable: %s", type(exc.orig).__name__)
    return _domain_error(
        request, Busy("The database is busy. Nothing was saved; please try again.")
    )


def _integrity(request: Request, exc: IntegrityError) -> Response:
    logger.warning("integrity error: %s", type(exc.orig).__name__)
    return _domain_error(
        request, Conflict("This conflicts with a change made at the same time. Nothing was saved.")
    )


def _server_error(request: Request, exc: Exception) -> Response:
    logger.error(
        "unhandled %s on %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc
    )
    return _error_response(request, 500, i18n.gettext("Something went wrong. Nothing was saved."))


def _in_readers_language(
    handler: Callable[[Request, Any], Response],
) -> Callable[[Request, Any], Response]:
    """An error handler that answers in the request's language, also where no route matched
    (an unknown URL, a wrong method): Litestar answers those before any middleware runs, so
    `LocaleMiddleware` has not chosen the language yet."""

    def answer(request: Request, exc: Any) -> Response:
        i18n.set_locale(request_locale(request.scope))
        return handler(request, exc)

    return answer


ERROR_HANDLERS: dict[type[Exception], Callable[[Request, Any], Response]] = {
    DomainError: _domain_error,
    NotAuthorizedException: _not_authorized,
    EnrolmentRequired: _enrolment_required,
    HTTPException: _http_error,
    OperationalError: _database_busy,
    IntegrityError: _integrity,
    Exception: _server_error,
}


def _configure_templates(engine: JinjaTemplateEngine, settings: Settings) -> None:
    env = engine.engine
    env.add_extension("jinja2.ext.i18n")
    # jinja2.ext.i18n adds this method to the environment at run time; Environment's
    # types do not declare it.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.filters["localtime"] = lambda value: i18n.local_time(value, settings.timezone)
    env.globals["LOCALES"] = i18n.LOCALES
    env.globals["DRAMA_KINDS"] = DRAMA_KINDS
    env.globals["PASSWORD_MIN_LENGTH"] = password_rules.MIN_LENGTH
    env.globals["PASSWORD_MAX_LENGTH"] = password_rules.MAX_LENGTH
    # The zone named as people say it (北京时间), in the reader's language, at render time.
    env.globals["zone_name"] = lambda: i18n.zone_name(settings.timezone)
    env.globals["ROUND_STATE_LABELS"] = lifecycle.LABELS
    env.globals["current_locale"] = i18n.current_locale
    env.globals["in_language"] = i18n.in_language
    env.globals["notice"] = notices.shown


def logging_config(settings: Settings) -> LoggingConfig:
    """What may be logged. Never request bodies, cookies or headers (no logging middleware),
    and never SQL parameters or result rows: the engine hides parameters, `sqlalchemy.engine`
    stops at INFO (statements only; DEBUG would print rows) and `aiosqlite` at INFO (its DEBUG
    lines carry the parameters of every call). Uncaught exceptions are logged by `_server_error`
    with the exception type and path, tracebacks without local values."""
    return LoggingConfig(
        root={"level": "DEBUG" if settings.debug else "INFO", "handlers": ["queue_listener"]},
        loggers={
            "sqlalchemy.engine": {"level": "INFO" if settings.debug else "WARNING"},
            "sqlalchemy.pool": {"level": "WARNING"},
            "aiosqlite": {"level": "INFO"},
            "httpx": {"level": "WARNING"},
        },
        log_exceptions="never",
    )


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    hosts.base_url(settings)  # no usable public address, no app: links are built from it

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        db = Database.from_settings(settings)
        passwords = Passwords(settings.argon2, settings.max_concurrent_hashes)
        app.state.services = Services(settings=settings, db=db, passwords=passwords)
        try:
            yield
        finally:
            await db.dispose()

    return Litestar(
        route_handlers=[
            Router(
                path="/",
                include_in_schema=False,
                route_handlers=[
                    AuthController,
                    SecondFactorLoginController,
                    SecondFactorController,
                    StaffAccountController,
                    StaffActivationController,
                    SeasonController,
                    CategoryController,
                    DramaController,
                    NomineeController,
                    ImportTemplateController,
                    AuditController,
                    JuryController,
                    RoundController,
                    TrusteeController,
                    ShortlistController,
                    RoundCategoryController,
                    TurnoutController,
                    JurorAuthController,
                    JurorPasswordController,
                    DeclarationController,
                    BallotController,
                    PublicController,
                    create_static_files_router(path="/static", directories=[STATIC], name="static"),
                ],
            ),
            BallotApiController,
        ],
        lifespan=[lifespan],
        before_request=check_path_ids,
        request_class=AwardsRequest,
        dependencies={
            "session": Provide(provide_transaction),
            "db": Provide(provide_database, sync_to_thread=False),
            "settings": Provide(provide_settings, sync_to_thread=False),
            "passwords": Provide(provide_passwords, sync_to_thread=False),
        },
        middleware=[
            SecurityHeadersMiddleware,
            FormSizeMiddleware,
            LocaleMiddleware,
            DefineMiddleware(hosts.AllowedHostsMiddleware, settings=settings, refuse=_domain_error),
            ScheduleMiddleware,
            PrincipalMiddleware,
            NoticeMiddleware,
        ],
        csrf_config=CSRFConfig(
            secret=settings.secret_key,
            cookie_name="csrftoken",
            cookie_secure=settings.cookie_secure,
            cookie_samesite="lax",
            exclude=["^/static/"],
        ),
        template_config=TemplateConfig(
            directory=TEMPLATES_DIR,
            engine=JinjaTemplateEngine,
            engine_callback=lambda engine: _configure_templates(engine, settings),
        ),
        exception_handlers={k: _in_readers_language(h) for k, h in ERROR_HANDLERS.items()},
        compression_config=compression.config(),
        request_max_body_size=settings.max_body_bytes,
        logging_config=logging_config(settings),
        openapi_config=OpenAPIConfig(
            title="Awards ballot API",
            version="1",
            path="/schema",
            render_plugins=[],
            create_examples=False,
        ),
        debug=False,
    )
