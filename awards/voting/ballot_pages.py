"""Jurors vote: the rounds open to them, the ballot, the review page, the cast and its trackers,
and "you have voted"."""

from typing import Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from awards.database import Database
from awards.handlers import (
    DatabaseService,
    FormData,
    PathId,
    Session,
    see_other,
)
from awards.i18n import in_language
from awards.models.base import utcnow
from awards.voting import ballot_sheets, casting, rounds, trackers
from awards.voting.booth import juror_sheet, server_secret, session_seconds
from awards.web import requires_juror


class BallotController(Controller):
    path = "/juror"
    guards = [requires_juror]  # noqa: RUF012

    @get("/", name="juror.home")
    async def home(self, request: Request, session: Session) -> Template:
        open_rounds, voted = await rounds.juror_rounds(session, request.user.id)
        return Template("juror/home.html", context={"rounds": open_rounds, "voted": voted})

    @get("/rounds/{round_id:int}/ballot", name="juror.ballot")
    async def ballot(self, request: Request, round_id: PathId, db: DatabaseService) -> Template:
        round_, voted = await db.read(ballot_sheets.voting_status, round_id, request.user.id)
        if voted and not round_.booth:  # a booth round's juror may vote again until the close
            return await _voted(request, db, round_)
        sheet = await juror_sheet(request, db, round_id)
        return _ballot_page(request, sheet, {}, {}, voted=voted)

    @get(["/rounds/{round_id:int}/review", "/rounds/{round_id:int}/cast"], name="juror.back")
    async def back_to_ballot(self, request: Request, round_id: PathId) -> Redirect:
        """The review and cast addresses reached without their form (a reload, a login after
        the session ended): the ballot, which this browser fills in again with the choices it
        kept."""
        return see_other(request, "juror.ballot", round_id=round_id)

    @post("/rounds/{round_id:int}/ballot", name="juror.ballot.edit")
    async def edit(
        self, request: Request, round_id: PathId, data: FormData, db: DatabaseService
    ) -> Template:
        """Back from the review page, with the choices made so far."""
        sheet = await juror_sheet(request, db, round_id)
        return _ballot_page(request, sheet, casting.form_values(sheet, data), {})

    @post("/rounds/{round_id:int}/review", name="juror.review")
    async def review(
        self, request: Request, round_id: PathId, data: FormData, db: DatabaseService
    ) -> Template:
        sheet = await juror_sheet(request, db, round_id)
        try:
            contents = casting.read_form(sheet, data)
        except casting.InvalidBallot as exc:
            return _ballot_again(request, sheet, data, exc)
        tokens = trackers.issue(sheet, request.user.id, server_secret(request))
        return Template(
            "juror/review.html",
            context={
                "sheet": sheet,
                "session_seconds": session_seconds(request),
                "contents": contents,
                "hidden": _hidden(casting.form_values(sheet, data)),
                "tokens": [
                    (trackers.field(item), tokens[item.category.id]) for item in sheet.categories
                ],
            },
        )

    @post("/rounds/{round_id:int}/cast", name="juror.cast")
    async def cast(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        db: DatabaseService,
    ) -> Template:
        sheet = await juror_sheet(request, db, round_id)
        try:
            tokens = trackers.from_form(sheet, data) or {}
            contents = casting.read_form(sheet, data)
            issued = (
                trackers.checked(tokens, sheet, request.user.id, server_secret(request))
                if tokens
                else None
            )
            done = await db.write(casting.cast, sheet, request.user.id, contents, utcnow(), issued)
        except casting.InvalidBallot as exc:
            return _ballot_again(request, sheet, data, exc)
        except casting.AlreadyVoted:
            return await _voted(request, db, sheet.round, again=True)
        except trackers.TrackersRefused:
            # Tokens this server did not issue (say, kept from before its key changed): the page
            # tells the juror's browser to drop them, so that the next review hands out new ones.
            return Template("juror/stale.html", context={"round": sheet.round}, status_code=422)
        rows = [
            (
                trackers.field(item),
                _name(item),
                done.trackers[c],
                tokens.get(c, ""),
                done.receipts.get(c, ""),
            )
            for item in sheet.categories
            if (c := item.category.id) in done.trackers
        ]
        lines = [sheet.round.name] + [
            "\t".join(filter(None, (name, tracker, receipt)))
            for _f, name, tracker, _t, receipt in rows
        ]
        return Template(
            "juror/trackers.html",
            context={
                "round": sheet.round,
                "trackers": rows,
                "again": done.again,
                "sealed": sheet.box is not None,
                "download": "data:text/plain;charset=utf-8," + quote("\r\n".join(lines) + "\r\n"),
            },
        )


async def _voted(
    request: Request, db: Database, round_: ballot_sheets.RoundHead, again: bool = False
) -> Template:
    """ "You have voted", with the names of the round's categories for the trackers the juror's
    browser may have kept (read from what opening froze: the round may be past its closing
    time and not yet closed)."""
    sheet = await db.read(
        ballot_sheets.frozen_sheet, round_.id, request.user.id, server_secret(request)
    )
    names = {trackers.field(item): _name(item) for item in sheet.categories}
    return Template(
        "juror/voted.html",
        context={"round": round_, "again": again, "names": names},
        status_code=409 if again else 200,
    )


def _ballot_page(
    request: Request,
    sheet: ballot_sheets.BallotSheet,
    values: dict[str, Any],
    errors: dict[Any, Any],
    status_code: int = 200,
    voted: bool = False,
) -> Template:
    return Template(
        "juror/ballot.html",
        context={
            "sheet": sheet,
            "values": values,
            "errors": errors,
            "voted": voted,
            "session_seconds": session_seconds(request),
        },
        status_code=status_code,
    )


def _ballot_again(
    request: Request,
    sheet: ballot_sheets.BallotSheet,
    data: dict[str, Any],
    exc: casting.InvalidBallot,
) -> Template:
    """The ballot page with the juror's choices and a message per category."""
    return _ballot_page(request, sheet, casting.form_values(sheet, data), exc.errors, 422)


def _name(item: ballot_sheets.BallotCategory) -> str:
    return in_language(item.category.name, item.category.name_en)


def _hidden(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The ballot's fields (`casting.form_values`), carried through the review page unchanged
    (never stored)."""
    return [
        (name, item)
        for name, value in values.items()
        for item in (value if isinstance(value, list) else [value])
    ]
