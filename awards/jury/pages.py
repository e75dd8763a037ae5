"""Staff: panels, the juror roster, activation letters, and recusal decisions."""

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Response, Template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards import hosts, mail
from awards.accounts import activation, throttle
from awards.catalogue import seasons
from awards.csv_files import csv_bytes
from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import AppSettings, FormData, PathId, Session, form_error, see_other
from awards.i18n import _
from awards.jury import conflicts, jurors
from awards.jury.recusals import effective_recusals
from awards.models import Nominee, RecusalDecision
from awards.models.base import utcnow
from awards.spreadsheets import ImportRejected, Limits, read_in_thread
from awards.web import requires_staff, rollback_only

UploadData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
DECISIONS = {"recuse": "recuse", "lift": "lift", "clear": "clear"}
RECUSED = {"recuse": True, "lift": False, "clear": None}
CODE_FORMATS = {"letters": "letters", "csv": "csv", "email": "email"}


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
            await jurors.create_panel(
                session, context["season"], jurors.PanelForm.parse(data), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/roster.html",
                exc,
                **context,
            )
        return see_other(request, "jury", season_id=season_id)

    @post("/seasons/{season_id:int}/jurors", name="juror.create")
    async def create_juror(
        self, request: Request, season_id: PathId, data: FormData, session: Session
    ) -> Template | Redirect:
        context = await self._context(session, season_id)
        known = {p.code for p in context["panels"]}
        try:
            await jurors.save_juror(
                session, context["season"], jurors.JurorForm.parse(data, known), request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/roster.html",
                exc,
                **context,
            )
        return see_other(request, "jury", season_id=season_id)

    @get("/seasons/{season_id:int}/jurors/{juror_id:int}", name="juror.edit")
    async def edit_juror(
        self,
        season_id: PathId,
        juror_id: PathId,
        session: Session,
        unlocked: FromQuery[bool] = False,
    ) -> Template:
        context = await _juror_context(session, season_id, juror_id)
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
        return see_other(request, "jury", season_id=season_id)

    @post("/seasons/{season_id:int}/jurors/{juror_id:int}/recusals", name="juror.recusal")
    async def decide_recusal(
        self,
        request: Request,
        season_id: PathId,
        juror_id: PathId,
        data: FormData,
        session: Session,
    ) -> Template | Redirect:
        context = await _juror_context(session, season_id, juror_id)
        fields = Fields(data)
        nominee_id = fields.id("nominee_id")
        decision = fields.choice("decision", DECISIONS)
        reason = fields.text("reason", max_length=300)
        try:
            fields.finish()
            await conflicts.decide(
                session, context["juror"], nominee_id, RECUSED[decision], reason, request.user.name
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "jury/juror.html",
                exc,
                **context,
            )
        return see_other(request, "juror.edit", season_id=season_id, juror_id=juror_id)

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
        fields = Fields(data)
        upload = fields.upload("file")
        try:
            fields.finish()
            content = await upload.read()
            # Read and checked before the writing transaction's first statement.
            roster = await read_in_thread(
                jurors.read_roster, upload.filename, content, Limits.of(settings)
            )
            context = await self._context(session, season_id)
            await jurors.import_roster(session, context["season"], roster, request.user.name)
        except FormInvalid as exc:
            rollback_only(session)
            context = {**await self._context(session, season_id), "problem": exc.errors["file"]}
            return Template("jury/roster.html", context=context, status_code=422)
        except ImportRejected as exc:
            rollback_only(session)
            context = {**await self._context(session, season_id), "rejected": exc.errors}
            context["filename"] = upload.filename if upload else ""
            return Template("jury/roster.html", context=context, status_code=422)
        return see_other(request, "jury", season_id=season_id)

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
        print, one juror per page, or as a CSV file."""
        context = await self._context(session, season_id)
        fields = Fields(data)
        wanted = set(fields.ids("juror_ids"))
        fmt = fields.choice("format", CODE_FORMATS, required=False) or "letters"
        fields.finish()
        chosen = [j for j in context["jurors"] if j.id in wanted]
        if not chosen or len(chosen) < len(wanted):
            rollback_only(session)
            return Template(
                "jury/roster.html",
                context={**context, "problem": _("Choose the jurors who get a new code.")},
                status_code=422,
            )
        if fmt == "email" and not settings.smtp_host:
            raise FormInvalid({"format": _("No mail server is configured (AWARDS_SMTP_HOST).")})
        issued = await activation.issue_codes(
            session, chosen, utcnow(), settings.activation_days, request.user.name
        )
        login_url = hosts.public_url(settings, request.app.route_reverse("juror.activate"))
        if fmt == "email":
            smtp = mail.SmtpSettings(
                settings.smtp_host,
                settings.smtp_port,
                settings.smtp_username,
                settings.smtp_password,
                settings.smtp_sender,
                settings.smtp_starttls,
                settings.smtp_ca_file,
            )
            # Commit before the first e-mail: a code must be valid when it arrives, and SQLite's
            # write lock must not be held (stalling every cast) while a mail server answers.
            await session.commit()
            delivery = await mail.send_codes(smtp, issued, login_url)
            return Template(
                "jury/roster.html",
                context={
                    **context,
                    "sent": len(issued) - len(delivery.unsent),
                    "unsent": [item.juror for item in delivery.unsent],
                    "mail_problem": delivery.problem,
                },
            )
        if fmt == "csv":
            rows = [
                [
                    item.juror.name,
                    item.juror.organisation,
                    item.juror.email,
                    item.code,
                    item.expires_at.date().isoformat(),
                    login_url,
                ]
                for item in issued
            ]
            return Response(
                csv_bytes(["姓名", "单位", "邮箱", "激活码", "有效期至", "激活地址"], rows),
                media_type="text/csv; charset=utf-8",
                headers={"content-disposition": 'attachment; filename="activation-codes.csv"'},
            )
        return Template(
            "jury/letters.html",
            context={"season": context["season"], "issued": issued, "login_url": login_url},
        )


async def _juror_context(session: Any, season_id: int, juror_id: int) -> dict[str, Any]:
    season = await seasons.get_season(session, season_id)
    juror = await jurors.get_juror(session, juror_id)
    nominees = list(
        await session.scalars(
            select(Nominee)
            .join(Nominee.category)
            .where(Nominee.category.has(season_id=season_id))
            .options(selectinload(Nominee.drama), selectinload(Nominee.category))
        )
    )
    recusals = await effective_recusals(session, [juror.id], nominees)
    decisions = {
        d.nominee_id: d
        for d in await session.scalars(
            select(RecusalDecision).where(RecusalDecision.juror_id == juror.id)
        )
    }
    return {
        "season": season,
        "juror": juror,
        "panels": await jurors.list_panels(session, season_id),
        "nominees": nominees,
        "recusals": {n: r for (_j, n), r in recusals.items()},
        "decisions": decisions,
        "affiliations": await conflicts.list_affiliations(session, juror.id),
        "values": {
            "name": juror.name,
            "organisation": juror.organisation,
            "email": juror.email,
            "phone": juror.phone,
            "panels": [p.code for p in juror.panels if p.season_id == season_id],
        },
        "errors": {},
    }
