"""The JSON API for jurors: the ballot definition, casting, and the juror's voting status.

Session authentication (the juror's login cookie) and the CSRF header `x-csrftoken` for POST.
Categories are named by their code, nominees by their record id, as in the election record.
"""

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.exc import IntegrityError

from awards.handlers import DatabaseService, PathId
from awards.i18n import N_, _
from awards.models.base import utcnow
from awards.voting import ballot_sheets, booth_casting, casting, trackers
from awards.voting.booth import juror_sheet, server_secret, session_seconds
from awards.web import requires_juror
from ballots.sealed.board import Entry

MAX_PARTS = 1024
"""More parts than any category's layout has (330 nominees scored 1-10 take 18)."""


class NomineeOut(msgspec.Struct):
    id: str
    label: str
    kind: str
    companies: list[str]
    broadcaster: str
    recused: str | None


class CategoryOut(msgspec.Struct):
    id: str
    name: str
    method: str
    max_choices: int | None
    score_min: int | None
    score_max: int | None
    nominees: list[NomineeOut]


class BallotDefinition(msgspec.Struct):
    round: int
    name: str
    closes_at: str | None
    categories: list[CategoryOut]
    trackers: dict[str, str]
    """{category id: tracker token}, fresh at each request: keep the first set and send it with
    the cast (see CastIn)."""


# JSON values nested at most one and two levels deep. A body decoded into `Any` recursed once
# per level of nesting, up to a RecursionError (a 500) at about a thousand; typed down to its
# leaves, deeper input is refused at once (400) by the decoder.
Scalar = str | int | float | bool | None
Nested1 = Scalar | list[Scalar] | dict[str, Scalar]
Nested2 = Scalar | list[Nested1] | dict[str, Nested1]

# A ballot is two levels deep ({"scores": {id: score}}); one more lets the core explain a
# malformed one ({"approve": [["n1"]]}) in the juror's words.
BallotContent = dict[str, Nested2]


class CastIn(msgspec.Struct, forbid_unknown_fields=True):
    ballots: dict[str, BallotContent]
    """{category id: content}; content as in the election record, e.g. {"abstain": true}."""
    trackers: dict[str, str] | None = None
    """{category id: tracker token} as the ballot definition issued them, one per ballot: the
    same cast sent again after a lost answer answers 200 with the same trackers instead of 409.
    Without, the server draws the trackers."""


class CastOut(msgspec.Struct, omit_defaults=True):
    trackers: dict[str, str]
    """{category id: tracker}: stored nowhere with the juror."""
    receipts: dict[str, str] = msgspec.field(default_factory=dict)
    """A sealed round's: {category id: the receipt of the encrypted ballot}, which the board
    shows beside the tracker; left out of a plain round's answer."""


class TrackersIn(msgspec.Struct, forbid_unknown_fields=True):
    trackers: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=32)]], msgspec.Meta(max_length=64)
    ]


class TrackersOut(msgspec.Struct):
    stored: list[str]
    """Those of the given trackers that are in the round's ballot box."""


class StatusOut(msgspec.Struct):
    round: int
    state: str
    voted: bool
    session_seconds: int
    """How long the juror's login lasts without another request (this one refreshed it): the
    ballot page asks while the juror works, to keep the login alive and to warn before it ends."""


Hex = Annotated[str, msgspec.Meta(max_length=66)]


class ProofIn(msgspec.Struct, forbid_unknown_fields=True):
    challenge: Hex
    responses: Annotated[list[Hex], msgspec.Meta(max_length=MAX_PARTS)]


class EntryIn(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """An encrypted ballot as the booth makes it (`ballots.sealed.board.Entry`)."""

    tracker: Annotated[str, msgspec.Meta(max_length=32)]
    ballot: Annotated[
        list[Annotated[list[Hex], msgspec.Meta(max_length=2)]], msgspec.Meta(max_length=MAX_PARTS)
    ]
    proof: ProofIn
    recused: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=MAX_PARTS)
    ] = msgspec.field(default_factory=list)


class BoothCastIn(msgspec.Struct, forbid_unknown_fields=True):
    ballots: Annotated[dict[str, EntryIn], msgspec.Meta(max_length=256)]
    """{category id: the encrypted ballot}, one for each category the juror votes in."""


class BoothCategoryOut(msgspec.Struct):
    id: str
    name: str
    method: str
    entry: dict[str, Any]
    """What the encoding needs of the category (`ballots.sealed.encoding.layout`): method,
    nominees in the configuration's order, the score range."""
    isolated: list[str]
    recused: list[str]
    """The isolated nominees this juror is recused from: the entry names them in its proof."""
    tracker: str
    """The tracker of the juror's next cast here: the proof is bound to it."""


class BoothDefinition(msgspec.Struct):
    round: int
    election_key: str
    context: dict[str, str]
    booth_sha256: str | None
    voted: bool
    categories: list[BoothCategoryOut]


