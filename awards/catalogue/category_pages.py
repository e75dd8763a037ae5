"""Staff: award categories of a season (create, edit, order, remove while unused)."""

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import removal
from awards.catalogue import categories, seasons
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import FormData, PathId, Session, form_error, see_other
from awards.i18n import Message
from awards.jury import jurors
from awards.models.catalogue import DISCLOSURES, METHODS, SUBJECTS
from awards.web import requires_staff

CHOICES = {"methods": METHODS, "subjects": SUBJECTS, "disclosures": DISCLOSURES}
NEW_CATEGORY = {
    "subject": "work",
    "method": "approval",
    "winners": 1,
    "max_choices": 1,
    "quorum": 0,
    "disclosure": "winners",
}


def _codes(data: dict) -> list[str]:
    fields = Fields(data)
    codes = fields.texts("panels", max_length=64)
    fields.finish()
    return codes


async def _choices(session: AsyncSession, season_id: int) -> dict:
    return {**CHOICES, "panels": await jurors.list_panels(session, season_id)}


class CategoryController(Controller):
    path = "/staff"
    guards = [requires_staff]  # noqa: RUF012

    @get("/seasons/{season_id:int}/categories", name="categories")
    async def list_categories(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        return Template(
            "categories/list.html",
            context={
                "season": season,
                "categories": await categories.list_categories(session, season_id),
            },
        )

    @get("/seasons/{season_id:int}/categories/new", name="category.new")
    async def new_category(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        choices = await _choices(session, season.id)
        # A season with one panel: that panel votes in the new category unless staff untick it.
        only = [p.code for p in choices["panels"]] if len(choices["panels"]) == 1 else []
        return Template(
            "categories/edit.html",
            context={
                "season": season,
                "category": None,
                "values": {**NEW_CATEGORY, "panels": only},
                "errors": {},
                **choices,
            },
        )

    @post("/seasons/{season_id:int}/categories/new", name="category.create")
    async def create_category(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        season = await seasons.get_season(session, season_id)
        try:
            form = categories.CategoryForm.parse(data)
            created = await categories.create_category(session, season, form, request.user.name)
            await categories.set_panels(session, created, _codes(data), request.user.name)
        except FormInvalid as exc:
            return await form_error(
                session,
                "categories/edit.html",
                exc,
                season=season,
                category=None,
                **await _choices(session, season.id),
            )
        done = Message("Category “%(name)s” created.", name=created.name)
        return see_other(request, "categories", season_id=season.id, done=done)

    @get("/categories/{category_id:int}/edit", name="category.edit")
    async def edit_category(self, category_id: PathId, session: Session) -> Template:
        category = await categories.get_category(session, category_id)
        season = await seasons.get_season(session, category.season_id)
        values = {
            key: getattr(category, key) for key in categories.CategoryForm.__dataclass_fields__
        }
        values["panels"] = await categories.panel_codes(session, category.id)
        return Template(
            "categories/edit.html",
            context={
                "season": season,
                "category": category,
                "values": values,
                "errors": {},
                **await _choices(session, season.id),
            },
        )

    @post("/categories/{category_id:int}/edit", name="category.update")
    async def update_category(
        self, request: Request, category_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        category = await categories.get_category(session, category_id)
        season = await seasons.get_season(session, category.season_id)
        try:
            form = categories.CategoryForm.parse(data)
            await categories.update_category(session, category, form, request.user.name)
            await categories.set_panels(session, category, _codes(data), request.user.name)
        except FormInvalid as exc:
            return await form_error(
                session,
                "categories/edit.html",
                exc,
                season=season,
                category=category,
                **await _choices(session, season.id),
            )
        done = Message("Category “%(name)s” saved.", name=category.name)
        return see_other(request, "categories", season_id=category.season_id, done=done)

    @post("/categories/{category_id:int}/move", name="category.move")
    async def move_category(
        self, request: Request, category_id: PathId, data: FormData, session: Session
    ) -> Redirect:
        fields = Fields(data)
        step = -1 if fields.choice("direction", {"up": "up", "down": "down"}) == "up" else 1
        fields.finish()
        category = await categories.get_category(session, category_id)
        await categories.move_category(session, category, step, request.user.name)
        done = Message("Order of categories saved.")
        return see_other(request, "categories", season_id=category.season_id, done=done)

    @post("/categories/{category_id:int}/remove", name="category.remove")
    async def remove_category(
        self, request: Request, category_id: PathId, session: Session
    ) -> Redirect:
        category = await categories.get_category(session, category_id)
        await removal.remove_category(session, category, request.user.name)
        done = Message("Category “%(name)s” removed.", name=category.name)
        return see_other(request, "categories", season_id=category.season_id, done=done)
