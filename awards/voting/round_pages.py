"""Staff: voting rounds (categories, schedule, open, close) and turnout."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.catalogue import categories, seasons
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import (
    AppSettings,
    DatabaseService,
    FormData,
    PathId,
    Session,
    download,
    form_error,
    see_other,
)
from awards.models.base import utcnow
from awards.results import publication
from awards.voting import closing, opening, rounds, schedule, turnout
from awards.web import requires_staff


class RoundController(Controller):
    path = "/staff"
    guards = [requires_staff]  # noqa: RUF012

    @get("/seasons/{season_id:int}/rounds", name="rounds")
    async def list_rounds(self, season_id: PathId, session: Session) -> Template:
        season = await seasons.get_season(session, season_id)
        return Template(
            "rounds/list.html",
            context={
                "season": season,
                "rounds": await rounds.list_rounds(session, season_id),
                "values": {"kind": "nomination"},
                "errors": {},
            },
        )

    @post("/seasons/{season_id:int}/rounds", name="round.create")
    async def create_round(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        season = await seasons.get_season(session, season_id)
        try:
            created = await rounds.create_round(
                session, season, rounds.RoundForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "rounds/list.html",
                exc,
                season=season,
                rounds=await rounds.list_rounds(session, season_id),
            )
        return see_other(request, "round", round_id=created.id)

    @get("/rounds/{round_id:int}", name="round")
    async def show(self, round_id: PathId, session: Session) -> Template:
        return Template("rounds/detail.html", context=await _context(session, round_id))

    @post("/rounds/{round_id:int}/categories", name="round.categories")
    async def set_categories(
        self, request: Request, round_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        fields = Fields(data)
        ids = fields.ids("categories")
        try:
            fields.finish()
            await opening.set_categories(session, round_, ids, request.user.name)
        except FormInvalid as exc:
            return await form_error(
                session,
                "rounds/detail.html",
                exc,
                **await _context(session, round_id, values=False),
            )
        return see_other(request, "round", round_id=round_id)

    @post("/rounds/{round_id:int}/schedule", name="round.schedule")
    async def schedule(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        try:
            form = rounds.ScheduleForm.parse(data, settings.timezone, utcnow())
            await opening.schedule(session, round_, form, request.user.name)
        except FormInvalid as exc:
            return await form_error(
                session,
                "rounds/detail.html",
                exc,
                **await _context(session, round_id, values=False),
            )
        return see_other(request, "round", round_id=round_id)

    @post("/rounds/{round_id:int}/unschedule", name="round.unschedule")
    async def unschedule(self, request: Request, round_id: PathId, session: Session) -> Redirect:
        await rounds.unschedule(
            session, await rounds.get_round(session, round_id, lock=True), request.user.name
        )
        return see_other(request, "round", round_id=round_id)

    @post("/rounds/{round_id:int}/open", name="round.open")
    async def open_round(self, request: Request, round_id: PathId, session: Session) -> Redirect:
        await opening.open_round(
            session,
            await rounds.get_round(session, round_id, lock=True),
            utcnow(),
            request.user.name,
        )
        return see_other(request, "round", round_id=round_id)

    @post("/rounds/{round_id:int}/close", name="round.close")
    async def close_round(
        self, request: Request, round_id: PathId, db: DatabaseService, settings: AppSettings
    ) -> Redirect:
        """The close runs in a transaction of its own (see `awards.voting.closing`); the scrub of
        the storage after the answer has gone."""
        await closing.close(db, round_id, utcnow(), request.user.name, settings)
        redirect = see_other(request, "round", round_id=round_id)
        redirect.background = BackgroundTask(closing.scrub_closed, db, utcnow(), request.user.name)
        return redirect

    @post("/rounds/{round_id:int}/publish", name="round.publish")
    async def publish(self, request: Request, round_id: PathId, session: Session) -> Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        await publication.publish(session, round_, utcnow(), request.user.name)
        return see_other(request, "public.results", round_id=round_id)

    @get("/rounds/{round_id:int}/turnout", name="round.turnout")
    async def show_turnout(self, round_id: PathId, session: Session) -> Template:
        round_ = await rounds.get_round(session, round_id)
        panels = await turnout.turnout(session, round_id, round_.season_id)
        return Template("rounds/turnout.html", context={"round": round_, "panels": panels})

    @get("/rounds/{round_id:int}/turnout/not-voted.csv", name="round.turnout.csv")
    async def export_not_voted(self, round_id: PathId, session: Session) -> Response[bytes]:
        round_ = await rounds.get_round(session, round_id)
        panels = await turnout.turnout(session, round_id, round_.season_id)
        return download(turnout.not_voted_csv(panels), f"not-voted-{round_.code}.csv")


async def _context(session: AsyncSession, round_id: int, values: bool = True) -> dict[str, Any]:
    round_ = await rounds.get_round(session, round_id)
    season = await seasons.get_season(session, round_.season_id)
    context: dict[str, Any] = {
        "round": round_,
        "season": season,
        "all_categories": await categories.list_categories(session, season.id),
        "chosen": {c.id for c in await rounds.round_categories(session, round_id)},
        "schedule_problem": schedule.problem_of(round_),
    }
    # A final's categories may count otherwise than the catalogue says.
    context["in_round"] = await rounds.categories_in_round(session, round_id)
    context["counted_by"] = {c.id: c.method for c in context["in_round"]}
    if values:
        context.update(values={}, errors={})
    return context
