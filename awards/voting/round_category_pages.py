"""Staff: a final round's own category, its counting settings and its nominees, until it opens."""

from dataclasses import asdict
from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.errors import FormInvalid
from awards.handlers import (
    AppSettings,
    DatabaseService,
    FormData,
    PathId,
    Session,
    form_error,
    see_other,
)
from awards.models.catalogue import DISCLOSURES, METHODS
from awards.voting import finals, round_settings, rounds
from awards.web import requires_staff


class RoundCategoryController(Controller):
    path = "/staff/rounds/{round_id:int}/categories/{category_id:int}"
    guards = [requires_staff]  # noqa: RUF012

    @get("/", name="round.category")
    async def show(
        self, round_id: PathId, category_id: PathId, db: DatabaseService, settings: AppSettings
    ) -> Template:
        async with db.transaction(write=False) as session:
            context = await _context(session, round_id, category_id)
        context["values"] = asdict(context["page"].category.counting)
        # Read from the sealed files, outside any transaction: a large record takes seconds.
        ranked = await finals.source_ranking(db, context["round"], category_id, settings)
        context["ranked"] = ranked
        context["page"] = context["page"].by_place({n: e.place for n, e in ranked.items()})
        return Template("rounds/category.html", context=context)

    @post("/settings", name="round.category.settings")
    async def set_counting(
        self,
        request: Request,
        round_id: PathId,
        category_id: PathId,
        data: FormData,
        session: Session,
    ) -> Template | Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        round_settings.require_editable(round_)  # a frozen round refuses whatever the form says
        try:
            counting = round_settings.parse_counting(data)
            done = await round_settings.set_counting(
                session, round_, category_id, counting, request.user.name
            )
        except FormInvalid as exc:
            context = await _context(session, round_id, category_id)
            return await form_error(session, "rounds/category.html", exc, **context)
        return see_other(
            request, "round.category", round_id=round_id, category_id=category_id, done=done
        )

    @post("/nominees/add", name="round.nominee.add")
    async def add_nominee(
        self,
        request: Request,
        round_id: PathId,
        category_id: PathId,
        data: FormData,
        session: Session,
    ) -> Template | Redirect:
        return await _change(request, round_id, category_id, data, session, add=True)

    @post("/nominees/remove", name="round.nominee.remove")
    async def remove_nominee(
        self,
        request: Request,
        round_id: PathId,
        category_id: PathId,
        data: FormData,
        session: Session,
    ) -> Template | Redirect:
        return await _change(request, round_id, category_id, data, session, add=False)


async def _change(
    request: Request,
    round_id: int,
    category_id: int,
    data: dict[str, Any],
    session: AsyncSession,
    *,
    add: bool,
) -> Template | Redirect:
    round_ = await rounds.get_round(session, round_id, lock=True)
    try:
        nominee_id = round_settings.parse_nominee(data)
        done = await round_settings.change_nominee(
            session, round_, category_id, nominee_id, request.user.name, add=add
        )
    except FormInvalid as exc:
        context = await _context(session, round_id, category_id)
        shown = FormInvalid(exc.errors, asdict(context["page"].category.counting))
        return await form_error(session, "rounds/category.html", shown, **context)
    return see_other(
        request, "round.category", round_id=round_id, category_id=category_id, done=done
    )


async def _context(session: AsyncSession, round_id: int, category_id: int) -> dict[str, Any]:
    round_ = await rounds.get_round(session, round_id)
    return {
        "round": round_,
        "page": await round_settings.category_page(session, round_, category_id),
        "methods": METHODS,
        "disclosures": DISCLOSURES,
        "ranked": {},
        "values": {},
        "errors": {},
    }
