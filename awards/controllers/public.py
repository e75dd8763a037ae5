"""Public pages: a round's manifest (commitments published at opening) and its recusal register."""

from litestar import Controller, get
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards import rounds, seasons
from awards.controllers import Db, PathId
from awards.models import Juror, Nominee, Round, RoundRecusal


class PublicController(Controller):
    path = "/rounds"

    @get("/", name="public.rounds")
    async def index(self, db: Db) -> Template:
        shown = list(
            await db.scalars(
                select(Round)
                .where(Round.state.in_(("open", "closed", "scheduled")))
                .order_by(Round.id.desc())
            )
        )
        return Template("public/rounds.html", context={"rounds": shown})

    @get("/{round_id:int}", name="public.round")
    async def show(self, round_id: PathId, db: Db) -> Template:
        round_ = await rounds.get_round(db, round_id)
        season = await seasons.get_season(db, round_.season_id)
        register = (
            await db.execute(
                select(Juror.name, Nominee, RoundRecusal.reason)
                .join(Juror, Juror.id == RoundRecusal.juror_id)
                .join(Nominee, Nominee.id == RoundRecusal.nominee_id)
                .where(RoundRecusal.round_id == round_id)
                .options(selectinload(Nominee.drama), selectinload(Nominee.category))
                .order_by(Juror.name)
            )
        ).all()
        return Template(
            "public/round.html",
            context={
                "round": round_,
                "season": season,
                "register": register,
                "categories": await rounds.round_categories(db, round_id),
            },
        )
