"""What every controller (the *_pages.py of each feature) uses: the named dependencies, typed
path and query parameters, the redirect after a POST and the confirmation it carries, a form
shown again with its errors, the confirmation page before an action that cannot be undone, and
an uploaded file read before the transaction writes.
Handlers parse input, call one domain function, and render or redirect (POST, 303, GET)."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, cast
from urllib.parse import urlencode

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, PathParameter, QueryParameter
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import notices
from awards.accounts.passwords import Passwords
from awards.database import Database
from awards.errors import FormInvalid
from awards.forms import PLAIN_LINE, Fields
from awards.i18n import Message
from awards.settings import Settings
from awards.spreadsheets import Limits, read_in_thread
from awards.web import rollback_only

T = TypeVar("T")
# The media type of each kind of file a page hands out. Litestar adds `; charset=utf-8` to a
# text type itself: naming it here too sent it twice.
DOWNLOADS = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
# Dependencies are declared by name in `create_app`: `session` is the request's transaction,
# `db` the `Database`, and `settings`, `passwords`.
Session = NamedDependency[AsyncSession]
DatabaseService = NamedDependency[Database]
AppSettings = NamedDependency[Settings]
PasswordService = NamedDependency[Passwords]
# Database ids: larger numbers are simply not found (SQLite and PostgreSQL integers are bounded).
PathId = Annotated[int, PathParameter(ge=1, le=2**31 - 1)]
FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
# Text in a query (a search, a tracker): one line, no control characters (see awards.forms).
SearchText = Annotated[str, QueryParameter(max_length=200, pattern=PLAIN_LINE)]


def see_other(
    request: Request,
    route: str,
    *,
    done: Message | None = None,
    query: Mapping[str, str] | None = None,
    **params: Any,
) -> Redirect:
    """The redirect after a POST to the page `route` names (`params` fill its path, `query` its
    query string: a search to come back to); `done` says what happened, shown once on the next
    page (see `awards.notices`)."""
    path = request.app.route_reverse(route, **params)
    search = {key: value for key, value in (query or {}).items() if value}
    redirect = Redirect(path=f"{path}?{urlencode(search)}" if search else path, status_code=303)
    return notices.attach(redirect, request, done, path) if done is not None else redirect


async def form_error(
    session: AsyncSession,
    template: str,
    exc: FormInvalid,
    *,
    status_code: int = 422,
    **context: Any,
) -> Template:
    """Show the form again with a message per field; the request's transaction ends in a rollback,
    so nothing the request did before the error is written. `context` may hold the page's own
    `values` and `errors`: the submitted ones replace them."""
    rollback_only(session)
    return Template(
        template_name=template,
        context={**context, "errors": exc.errors, "values": exc.values},
        status_code=status_code,
    )


def confirmed(data: dict[str, Any] | None) -> bool:
    """The confirmation page's button was pressed. An action that cannot be undone acts only
    then; its form without this field (the old one-click button, a stale page) only asks."""
    return data is not None and data.get("confirm") == "yes"


def confirmation(
    *,
    title: str | Message,
    action: str,
    button: str | Message,
    back: str,
    consequences: Sequence[str | Message] = (),
    checks: Any = None,
    fields: Sequence[tuple[str, str]] = (),
    danger: bool = True,
) -> Template:
    """The page that asks before `action` (a POST URL) acts: what will happen, the checks (a
    `readiness.Readiness`: with a problem there is no button), the form's own `fields` sent on
    with the confirmation, and a way back to `back`. No JavaScript: a form and a link."""
    return Template(
        "confirm.html",
        context={
            "title": title,
            "action": action,
            "button": button,
            "back": back,
            "consequences": consequences,
            "checks": checks,
            "fields": fields,
            "danger": danger,
        },
    )


@dataclass(frozen=True)
class Upload(Generic[T]):
    filename: str
    table: T


async def read_upload(
    data: dict[str, Any], read: Callable[[str, bytes, Limits], T], settings: Settings
) -> Upload[T]:
    """The form's one file, read and its rows checked by `read` in a worker thread. Called
    before the request's first statement, so its writing transaction (and SQLite's write lock)
    begins only once the file is read. FormInvalid without a file; ImportRejected for a file that
    cannot be used."""
    fields = Fields(data)
    upload = fields.upload("file")
    fields.finish()
    upload = cast(UploadFile, upload)  # finish() has raised if there was none
    content = await upload.read()
    table = await read_in_thread(read, upload.filename, content, Limits.of(settings))
    return Upload(upload.filename, table)


def upload_name(data: dict[str, Any]) -> str:
    """The name of the form's file, for a page that refuses it ("" without one)."""
    upload = data.get("file")
    return upload.filename if isinstance(upload, UploadFile) else ""


def download(content: bytes, filename: str) -> Response[bytes]:
    """A file to save (`filename`'s extension says its kind), not a page to show."""
    return Response(
        content,
        media_type=DOWNLOADS[filename.rsplit(".", 1)[-1]],
        headers={"content-disposition": f'attachment; filename="{filename}"'},
    )
