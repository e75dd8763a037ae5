"""Staff: voting rounds (categories, schedule, open, extend, close, publish). Opening, closing
and publishing cannot be undone: each asks first on a confirmation page (`handlers.confirmation`),
as does scheduling, which opens the round by itself later."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.response import Redirect, Template
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
    confirmation,
    confirmed,
    form_error,
    see_other,
)
from awards.i18n import Message, local_time
from awards.models.base import utcnow
from awards.results import publication
from awards.trustees import ceremony
from awards.voting import (
    closing,
    consequences,
    extension,
    lifecycle,
    opening,
    readiness,
    round_categories,
    rounds,
    schedule,
)
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
        done = Message("Round “%(name)s” created.", name=created.name)
        return see_other(request, "round", round_id=created.id, done=done)

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
            done = await round_categories.set_categories(session, round_, ids, request.user.name)
        except FormInvalid as exc:
            return await form_error(
                session,
                "rounds/detail.html",
                exc,
                **await _context(session, round_id, values=False),
            )
        return see_other(request, "round", round_id=round_id, done=done)

    @post("/rounds/{round_id:int}/schedule", name="round.schedule")
    async def schedule(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        """Scheduling opens the round later by itself, so it asks first, showing the checks."""
        round_ = await rounds.get_round(session, round_id, lock=True)
        try:
            form = rounds.ScheduleForm.parse(data, settings.timezone, utcnow())
        except FormInvalid as exc:
            return await form_error(
                session,
                "rounds/detail.html",
                exc,
                **await _context(session, round_id, values=False),
            )
        if not confirmed(data):
            lifecycle.check(round_, "schedule")
            checks = await readiness.review(session, round_, None)
            checks.ensure_no_problems()
            return confirmation(
                title=Message("Schedule “%(name)s”", name=round_.name),
                action=request.app.route_reverse("round.schedule", round_id=round_id),
                button=Message("Schedule the round"),
                back=request.app.route_reverse("round", round_id=round_id),
                consequences=consequences.of_scheduling(
                    form.opens_at, form.closes_at, settings.timezone
                ),
                checks=checks,
                fields=[("opens_at", data["opens_at"]), ("closes_at", data["closes_at"])],
                danger=False,
            )
        await opening.schedule(session, round_, form, request.user.name)
        done = Message(
            "Round “%(name)s” scheduled: it opens by itself at the time set.", name=round_.name
        )
        return see_other(request, "round", round_id=round_id, done=done)

    @post("/rounds/{round_id:int}/unschedule", name="round.unschedule")
    async def unschedule(self, request: Request, round_id: PathId, session: Session) -> Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        await rounds.unschedule(session, round_, request.user.name)
        done = Message(
            "Round “%(name)s” taken off the schedule: it will not open by itself.",
            name=round_.name,
        )
        return see_other(request, "round", round_id=round_id, done=done)

    @get("/rounds/{round_id:int}/open", name="round.open.confirm")
    async def confirm_open(
        self, request: Request, round_id: PathId, session: Session, settings: AppSettings
    ) -> Template:
        return await _opening_page(request, session, round_id, settings.timezone)

    @post("/rounds/{round_id:int}/open", name="round.open")
    async def open_round(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        if not confirmed(data):
            return await _opening_page(request, session, round_id, settings.timezone)
        round_ = await rounds.get_round(session, round_id, lock=True)
        await opening.open_round(session, round_, utcnow(), request.user.name)
        done = Message("Round “%(name)s” is open: jurors can vote now.", name=round_.name)
        return see_other(request, "round", round_id=round_id, done=done)

    @get("/rounds/{round_id:int}/close", name="round.close.confirm")
    async def confirm_close(self, request: Request, round_id: PathId, session: Session) -> Template:
        return await _closing_page(request, session, round_id)

    @post("/rounds/{round_id:int}/close", name="round.close")
    async def close_round(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        db: DatabaseService,
        settings: AppSettings,
    ) -> Template | Redirect:
        """The close runs in a transaction of its own (see `awards.voting.closing`); the scrub of
        the storage after the answer has gone."""
        if not confirmed(data):
            async with db.transaction(write=False) as session:
                return await _closing_page(request, session, round_id)
        closed = await closing.close(db, round_id, utcnow(), request.user.name, settings)
        done = Message("Round “%(name)s” closed and sealed.", name=closed.name)
        if closed.trustee_threshold:
            done = Message(
                "Round “%(name)s” closed: its encrypted box is sealed and awaits the trustees.",
                name=closed.name,
            )
        redirect = see_other(request, "round", round_id=round_id, done=done)
        redirect.background = BackgroundTask(closing.scrub_closed, db, utcnow(), request.user.name)
        return redirect

    @post("/rounds/{round_id:int}/extend", name="round.extend")
    async def extend(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        try:
            await extension.extend(
                session, round_, data, settings.timezone, utcnow(), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "rounds/detail.html",
                exc,
                **await _context(session, round_id, values=False),
            )
        done = Message(
            "Closing time extended to %(time)s.",
            time=local_time(round_.closes_at, settings.timezone),
        )
        return see_other(request, "round", round_id=round_id, done=done)

    @get("/rounds/{round_id:int}/publish", name="round.publish.confirm")
    async def confirm_publish(
        self, request: Request, round_id: PathId, session: Session
    ) -> Template:
        return await _publishing_page(request, session, round_id)

    @post("/rounds/{round_id:int}/publish", name="round.publish")
    async def publish(
        self, request: Request, round_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        if not confirmed(data):
            return await _publishing_page(request, session, round_id)
        round_ = await rounds.get_round(session, round_id, lock=True)
        await publication.publish(session, round_, utcnow(), request.user.name)
        done = Message("Results of “%(name)s” published.", name=round_.name)
        return see_other(request, "public.results", round_id=round_id, done=done)


async def _context(session: AsyncSession, round_id: int, values: bool = True) -> dict[str, Any]:
    round_ = await rounds.get_round(session, round_id)
    season = await seasons.get_season(session, round_.season_id)
    context: dict[str, Any] = {
        "round": round_,
        "season": season,
        "all_categories": await categories.list_categories(session, season.id),
        "chosen": {c.id for c in await rounds.round_categories(session, round_id)},
        "schedule_problem": schedule.problem_of(round_),
        "checks": await readiness.review(session, round_, utcnow())
        if round_.state in lifecycle.PREPARING
        else None,
        "first_closes_at": await extension.first_closing_time(session, round_id),
    }
    named = await ceremony.trustees(session, round_id)
    context["trustees"] = named
    context["ceremony_phase"] = next(
        (i for i, p in enumerate(ceremony.PHASES, 1) if any(getattr(t, p) is None for t in named)),
        3,
    )
    context["decryptions"] = sum(1 for t in named if t.partial)
    # A final's categories may count otherwise than the catalogue says.
    context["in_round"] = await rounds.categories_in_round(session, round_id)
    context["counted_by"] = {c.id: c.method for c in context["in_round"]}
    if values:
        context.update(values={}, errors={})
    return context


# The confirmation pages: each refuses first what the action would refuse (409, with a way back),
# so that a page never offers a button that cannot work.


async def _opening_page(
    request: Request, session: AsyncSession, round_id: int, zone: str
) -> Template:
    round_ = await rounds.get_round(session, round_id)
    lifecycle.check(round_, "open")
    checks = await readiness.review(session, round_, utcnow())
    return confirmation(
        title=Message("Open “%(name)s” now", name=round_.name),
        action=request.app.route_reverse("round.open", round_id=round_id),
        button=Message("Open the round"),
        back=request.app.route_reverse("round", round_id=round_id),
        consequences=consequences.of_opening(checks.plan, round_, zone),
        checks=checks,
    )


async def _closing_page(request: Request, session: AsyncSession, round_id: int) -> Template:
    round_ = await rounds.get_round(session, round_id)
    lifecycle.check(round_, "close")
    missing = await consequences.not_voted(session, round_id)
    return confirmation(
        title=Message("Close “%(name)s” now", name=round_.name),
        action=request.app.route_reverse("round.close", round_id=round_id),
        button=Message("Close the round"),
        back=request.app.route_reverse("round", round_id=round_id),
        consequences=consequences.of_closing(round_, missing, utcnow()),
    )


async def _publishing_page(request: Request, session: AsyncSession, round_id: int) -> Template:
    round_ = await rounds.get_round(session, round_id)
    publication.ensure_publishable(round_)
    return confirmation(
        title=Message("Publish the results of “%(name)s”", name=round_.name),
        action=request.app.route_reverse("round.publish", round_id=round_id),
        button=Message("Publish the results"),
        back=request.app.route_reverse("round", round_id=round_id),
        consequences=consequences.of_publishing(),
    )
