"""Staff: a round's turnout (who has voted, never how), the not-yet-voted list, and reminder
e-mails to those who have not voted."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Response, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards import hosts
from awards.handlers import (
    AppSettings,
    DatabaseService,
    FormData,
    PathId,
    Session,
    confirmation,
    confirmed,
    download,
)
from awards.i18n import Message
from awards.settings import Settings
from awards.voting import reminders, rounds, turnout
from awards.web import requires_staff


class TurnoutController(Controller):
    path = "/staff/rounds/{round_id:int}"
    guards = [requires_staff]  # noqa: RUF012

    @get("/turnout", name="round.turnout")
    async def show_turnout(
        self, round_id: PathId, session: Session, settings: AppSettings
    ) -> Template:
        return Template("rounds/turnout.html", context=await _context(session, round_id, settings))

    @get("/turnout/not-voted.csv", name="round.turnout.csv")
    async def export_not_voted(self, round_id: PathId, session: Session) -> Response[bytes]:
        round_ = await rounds.get_round(session, round_id)
        found = await turnout.turnout(session, round_id, round_.season_id)
        return download(turnout.not_voted_csv(found), f"not-voted-{round_.code}.csv")

    @post("/remind", name="round.remind")
    async def remind(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        db: DatabaseService,
        settings: AppSettings,
    ) -> Template:
        """Asks first (who gets an e-mail); then sends, outside any transaction, and shows the
        turnout page with whom the mail server refused."""
        if not confirmed(data):
            async with db.transaction(write=False) as session:
                context = await _context(session, round_id, settings)
            to = reminders.recipients(context["turnout"])
            return confirmation(
                title=Message("Remind the jurors who have not voted"),
                action=request.app.route_reverse("round.remind", round_id=round_id),
                button=Message("Send the reminders"),
                back=request.app.route_reverse("round.turnout", round_id=round_id),
                consequences=[
                    Message(
                        "%(n)s jurors who have activated their account and not voted yet get "
                        "an e-mail reminder: %(names)s",
                        n=len(to),
                        names="、".join(j.name for j in to) or "—",
                    ),
                    Message(
                        "Jurors who have never activated their account get none: they need a "
                        "new activation code (jury page)."
                    ),
                ],
                danger=False,
            )
        login_url = hosts.public_url(settings, request.app.route_reverse("juror.login"))
        done = await reminders.remind(db, round_id, settings, login_url, request.user.name)
        async with db.transaction(write=False) as session:
            context = await _context(session, round_id, settings)
        return Template("rounds/turnout.html", context={**context, "reminded": done})


async def _context(session: AsyncSession, round_id: int, settings: Settings) -> dict[str, Any]:
    round_ = await rounds.get_round(session, round_id)
    return {
        "round": round_,
        "turnout": await turnout.turnout(session, round_id, round_.season_id),
        "can_mail": bool(settings.smtp_host),
    }
