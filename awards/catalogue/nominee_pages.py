"""Staff: nominees of a category, chosen from the season's catalogue, and a season's nominees
imported from a file (the same import as `awards import nominees`)."""

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.catalogue import categories, dramas, nominees, seasons
from awards.catalogue import files as catalogue_files
from awards.catalogue.dramas import DRAMA_KINDS
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import (
    AppSettings,
    FormData,
    PathId,
    SearchText,
    Session,
    form_error,
    read_upload,
    see_other,
    upload_name,
)
from awards.i18n import Message
from awards.models import Category, Drama, Nominee
from awards.spreadsheets import ImportRejected
from awards.web import requires_staff, rollback_only

UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
Page = Annotated[int, QueryParameter(ge=1, le=1_000_000)]


def _label(nominee: Nominee) -> str:
    if nominee.person_name:
        return f"{nominee.person_name}（{nominee.drama.title}）"
    return nominee.drama.title


def _added(category: Category, nominee: Nominee, drama: Drama) -> Message:
    """The confirmation, with the warning when the drama is not of the category's kind."""
    expected = nominees.expected_kind(category)
    if expected is None or drama.kind == expected:
        return Message("Nominee “%(name)s” added.", name=_label(nominee))
    return Message(
        "Nominee “%(name)s” added. Check it: it is a %(kind)s,"
        " and this category is for %(expected)s.",
        name=_label(nominee),
        kind=Message(DRAMA_KINDS[drama.kind].label),
        expected=Message(DRAMA_KINDS[expected].label),
    )


def _search(fields: Fields) -> dict[str, str]:
    """The search the add and remove forms carry, so that the page comes back as it was."""
    return {"q": fields.text("q"), "page": str(fields.integer("page", minimum=1) or 1)}


def _import_page(season: Any, **context: Any) -> dict[str, Any]:
    return {"season": season, "columns": catalogue_files.NOMINEE_COLUMNS, **context}


class NomineeController(Controller):
    path = "/staff"
    guards = [requires_staff]  # noqa: RUF012

    async def _context(self, session: AsyncSession, category_id: int, q: str, page: int) -> dict:
        category = await categories.get_category(session, category_id)
        season = await seasons.get_season(session, category.season_id)
        found = await dramas.search_dramas(session, season.id, query=q, page=page) if q else None
        return {
            "season": season,
            "category": category,
            "nominees": await nominees.list_nominees(session, category.id),
            "expected_kind": nominees.expected_kind(category),
            "q": q,
            "found": found,
        }

    @get("/categories/{category_id:int}/nominees", name="nominees")
    async def list_nominees(
        self, category_id: PathId, session: Session, q: SearchText = "", page: Page = 1
    ) -> Template:
        context = await self._context(session, category_id, q.strip(), page)
        return Template("nominees/list.html", context={**context, "errors": {}, "values": {}})

    @post("/categories/{category_id:int}/nominees", name="nominee.add")
    async def add_nominee(
        self, request: Request, category_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        category = await categories.get_category(session, category_id)
        search = _search(Fields(data))
        try:
            form = nominees.NomineeForm.parse(data, category)
            added = await nominees.add_nominee(session, category, form, request.user.name)
        except FormInvalid as exc:
            context = await self._context(session, category_id, search["q"], int(search["page"]))
            return await form_error(session, "nominees/list.html", exc, **context)
        done = _added(category, added, added.drama)
        return see_other(request, "nominees", category_id=category_id, done=done, query=search)

    @post("/categories/{category_id:int}/nominees/{nominee_id:int}/remove", name="nominee.remove")
    async def remove_nominee(
        self,
        request: Request,
        category_id: PathId,
        nominee_id: PathId,
        data: FormData,
        session: Session,
    ) -> Redirect:
        category = await categories.get_category(session, category_id)
        search = _search(Fields(data))
        removed = await nominees.remove_nominee(session, category, nominee_id, request.user.name)
        done = Message("Nominee “%(name)s” removed.", name=_label(removed))
        return see_other(request, "nominees", category_id=category_id, done=done, query=search)

    @get("/seasons/{season_id:int}/nominees/import", name="nominee.import")
    async def import_page(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        return Template("nominees/import.html", context=_import_page(season))

    @post("/seasons/{season_id:int}/nominees/import", name="nominee.import.submit")
    async def import_file(
        self,
        request: Request,
        season_id: PathId,
        data: UploadData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        try:
            upload = await read_upload(data, catalogue_files.read_nominees, settings)
            season = await seasons.get_season(session, season_id)
            count = await catalogue_files.import_nominees(
                session, season, upload.table, request.user.name
            )
        except FormInvalid as exc:
            rollback_only(session)
            season = await seasons.get_season(session, season_id)
            context = _import_page(season, problem=next(iter(exc.errors.values())))
            return Template("nominees/import.html", context=context, status_code=422)
        except ImportRejected as exc:
            rollback_only(session)
            season = await seasons.get_season(session, season_id)
            context = _import_page(season, rejected=exc.errors, filename=upload_name(data))
            return Template("nominees/import.html", context=context, status_code=422)
        done = Message("Nominees imported: %(n)s added.", n=count)
        return see_other(request, "categories", season_id=season_id, done=done)
