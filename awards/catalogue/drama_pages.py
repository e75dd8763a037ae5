"""Staff: the drama catalogue of a season (list, search, edit, import, export)."""

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Redirect, Response, Template

from awards.catalogue import dramas, seasons
from awards.catalogue import files as catalogue_files
from awards.errors import FormInvalid
from awards.handlers import (
    AppSettings,
    FormData,
    PathId,
    SearchText,
    Session,
    confirmation,
    confirmed,
    download,
    form_error,
    read_upload,
    see_other,
    upload_name,
)
from awards.i18n import Message, _
from awards.spreadsheets import ImportRejected
from awards.web import requires_staff, rollback_only

UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _import_refused(season: Any, exc: FormInvalid | ImportRejected, filename: str) -> Template:
    """The import page with what made the file unusable, or with every bad row."""
    context = {"season": season, "columns": catalogue_files.DRAMA_COLUMNS}
    if isinstance(exc, FormInvalid):
        context["problem"] = next(iter(exc.errors.values()))
    else:
        context.update(filename=filename, rejected=exc.errors)
    return Template("dramas/import.html", context=context, status_code=422)


def _values(drama: Any) -> dict[str, Any]:
    values = {key: getattr(drama, key) for key in dramas.DramaForm.__dataclass_fields__}
    values["companies"] = "；".join(drama.company_list)
    return values


class DramaController(Controller):
    path = "/staff"
    guards = [requires_staff]  # noqa: RUF012

    @get("/seasons/{season_id:int}/dramas", name="dramas")
    async def list_dramas(
        self,
        season_id: PathId,
        session: Session,
        q: SearchText = "",
        kind: Annotated[str, QueryParameter(max_length=16)] = "",
        page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1,
    ) -> Template:
        season = await seasons.get_season(session, season_id)
        result = await dramas.search_dramas(
            session, season_id, query=q.strip(), kind=kind, page=page
        )
        return Template(
            "dramas/list.html",
            context={"season": season, "result": result, "q": q, "kind": kind},
        )

    @get("/seasons/{season_id:int}/dramas/new", name="drama.new")
    async def new_drama(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        return Template(
            "dramas/edit.html",
            context={
                "season": season,
                "drama": None,
                "values": {"kind": "tv"},
                "errors": {},
            },
        )

    @post("/seasons/{season_id:int}/dramas/new", name="drama.create")
    async def create_drama(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        season = await seasons.get_season(session, season_id)
        try:
            created = await dramas.create_drama(
                session, season.id, dramas.DramaForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(session, "dramas/edit.html", exc, season=season, drama=None)
        done = Message("Drama “%(title)s” added.", title=created.title)
        return see_other(request, "dramas", season_id=season.id, done=done)

    @get("/dramas/{drama_id:int}/edit", name="drama.edit")
    async def edit_drama(self, drama_id: PathId, session: Session) -> Template:
        drama = await dramas.get_drama(session, drama_id)
        season = await seasons.get_season(session, drama.season_id)
        return Template(
            "dramas/edit.html",
            context={
                "season": season,
                "drama": drama,
                "values": _values(drama),
                "errors": {},
            },
        )

    @post("/dramas/{drama_id:int}/edit", name="drama.update")
    async def update_drama(
        self, request: Request, drama_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        drama = await dramas.get_drama(session, drama_id)
        season = await seasons.get_season(session, drama.season_id)
        try:
            await dramas.update_drama(
                session, drama, dramas.DramaForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(session, "dramas/edit.html", exc, season=season, drama=drama)
        done = Message("Drama “%(title)s” saved.", title=drama.title)
        return see_other(request, "dramas", season_id=drama.season_id, done=done)

    @get("/dramas/{drama_id:int}/delete", name="drama.delete.confirm")
    async def confirm_delete(
        self, request: Request, drama_id: PathId, session: Session
    ) -> Template:
        return await _deleting_page(request, session, drama_id)

    @post("/dramas/{drama_id:int}/delete", name="drama.delete")
    async def delete_drama(
        self, request: Request, drama_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        if not confirmed(data):
            return await _deleting_page(request, session, drama_id)
        drama = await dramas.get_drama(session, drama_id)
        season_id, done = drama.season_id, Message("Drama “%(title)s” deleted.", title=drama.title)
        await dramas.delete_drama(session, drama, request.user.name)
        return see_other(request, "dramas", season_id=season_id, done=done)

    @get("/seasons/{season_id:int}/dramas/import", name="drama.import")
    async def import_page(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        return Template(
            "dramas/import.html",
            context={"season": season, "columns": catalogue_files.DRAMA_COLUMNS},
        )

    @post("/seasons/{season_id:int}/dramas/import", name="drama.import.submit")
    async def import_file(
        self,
        request: Request,
        season_id: PathId,
        data: UploadData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        try:
            upload = await read_upload(data, catalogue_files.read_dramas, settings)
        except (FormInvalid, ImportRejected) as exc:
            rollback_only(session)
            season = await seasons.get_season(session, season_id)
            return _import_refused(season, exc, upload_name(data))
        season = await seasons.get_season(session, season_id)
        try:
            count = await catalogue_files.import_dramas(
                session, season, upload.table, request.user.name
            )
        except ImportRejected as exc:
            rollback_only(session)
            return _import_refused(season, exc, upload.filename)
        done = Message("Dramas imported: %(n)s added.", n=count)
        return see_other(request, "dramas", season_id=season.id, done=done)

    @get("/seasons/{season_id:int}/dramas/export/{fmt:str}", name="drama.export")
    async def export(
        self, season_id: PathId, fmt: FromPath[str], session: Session
    ) -> Response[bytes]:
        season = await seasons.get_season(session, season_id)
        if fmt not in ("csv", "xlsx"):
            raise FormInvalid({"format": _("Export as csv or xlsx.")})
        content = await catalogue_files.export_dramas(session, season, fmt)
        return download(content, f"dramas-{season.code}.{fmt}")


async def _deleting_page(request: Request, session: Any, drama_id: int) -> Template:
    """Asks before deleting (refusing first a drama that cannot be deleted)."""
    drama = await dramas.get_drama(session, drama_id)
    await dramas.ensure_deletable(session, drama)
    return confirmation(
        title=Message("Delete “%(title)s”", title=drama.title),
        action=request.app.route_reverse("drama.delete", drama_id=drama_id),
        button=Message("Delete the drama"),
        back=request.app.route_reverse("drama.edit", drama_id=drama_id),
        consequences=[
            Message(
                "The drama “%(title)s” is removed from the catalogue. This cannot be undone.",
                title=drama.title,
            )
        ],
    )
