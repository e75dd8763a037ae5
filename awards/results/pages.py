"""Public pages: a round's manifest (commitments published at opening), its recusal register,
and its results and sealed files once closed."""

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Response, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.catalogue import seasons
from awards.errors import NotAllowed, NotFound
from awards.handlers import AppSettings, PathId, SearchText, Session
from awards.models import Round, Season
from awards.results import publication
from awards.settings import Settings
from awards.voting import rounds, sealed_files


class PublicController(Controller):
    path = "/rounds"

    @get("/", name="public.rounds")
    async def index(self, session: Session) -> Template:
        shown = list(
            await session.scalars(
                select(Round).where(Round.state.in_(rounds.PUBLIC_STATES)).order_by(Round.id.desc())
            )
        )
        return Template("public/rounds.html", context={"rounds": shown})

    @get("/{round_id:int}", name="public.round")
    async def show(self, round_id: PathId, session: Session) -> Template:
        round_ = await rounds.get_public_round(session, round_id)
        season = await seasons.get_season(session, round_.season_id)
        categories, register = await publication.round_page(session, round_)
        return Template(
            "public/round.html",
            context={
                "round": round_,
                "season": season,
                "register": register,
                "categories": categories,
            },
        )

    @get("/{round_id:int}/results", name="public.results")
    async def results(
        self,
        round_id: PathId,
        session: Session,
        settings: AppSettings,
        tracker: SearchText = "",
    ) -> Template:
        round_, season, published = await _sealed(session, round_id, settings, "No results yet.")
        found = publication.find_tracker(published.record, tracker) if tracker else None
        return Template(
            "public/results.html",
            context={
                "round": round_,
                "season": season,
                "published": published,
                "tracker": tracker,
                "found": found,
                "visible": round_.published_at is not None,
            },
        )

    @get("/{round_id:int}/files/{kind:str}", name="public.download")
    async def download(
        self,
        round_id: PathId,
        kind: FromPath[str],
        request: Request,
        session: Session,
        settings: AppSettings,
    ) -> Response[bytes]:
        """The sealed files: for everyone where every category allows it, always for auditors."""
        if kind not in ("record", "results"):
            raise NotFound("No such file.")
        round_, _season, published = await _sealed(session, round_id, settings, "No such file.")
        user = request.scope.get("user")
        auditor = user is not None and user.can_download_records
        allowed = published.record_public if kind == "record" else published.results_public
        if not auditor and (round_.published_at is None or not allowed):
            raise NotAllowed("This file is not public; the auditor can download it.")
        path, seal = sealed_files.sealed_file(settings.records_dir, round_, kind)
        return Response(
            sealed_files.sealed_bytes(path, seal),  # read again: checked again
            media_type="application/json",
            headers={"content-disposition": f'attachment; filename="{path.name}"'},
        )


async def _sealed(
    session: AsyncSession, round_id: int, settings: Settings, missing: str
) -> tuple[Round, Season, publication.Published]:
    """A closed round, its season and its sealed files (checked against the seal); `missing`
    is the 404 message for a round not closed yet."""
    round_ = await rounds.get_public_round(session, round_id)
    if round_.state != "closed":
        raise NotFound(missing)
    season = await seasons.get_season(session, round_.season_id)
    return (
        round_,
        season,
        publication.load(settings.records_dir, round_, settings.small_jury_threshold),
    )
