"""Public pages: a round's manifest (commitments published at opening), its recusal register,
and its results and sealed files once closed. What a visitor may see is
`awards.results.publication`'s to decide."""

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Response, Template

from awards import i18n
from awards.handlers import AppSettings, PathId, SearchText, Session, download
from awards.results import display, publication
from awards.trustees import board, ceremony
from awards.voting import booth_code


class PublicController(Controller):
    path = "/rounds"

    @get("/", name="public.rounds")
    async def index(self, session: Session) -> Template:
        shown = await publication.public_rounds(session)
        return Template("public/rounds.html", context={"rounds": shown})

    @get("/{round_id:int}", name="public.round")
    async def show(self, round_id: PathId, session: Session) -> Template:
        page = await publication.round_page(
            session, round_id, english=i18n.current_locale() == "en"
        )
        return Template(
            "public/round.html",
            context={
                "round": page.round,
                "season": page.season,
                "register": page.register,
                "categories": page.categories,
                "trustees": await ceremony.trustees(session, round_id),
                "booth_files": booth_code.listing()["files"],
                "booth_same": page.round.booth_sha256 in (None, booth_code.booth_sha256()),
                "layout_sha256": await board.booth_layout_sha256(session, page.round),
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
        page = await publication.results_page(
            session, round_id, settings, tracker, english=i18n.current_locale() == "en"
        )
        return Template(
            "public/results.html",
            context={
                "round": page.round,
                "season": page.season,
                "published": page.published,
                "tracker": tracker,
                "found": page.found,
                "receipt": page.receipt,
                "replaced": page.replaced,
                "visible": page.visible,
                "views": [display.view(c) for c in page.published.categories],
            },
        )

    @get("/{round_id:int}/board.json", name="public.board")
    async def board(self, round_id: PathId, session: Session) -> Response[bytes]:
        """A sealed round's board, for anyone from the close."""
        name, content = await board.board_bytes(session, round_id)
        return download(content, name)

    @get("/{round_id:int}/booth.json", name="public.booth_layout")
    async def booth_layout(self, round_id: PathId, session: Session) -> Response[bytes]:
        """A booth round's layout, for anyone from opening: a juror's challenge is checked
        against it (`python -m ballots challenge --layout`)."""
        name, content = await board.booth_layout(session, round_id)
        return download(content, name)

    @get("/{round_id:int}/files/{kind:str}", name="public.download")
    async def download(
        self,
        round_id: PathId,
        kind: FromPath[str],
        request: Request,
        session: Session,
        settings: AppSettings,
    ) -> Response[bytes]:
        user = request.scope.get("user")
        auditor = user is not None and user.can_download_records
        name, content = await publication.sealed_file(
            session, round_id, kind, settings, auditor=auditor
        )
        return download(content, name)
