"""Staff: a round's trustees, the files they take away and the documents they send back (the
key ceremony before opening; mixes and decryptions after the close), and the count."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Redirect, Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.errors import Conflict
from awards.handlers import (
    AppSettings,
    DatabaseService,
    FormData,
    PathId,
    Session,
    confirmation,
    confirmed,
    download,
    see_other,
)
from awards.i18n import N_, Message
from awards.models.base import utcnow
from awards.trustees import ceremony, counting
from awards.voting import closing, lifecycle, rounds
from awards.web import requires_staff
from ballots.canonical import canonical_json


class TrusteeController(Controller):
    path = "/staff/rounds/{round_id:int}"
    guards = [requires_staff]  # noqa: RUF012

    @post("/trustees", name="round.trustees")
    async def set_trustees(
        self, request: Request, round_id: PathId, data: FormData, session: Session
    ) -> Redirect:
        round_ = await rounds.get_round(session, round_id, lock=True)
        if data.get("plain"):
            await ceremony.set_trustees(session, round_, None, request.user.name)
            done = Message("The round is a plain round again.")
        else:
            named = ceremony.read_trustees(
                str(data.get("names", "")), str(data.get("threshold", ""))
            )
            booth = data.get("booth") == "on"
            await ceremony.set_trustees(session, round_, named, request.user.name, booth)
            done = Message(
                "The round is sealed: %(n)s trustees, any %(t)s of whom can decrypt.",
                n=len(named.names),
                t=named.threshold,
            )
        return see_other(request, "round", round_id=round_id, done=done)

    @get("/trustees/ceremony.json", name="round.trustees.ceremony")
    async def ceremony_file(self, round_id: PathId, session: Session) -> Response[bytes]:
        round_ = await rounds.get_round(session, round_id)
        content = canonical_json(await ceremony.bundle(session, round_))
        return download(content, f"ceremony-{round_.code}.json")

    @get("/trustees/box.json", name="round.trustees.box")
    async def box_file(self, round_id: PathId, session: Session) -> Response[bytes]:
        round_ = await rounds.get_round(session, round_id)
        lifecycle.require(
            round_,
            (lifecycle.State.COUNTING, lifecycle.State.CLOSED),
            N_("The round is %(state)s: its box is sealed at close."),
        )
        content = canonical_json(await counting.box_file(session, round_))
        return download(content, f"box-{round_.code}.json")

    @post("/trustees/documents", name="round.trustees.document")
    async def receive(
        self, request: Request, round_id: PathId, data: FormData, session: Session
    ) -> Redirect:
        document = ceremony.parse_document(await _text(data))
        round_ = await rounds.get_round(session, round_id, lock=True)
        if round_.state in lifecycle.PREPARING:
            trustee = await ceremony.receive(session, round_, document, request.user.name)
            done = Message("%(name)s's document received.", name=trustee.name)
            if round_.key_fingerprint:
                done = Message(
                    "Every trustee has confirmed: the round's key is made (fingerprint "
                    "%(fingerprint)s).",
                    fingerprint=round_.key_fingerprint[:16],
                )
        else:
            kind = await counting.receive(session, round_, document, request.user.name)
            done = (
                Message("The trustee's shuffle checks and is added to the box.")
                if kind == "mix"
                else Message("The trustee's decryption checks.")
            )
        return see_other(request, "round", round_id=round_id, done=done)

    @get("/count", name="round.count.confirm")
    async def confirm_count(self, request: Request, round_id: PathId, session: Session) -> Template:
        return await _counting_page(request, session, round_id)

    @post("/count", name="round.count")
    async def count(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        db: DatabaseService,
        settings: AppSettings,
    ) -> Template | Redirect:
        if not confirmed(data):
            async with db.transaction(write=False) as session:
                return await _counting_page(request, session, round_id)
        counted = await closing.count(db, round_id, utcnow(), request.user.name, settings)
        done = Message("Round “%(name)s” decrypted, counted and sealed.", name=counted.name)
        return see_other(request, "round", round_id=round_id, done=done)


async def _text(data: dict[str, Any]) -> str:
    """The document sent: an uploaded file, or text pasted in the form."""
    upload = data.get("file")
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read()
        try:
            return raw.decode()
        except UnicodeDecodeError:
            raise ceremony.DocumentRefused(N_("This file is not a trustee's document.")) from None
    return str(data.get("text", ""))


async def _counting_page(request: Request, session: AsyncSession, round_id: int) -> Template:
    round_ = await rounds.get_round(session, round_id)
    lifecycle.check(round_, "count")
    named = await ceremony.trustees(session, round_id)
    have = sum(1 for t in named if t.partial)
    if have < (round_.trustee_threshold or 0):
        raise Conflict(
            N_(
                "%(have)s of the %(needed)s trustees' decryptions are in: "
                "the box cannot be opened yet."
            ),
            have=have,
            needed=round_.trustee_threshold,
        )
    return confirmation(
        title=Message("Count “%(name)s” now", name=round_.name),
        action=request.app.route_reverse("round.count", round_id=round_id),
        button=Message("Decrypt and count"),
        back=request.app.route_reverse("round", round_id=round_id),
        consequences=[
            Message(
                "The box is opened with the decryptions of %(names)s, after every check; the "
                "record, the results and the annex are sealed, as a plain round's are at close.",
                names="、".join(t.name for t in named if t.partial),
            )
        ],
        danger=False,
    )
