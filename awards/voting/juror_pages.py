"""Jurors: activate the account, log in, declare conflicts, vote, change the password."""

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.accounts import login, sessions, throttle
from awards.accounts.login_pages import activate_form, client_address, log_in, safe_next
from awards.accounts.password_rules import check_new_password
from awards.database import Database
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import (
    AppSettings,
    DatabaseService,
    FormData,
    PasswordService,
    PathId,
    SearchText,
    Session,
    form_error,
    juror_sheet,
    see_other,
    server_secret,
)
from awards.i18n import _
from awards.jury import conflicts
from awards.models import Drama, Juror, Participation, Round, RoundEligibility
from awards.models.base import utcnow
from awards.voting import ballot_sheets, casting, trackers
from awards.web import requires_juror, services_of


class JurorAuthController(Controller):
    path = "/juror"

    @get("/login", name="juror.login")
    async def login_page(
        self, next_: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None
    ) -> Template:
        return Template(
            "juror/login.html", context={"next": safe_next(next_, "juror"), "values": {}}
        )

    @post("/login", name="juror.login.submit")
    async def login(
        self,
        request: Request,
        data: FormData,
        session: Session,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        return await log_in(request, data, session, settings, passwords, "juror")

    @get("/activate", name="juror.activate")
    async def activate_page(self) -> Template:
        return Template("juror/activate.html", context={"values": {}, "errors": {}})

    @post("/activate", name="juror.activate.submit")
    async def activate(
        self,
        request: Request,
        data: FormData,
        session: Session,
        db: DatabaseService,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        return await activate_form(
            request, data, session, db, settings, passwords, "juror", "juror/activate.html"
        )


class JurorController(Controller):
    path = "/juror"
    guards = [requires_juror]  # noqa: RUF012

    @get("/", name="juror.home")
    async def home(self, request: Request, session: Session) -> Template:
        juror_id = request.user.id
        rounds = list(
            await session.scalars(
                select(Round)
                .where(
                    Round.state == "open",
                    Round.id.in_(
                        select(RoundEligibility.round_id).where(
                            RoundEligibility.juror_id == juror_id
                        )
                    ),
                )
                .order_by(Round.id)
            )
        )
        voted = set(
            await session.scalars(
                select(Participation.round_id).where(Participation.juror_id == juror_id)
            )
        )
        return Template("juror/home.html", context={"rounds": rounds, "voted": voted})

    @get("/rounds/{round_id:int}/ballot", name="juror.ballot")
    async def ballot(self, request: Request, round_id: PathId, db: DatabaseService) -> Template:
        round_, voted = await db.read(ballot_sheets.voting_status, round_id, request.user.id)
        if voted:
            return await _voted(request, db, round_)
        sheet = await juror_sheet(request, db, round_id)
        return Template("juror/ballot.html", context={"sheet": sheet, "values": {}, "errors": {}})

    @post("/rounds/{round_id:int}/ballot", name="juror.ballot.edit")
    async def edit(
        self, request: Request, round_id: PathId, data: FormData, db: DatabaseService
    ) -> Template:
        """Back from the review page, with the choices made so far."""
        sheet = await juror_sheet(request, db, round_id)
        values = casting.form_values(sheet, data)
        return Template(
            "juror/ballot.html", context={"sheet": sheet, "values": values, "errors": {}}
        )

    @post("/rounds/{round_id:int}/review", name="juror.review")
    async def review(
        self, request: Request, round_id: PathId, data: FormData, db: DatabaseService
    ) -> Template:
        sheet = await juror_sheet(request, db, round_id)
        try:
            contents = casting.read_form(sheet, data)
            casting.check(sheet, contents)
        except casting.InvalidBallot as exc:
            return _ballot_again(sheet, data, exc)
        tokens = trackers.issue(sheet, request.user.id, server_secret(request))
        return Template(
            "juror/review.html",
            context={
                "sheet": sheet,
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
            return _ballot_again(sheet, data, exc)
        except casting.AlreadyVoted:
            return await _voted(request, db, sheet.round, again=True)
        except trackers.TrackersRefused:
            # Tokens this server did not issue (say, kept from before its key changed): the page
            # tells the juror's browser to drop them, so that the next review hands out new ones.
            return Template("juror/stale.html", context={"round": sheet.round}, status_code=422)
        rows = [
            (trackers.field(item), item.category.name, done.trackers[c], tokens.get(c, ""))
            for item in sheet.categories
            if (c := item.category.id) in done.trackers
        ]
        lines = [sheet.round.name] + [f"{name}\t{tracker}" for _f, name, tracker, _t in rows]
        return Template(
            "juror/trackers.html",
            context={
                "round": sheet.round,
                "trackers": rows,
                "again": done.again,
                "download": "data:text/plain;charset=utf-8," + quote("\r\n".join(lines) + "\r\n"),
            },
        )

    @get("/password", name="juror.password")
    async def password_page(self) -> Template:
        return Template("juror/password.html", context={"values": {}, "errors": {}})

    @post("/password", name="juror.password.submit")
    async def change_password(
        self,
        request: Request,
        data: FormData,
        session: Session,
        settings: AppSettings,
        passwords: PasswordService,
    ) -> Template | Redirect:
        """The current password is checked like a login (counted, and limited, before argon2
        runs): a session left open must not be a way to guess the password without limit."""
        db = services_of(request.app.state).db
        async with db.reader() as reader:
            email = (await reader.get(Juror, request.user.id)).email
        fields = Fields(data)
        current, new = fields.secret("current"), fields.secret("password")
        repeat = fields.secret("password_repeat")
        status = 422
        try:
            fields.finish()
            # argon2 runs before `db` starts its (write-locking) transaction: see `check_login`.
            attempt = await login.counted_check(
                db,
                passwords,
                settings,
                "juror",
                email,
                current,
                client_address(request),
                utcnow(),
                throttle.trusted_device(
                    settings.secret_key, "juror", email, request.cookies.get(throttle.DEVICE_COOKIE)
                ),
            )
            if attempt.locked_until is not None:
                status = 429
                raise FormInvalid(
                    {
                        "current": _(
                            "Too many wrong passwords. Try again after %(time)s.",
                            time=throttle.shown_time(attempt.locked_until, settings),
                        )
                    }
                )
            if not attempt.matches:
                raise FormInvalid({"current": _("This is not your current password.")})
            check_new_password(new, repeat)
            new_hash = await passwords.hash(new)
            juror = await session.get(Juror, request.user.id)
            if juror.password_hash != attempt.stored:  # changed meanwhile, in another tab
                raise FormInvalid({"current": _("This is not your current password.")})
        except FormInvalid as exc:
            return await form_error(session, "juror/password.html", exc, status_code=status)
        juror.password_hash = new_hash
        await sessions.end_all(session, "juror", juror.id)
        raw = await sessions.start(session, "juror", juror.id, utcnow())
        redirect = see_other(request, "juror.home")
        redirect.set_cookie(
            sessions.COOKIE_NAME,
            raw,
            httponly=True,
            samesite="lax",
            secure=services_of(request.app.state).settings.cookie_secure,
            path="/",
        )
        return redirect

    @get("/affiliations", name="juror.affiliations")
    async def affiliations(
        self, request: Request, session: Session, q: SearchText = ""
    ) -> Template:
        context = await _affiliation_context(session, request.user.id, q)
        return Template("juror/affiliations.html", context=context)

    @post("/affiliations", name="juror.affiliations.add")
    async def declare(
        self, request: Request, data: FormData, session: Session
    ) -> Template | Redirect:
        juror = await session.get(Juror, request.user.id)
        fields = Fields(data)
        company, role = fields.text("company", max_length=300), fields.text("role")
        drama_id = fields.id("drama_id", required=False)
        try:
            fields.finish()
            await conflicts.declare(session, juror, company=company, drama_id=drama_id, role=role)
        except FormInvalid as exc:
            return await form_error(
                session,
                "juror/affiliations.html",
                exc,
                **await _affiliation_context(session, juror.id),
            )
        return see_other(request, "juror.affiliations")

    @post("/affiliations/{affiliation_id:int}/withdraw", name="juror.affiliations.withdraw")
    async def withdraw(
        self, request: Request, affiliation_id: PathId, session: Session
    ) -> Redirect:
        await conflicts.withdraw(session, await session.get(Juror, request.user.id), affiliation_id)
        return see_other(request, "juror.affiliations")


async def _voted(
    request: Request, db: Database, round_: ballot_sheets.RoundHead, again: bool = False
) -> Template:
    """ "You have voted", with the names of the round's categories for the trackers the juror's
    browser may have kept (read from what opening froze: the round may be past its closing
    time and not yet closed)."""
    sheet = await db.read(
        ballot_sheets.frozen_sheet, round_.id, request.user.id, server_secret(request)
    )
    names = {trackers.field(item): item.category.name for item in sheet.categories}
    return Template(
        "juror/voted.html",
        context={"round": round_, "again": again, "names": names},
        status_code=409 if again else 200,
    )


def _ballot_again(
    sheet: ballot_sheets.BallotSheet, data: dict[str, Any], exc: casting.InvalidBallot
) -> Template:
    """The ballot page with the juror's choices and a message per category."""
    return Template(
        "juror/ballot.html",
        context={"sheet": sheet, "values": casting.form_values(sheet, data), "errors": exc.errors},
        status_code=422,
    )


def _hidden(values: dict[str, Any]) -> list[tuple[str, str]]:
    """The ballot's fields (`casting.form_values`), carried through the review page unchanged
    (never stored)."""
    return [
        (name, item)
        for name, value in values.items()
        for item in (value if isinstance(value, list) else [value])
    ]


async def _affiliation_context(session: AsyncSession, juror_id: int, q: str = "") -> dict[str, Any]:
    declared = await conflicts.list_affiliations(session, juror_id)
    wanted = {a.drama_id for a in declared if a.drama_id}
    titles = dict(
        (await session.execute(select(Drama.id, Drama.title).where(Drama.id.in_(wanted)))).all()
    )
    found = []
    if q.strip():
        found = list(
            await session.scalars(
                select(Drama)
                .where(Drama.title.contains(q.strip(), autoescape=True))
                .order_by(Drama.title)
                .limit(30)
            )
        )
    return {
        "declared": declared,
        "titles": titles,
        "q": q,
        "found": found,
        "values": {},
        "errors": {},
    }
