"""Staff: panels, the juror roster, activation letters, and recusal decisions."""

from dataclasses import dataclass
from typing import Annotated, Any, cast

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery, QueryParameter
from litestar.response import Redirect, Response, Template

from awards import hosts, i18n, removal
from awards.accounts import throttle
from awards.catalogue import seasons
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import (
    AppSettings,
    FormData,
    PathId,
    SearchText,
    Session,
    confirmation,
    confirmed,
    download,
    form_error,
    read_upload,
    see_other,
    upload_name,
)
from awards.i18n import Message
from awards.jury import codes, conflicts, jurors, recusals
from awards.models.base import utcnow
from awards.spreadsheets import ImportRejected
from awards.web import requires_staff, rollback_only

UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
DECISIONS = {"recuse": "recuse", "lift": "lift", "clear": "clear"}
RECUSED = {"recuse": True, "lift": False, "clear": None}
DECIDED = {
    "recuse": Message(
        "Recusal recorded: the register of recusals shows it with its public reason."
    ),
    "lift": Message("Recusal lifted (the note is for staff only)."),
    "clear": Message("Decision removed: the declarations decide the recusal again."),
}
CODE_FORMATS = {how: how for how in codes.FORMATS}
CODE_ADDRESSEES = {who: who for who in codes.WHO}
SHOWN = {shown: shown for shown in conflicts.SHOWN}


