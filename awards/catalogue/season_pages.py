"""Staff: seasons (create, edit, remove while empty)."""

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from awards import removal
from awards.catalogue import seasons
from awards.errors import FormInvalid
from awards.handlers import FormData, PathId, Session, form_error, see_other
from awards.i18n import Message
from awards.web import requires_staff


class SeasonController(Controller):
    path = "/staff"
    guards = [requires_staff]  # noqa: RUF012

    @get("/", name="staff")
    async def index(self, request: Request) -> Redirect:
        return see_other(request, "seasons")

    @get("/seasons", name="seasons")
    async def list_seasons(self, session: Session) -> Template:
        return Template(
            "seasons/list.html", context={"seasons": await seasons.list_seasons(session)}
        )

    @get("/seasons/new", name="season.new")
    async def new_season(self) -> Template:
        return Template("seasons/edit.html", context={"season": None, "values": {}, "errors": {}})

    @post("/seasons/new", name="season.create")
    async def create_season(
        self, request: Request, data: FormData, session: Session
    ) -> Template | Redirect:
        try:
            season = await seasons.create_season(
                session, seasons.SeasonForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(session, "seasons/edit.html", exc, season=None)
        done = Message("Season “%(name)s” created.", name=season.name)
        return see_other(request, "categories", season_id=season.id, done=done)

    @get("/seasons/{season_id:int}/edit", name="season.edit")
    async def edit_season(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        values = {"code": season.code, "name": season.name, "year": season.year}
        return Template(
            "seasons/edit.html", context={"season": season, "values": values, "errors": {}}
        )

    @post("/seasons/{season_id:int}/edit", name="season.update")
    async def update_season(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        season = await seasons.get_season(session, season_id)
        try:
            await seasons.update_season(
                session, season, seasons.SeasonForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(session, "seasons/edit.html", exc, season=season)
        return see_other(
            request, "seasons", done=Message("Season “%(name)s” saved.", name=season.name)
        )

    @post("/seasons/{season_id:int}/remove", name="season.remove")
    async def remove_season(
        self, request: Request, season_id: PathId, session: Session
    ) -> Redirect:
        season = await seasons.get_season(session, season_id)
        await removal.remove_season(session, season, request.user.name)
        done = Message("Season “%(name)s” removed.", name=season.name)
        return see_other(request, "seasons", done=done)