class BallotApiController(Controller):
    """Each handler takes one dependency: Litestar resolves several in a task group, a cost
    every voting request would pay. The secret comes from the app's services instead."""

    path = "/api/rounds"
    guards = [requires_juror]  # noqa: RUF012
    tags = ["ballot"]  # noqa: RUF012

    @get("/{round_id:int}/ballot", name="api.ballot")
    async def ballot(
        self, request: Request, round_id: PathId, db: DatabaseService
    ) -> BallotDefinition:
        sheet = await juror_sheet(request, db, round_id)
        codes = {item.category.id: item.category.code for item in sheet.categories}
        tokens = trackers.issue(sheet, request.user.id, server_secret(request))
        return BallotDefinition(
            round=sheet.round.id,
            name=sheet.round.name,
            closes_at=sheet.round.closes_at.isoformat() if sheet.round.closes_at else None,
            categories=[
                CategoryOut(
                    id=item.category.code,
                    name=item.category.name,
                    method=item.category.method,
                    max_choices=item.category.max_choices,
                    score_min=item.category.score_min,
                    score_max=item.category.score_max,
                    nominees=[
                        NomineeOut(
                            id=n.key,
                            label=n.label,
                            kind=n.kind,
                            companies=n.companies,
                            broadcaster=n.broadcaster,
                            recused=None if n.recusal is None else str(n.recusal),
                        )
                        for n in item.nominees
                    ],
                )
                for item in sheet.categories
            ],
            trackers={codes[c]: token for c, token in tokens.items()},
        )

    @post("/{round_id:int}/cast", name="api.cast", status_code=HTTP_201_CREATED)
    async def cast(
        self,
        request: Request,
        round_id: PathId,
        data: JSONBody[CastIn],
        db: DatabaseService,
    ) -> Response[CastOut]:
        sheet = await juror_sheet(request, db, round_id)
        casting.refuse_plaintext(sheet)  # before a booth round's ballot is read at all
        by_code = {item.category.code: item.category.id for item in sheet.categories}
        unknown = [code for code in data.ballots if code not in by_code]
        if unknown:
            raise casting.InvalidBallot({unknown[0]: _("You may not vote in this category.")})
        contents = {by_code[code]: content for code, content in data.ballots.items()}
        codes = {category_id: code for code, category_id in by_code.items()}
        issued = None
        if data.trackers is not None:
            if set(data.trackers) != set(data.ballots):
                raise trackers.TrackersRefused(N_("Give one tracker for each ballot."))
            tokens = {by_code[code]: token for code, token in data.trackers.items()}
            issued = trackers.checked(tokens, sheet, request.user.id, server_secret(request))
        try:
            done = await db.write(casting.cast, sheet, request.user.id, contents, utcnow(), issued)
        except casting.InvalidBallot as exc:
            raise casting.InvalidBallot(
                {codes.get(c, str(c)): str(m) for c, m in exc.errors.items()}
            ) from None
        return _answer(done, codes)

    @get("/{round_id:int}/booth", name="api.booth")
    async def booth(
        self, request: Request, round_id: PathId, db: DatabaseService
    ) -> BoothDefinition:
        """What the booth (the juror's browser) needs to encrypt the juror's ballot."""
        sheet = await juror_sheet(request, db, round_id)
        box = booth_casting.booth_box(sheet)
        secret = server_secret(request)
        following = await db.read(booth_casting.next_cast, sheet, request.user.id, secret)
        return BoothDefinition(
            round=sheet.round.id,
            election_key=box.key.hex(),
            context=box.context,
            booth_sha256=sheet.round.booth_sha256,
            voted=following.voted,
            categories=[
                BoothCategoryOut(
                    id=(code := item.category.code),
                    name=item.category.name,
                    method=item.category.method,
                    entry=box.entries[code],
                    isolated=box.isolated[code],
                    recused=booth_casting.recused_parts(box.isolated[code], item),
                    tracker=following.trackers[item.category.id],
                )
                for item in sheet.categories
            ],
        )

    @post("/{round_id:int}/booth", name="api.booth.cast", status_code=HTTP_201_CREATED)
    async def booth_cast(
        self,
        request: Request,
        round_id: PathId,
        data: JSONBody[BoothCastIn],
        db: DatabaseService,
    ) -> Response[CastOut]:
        """Cast the ballots the booth encrypted; again until the close, the latest counting."""
        sheet = await juror_sheet(request, db, round_id)
        entries = {}
        for code, given in data.ballots.items():
            try:
                entries[code] = Entry.from_json(msgspec.to_builtins(given))
            except (ValueError, TypeError):
                raise casting.InvalidBallot(
                    {code: _("This encrypted ballot cannot be read.")}
                ) from None
        checked = booth_casting.check_entries(sheet, entries)
        codes = {item.category.id: item.category.code for item in sheet.categories}
        try:
            done = await db.write(
                booth_casting.cast,
                sheet,
                request.user.id,
                checked,
                utcnow(),
                server_secret(request),
            )
        except IntegrityError:  # the same juror's other page cast the same trackers just now
            raise booth_casting.StalePage(
                N_("This ballot page is out of date: open your ballot again.")
            ) from None
        return _answer(done, codes)

    @post("/{round_id:int}/trackers", name="api.trackers", status_code=HTTP_200_OK)
    async def trackers(
        self,
        request: Request,
        round_id: PathId,
        data: JSONBody[TrackersIn],
        db: DatabaseService,
    ) -> TrackersOut:
        """For the juror's own browser, which kept trackers from a cast whose answer it may not
        have seen: which of them are stored (while the round is open)."""
        stored = await db.read(
            trackers.kept_in_box, round_id, request.user.id, data.trackers, utcnow()
        )
        return TrackersOut(stored=stored)

    @get("/{round_id:int}/status", name="api.status")
    async def status(self, request: Request, round_id: PathId, db: DatabaseService) -> StatusOut:
        round_, voted = await db.read(ballot_sheets.voting_status, round_id, request.user.id)
        return StatusOut(
            round=round_.id,
            state=round_.state,
            voted=voted,
            session_seconds=session_seconds(request),
        )


def _answer(done: casting.Cast, codes: dict[int, str]) -> Response[CastOut]:
    """A cast's trackers and receipts by category code: 201, or 200 for a cast sent again."""
    answer = CastOut(
        trackers={codes[c]: t for c, t in done.trackers.items()},
        receipts={codes[c]: r for c, r in done.receipts.items()},
    )
    return Response(answer, status_code=HTTP_200_OK if done.again else HTTP_201_CREATED)