class JuryController(Controller):
    path = "/staff"
    guards = [requires_staff]  # noqa: RUF012

    async def _context(self, session: Any, season_id: int) -> dict[str, Any]:
        season = await seasons.get_season(session, season_id)
        return {
            "season": season,
            "panels": await jurors.list_panels(session, season_id),
            "jurors": await jurors.list_jurors(session, season_id),
            "values": {},
            "errors": {},
        }

    @get("/seasons/{season_id:int}/jury", name="jury")
    async def roster(self, season_id: PathId, session: Session) -> Template:
        return Template("jury/roster.html", context=await self._context(session, season_id))

    @post("/seasons/{season_id:int}/panels", name="panel.create")
    async def create_panel(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        context = await self._context(session, season_id)
        try:
            panel = await jurors.create_panel(
                session, context["season"], jurors.PanelForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/roster.html",
                exc,
                **context,
            )
        done = Message("Panel “%(name)s” created.", name=panel.name)
        return see_other(request, "jury", season_id=season_id, done=done)

    @post("/seasons/{season_id:int}/jurors", name="juror.create")
    async def create_juror(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        context = await self._context(session, season_id)
        known = {p.code for p in context["panels"]}
        try:
            juror = await jurors.save_juror(
                session, context["season"], jurors.JurorForm.parse(data, known), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/roster.html",
                exc,
                **context,
            )
        done = Message("Juror “%(name)s” added.", name=juror.name)
        return see_other(request, "jury", season_id=season_id, done=done)

    @get("/seasons/{season_id:int}/jurors/{juror_id:int}", name="juror.edit")
    async def edit_juror(
        self,
        season_id: PathId,
        juror_id: PathId,
        session: Session,
        unlocked: FromQuery[bool] = False,
        q: SearchText = "",
        show: Annotated[str | None, QueryParameter(pattern="^(recused|all)$")] = None,
        page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1,
    ) -> Template:
        """The juror, and the recusal table filtered: by default the recusals in force and
        staff decisions, or every nominee (`show=all`, and any search), a page at a time."""
        shown = RecusalFilter.of(q, show, page)
        context = await _juror_context(session, season_id, juror_id, shown)
        return Template("jury/juror.html", context={**context, "unlocked": unlocked})

    @post("/seasons/{season_id:int}/jurors/{juror_id:int}", name="juror.update")
    async def update_juror(
        self,
        request: Request,
        season_id: PathId,
        juror_id: PathId,
        data: FormData,
        session: Session,
    ) -> Template | Redirect:
        context = await _juror_context(session, season_id, juror_id)
        known = {p.code for p in context["panels"]}
        try:
            form = jurors.JurorForm.parse(data, known)
            await jurors.save_juror(
                session, context["season"], form, request.user.name, juror=context["juror"]
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/juror.html",
                exc,
                **context,
            )
        done = Message("Juror “%(name)s” saved.", name=form.name)
        return see_other(request, "jury", season_id=season_id, done=done)

    @post("/seasons/{season_id:int}/jurors/{juror_id:int}/recusals", name="juror.recusal")
    async def decide_recusal(
        self,
        request: Request,
        season_id: PathId,
        juror_id: PathId,
        data: FormData,
        session: Session,
    ) -> Template | Redirect:
        fields = Fields(data)
        nominee_id = fields.id("nominee_id")
        decision = fields.choice("decision", DECISIONS)
        reason = fields.text("reason", max_length=300)
        note = fields.text("note", max_length=2000)
        # The table's filter, so that staff come back to the rows they were deciding on.
        shown = RecusalFilter.of(
            fields.text("q", max_length=200),
            fields.choice("show", SHOWN, required=False),
            fields.integer("page", minimum=1, maximum=1_000_000, required=False) or 1,
        )
        context = await _juror_context(session, season_id, juror_id, shown)
        try:
            fields.finish()
            nominee_id = cast(int, nominee_id)  # finish() has raised if there was none
            await conflicts.decide(
                session,
                context["juror"],
                nominee_id,
                RECUSED[decision],
                reason,
                note,
                request.user.name,
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/juror.html",
                exc,
                **context,
            )
        return see_other(
            request,
            "juror.edit",
            season_id=season_id,
            juror_id=juror_id,
            query=shown.params,
            done=DECIDED[decision],
        )

    @post("/seasons/{season_id:int}/jurors/{juror_id:int}/unlock", name="juror.unlock")
    async def unlock_juror(
        self, request: Request, season_id: PathId, juror_id: PathId, session: Session
    ) -> Redirect:
        """Lift the limits on wrong passwords for this juror's e-mail, from every address."""
        juror = await jurors.get_juror(session, juror_id)
        await throttle.unlock(session, "juror", juror.email, request.user.name)
        path = request.app.route_reverse("juror.edit", season_id=season_id, juror_id=juror_id)
        return Redirect(path=f"{path}?unlocked=1", status_code=303)

    @post("/seasons/{season_id:int}/jurors/import", name="jury.import")
    async def import_roster(
        self,
        request: Request,
        season_id: PathId,
        data: UploadData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Redirect:
        try:
            upload = await read_upload(data, jurors.read_roster, settings)
            context = await self._context(session, season_id)
            count = await jurors.import_roster(
                session, context["season"], upload.table, request.user.name
            )
        except FormInvalid as exc:
            rollback_only(session)
            context = {**await self._context(session, season_id), "problem": exc.errors["file"]}
            return Template("jury/roster.html", context=context, status_code=422)
        except ImportRejected as exc:
            rollback_only(session)
            context = {**await self._context(session, season_id), "rejected": exc.errors}
            context["filename"] = upload_name(data)
            return Template("jury/roster.html", context=context, status_code=422)
        done = Message("Roster imported: %(n)s jurors.", n=count)
        return see_other(request, "jury", season_id=season_id, done=done)

    @post("/seasons/{season_id:int}/panels/{panel_id:int}/remove", name="panel.remove")
    async def remove_panel(
        self, request: Request, season_id: PathId, panel_id: PathId, session: Session
    ) -> Redirect:
        panel = await jurors.get_panel(session, season_id, panel_id)
        await removal.remove_panel(session, panel, request.user.name)
        done = Message("Panel “%(name)s” removed.", name=panel.name)
        return see_other(request, "jury", season_id=season_id, done=done)

    @post("/seasons/{season_id:int}/jurors/{juror_id:int}/remove", name="juror.remove")
    async def remove_juror(
        self, request: Request, season_id: PathId, juror_id: PathId, session: Session
    ) -> Redirect:
        season = await seasons.get_season(session, season_id)
        juror = await jurors.get_juror(session, juror_id)
        name = juror.name
        await removal.remove_juror(session, season, juror_id, request.user.name)
        done = Message("Juror “%(name)s” removed from this season.", name=name)
        return see_other(request, "jury", season_id=season_id, done=done)

    @post("/seasons/{season_id:int}/jurors/codes", name="jury.codes")
    async def issue_codes(
        self,
        request: Request,
        season_id: PathId,
        data: FormData,
        session: Session,
        settings: AppSettings,
    ) -> Template | Response[bytes]:
        """New activation codes for the chosen jurors, shown in this answer only: as letters to
        print, one juror per page, or as a CSV file; or e-mailed, each to its juror."""
        context = await self._context(session, season_id)
        fields = Fields(data)
        ticked = set(fields.ids("juror_ids"))
        who = fields.choice("who", CODE_ADDRESSEES, required=False) or "chosen"
        how = fields.choice("format", CODE_FORMATS, required=False) or "letters"
        fields.finish()
        wanted = codes.addressees(context["jurors"], ticked, who)
        login_url = hosts.public_url(settings, request.app.route_reverse("juror.activate"))
        try:
            if not confirmed(data) and (
                undone := await codes.replacing(session, context["jurors"], wanted)
            ):
                return confirmation(
                    title=Message("Issue new activation codes"),
                    action=request.app.route_reverse("jury.codes", season_id=season_id),
                    button=Message("Issue the new codes"),
                    back=request.app.route_reverse("jury", season_id=season_id),
                    consequences=undone,
                    fields=[("juror_ids", str(j)) for j in sorted(wanted)]
                    + [("who", "chosen"), ("format", how)],
                )
            done = await codes.issue(
                session,
                context["jurors"],
                wanted,
                how,
                settings,
                login_url,
                utcnow(),
                request.user.name,
                season=context["season"],
            )
        except codes.NoJurorChosen as exc:
            rollback_only(session)
            context = {**context, "problem": i18n.gettext(exc.message)}
            return Template("jury/roster.html", context=context, status_code=422)
        if done.delivery is not None:
            unsent = done.delivery.unsent
            context = {
                **context,
                "sent": len(done.issued) - len(unsent),
                "unsent": [item.juror for item in unsent],
                "mail_problem": done.delivery.problem,
            }
            return Template("jury/roster.html", context=context)
        if how == "csv":
            return download(codes.codes_csv(done.issued, login_url), "activation-codes.csv")
        return Template(
            "jury/letters.html",
            context={
                "season": context["season"],
                "issued": done.issued,
                "login_url": login_url,
                "qr": codes.qr_svg(login_url),
                "windows": await codes.voting_windows(session, season_id),
                "contact": settings.contact,
            },
        )


@dataclass(frozen=True)
class RecusalFilter:
    """What the juror page's recusal table shows: a search, "recused" or "all", a page."""

    q: str = ""
    show: str = "recused"
    page: int = 1

    @classmethod
    def of(cls, q: str, show: str | None, page: int) -> "RecusalFilter":
        """A search looks through every nominee unless told otherwise."""
        return cls(q.strip(), show or ("all" if q.strip() else "recused"), page)

    @property
    def params(self) -> dict[str, str]:
        return {"q": self.q, "show": self.show, "page": str(self.page)}


async def _juror_context(
    session: Any, season_id: int, juror_id: int, shown: RecusalFilter | None = None
) -> dict[str, Any]:
    season = await seasons.get_season(session, season_id)
    juror = await jurors.get_juror(session, juror_id)
    found = await conflicts.juror_conflicts(session, juror.id, season_id)
    shown = shown or RecusalFilter()
    return {
        "season": season,
        "juror": juror,
        "panels": await jurors.list_panels(session, season_id),
        "rows": conflicts.recusal_rows(found, shown.q, shown.show, shown.page),
        "shown": shown,
        "public_reasons": recusals.PUBLIC_REASONS,
        "recusals": found.recusals,
        "left_out": await conflicts.ranked_left_out(session, juror.id, found),
        "decisions": found.decisions,
        "affiliations": found.affiliations,
        "titles": found.titles,
        "values": {
            "name": juror.name,
            "organisation": juror.organisation,
            "email": juror.email,
            "phone": juror.phone,
            "panels": [p.code for p in juror.panels if p.season_id == season_id],
        },
        "errors": {},
    }
