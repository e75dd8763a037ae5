"""Staff: nominees of a category, chosen from the season's catalogue."""

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.catalogue import categories, dramas, nominees, seasons
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import FormData, PathId, SearchText, Session, form_error, see_other
from awards.web import requires_staff


class NomineeController(Controller):
    path = "/staff/categories/{category_id:int}/nominees"
    guards = [requires_staff]  # noqa: RUF012

    async def _context(self, session: AsyncSession, category_id: int, q: str) -> dict:
        category = await categories.get_category(session, category_id)
        season = await seasons.get_season(session, category.season_id)
        found = await dramas.search_dramas(session, season.id, query=q) if q else None
        return {
            "season": season,
            "category": category,
            "nominees": await nominees.list_nominees(session, category.id),
            "q": q,
            "found": found,
        }

    @get("/", name="nominees")
    async def list_nominees(
        self,
        category_id: PathId,
        session: Session,
        q: SearchText = "",
    ) -> Template:
        context = await self._context(session, category_id, q.strip())
        return Template("nominees/list.html", context={**context, "errors": {}, "values": {}})

    @post("/", name="nominee.add")
    async def add_nominee(
        self, request: Request, category_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        category = await categories.get_category(session, category_id)
        try:
            form = nominees.NomineeForm.parse(data, category)
            await nominees.add_nominee(session, category, form, request.user.name)
        except FormInvalid as exc:
            fields = Fields(data)
            context = await self._context(session, category_id, fields.text("q"))
            return await form_error(session, "nominees/list.html", exc, **context)
        return see_other(request, "nominees", category_id=category_id)

    @post("/{nominee_id:int}/remove", name="nominee.remove")
    async def remove_nominee(
        self, request: Request, category_id: PathId, nominee_id: PathId, session: Session
    ) -> Redirect:
        category = await categories.get_category(session, category_id)
        await nominees.remove_nominee(session, category, nominee_id, request.user.name)
        return see_other(request, "nominees", category_id=category_id)
