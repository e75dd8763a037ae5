"""Staff: the shortlist review of a closed nomination round, and the final round made from it."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from awards.errors import FormInvalid
from awards.handlers import AppSettings, DatabaseService, FormData, PathId, form_error, see_other
from awards.i18n import Message
from awards.voting import finals
from awards.web import requires_staff


class ShortlistController(Controller):
    path = "/staff/rounds/{round_id:int}"
    guards = [requires_staff]  # noqa: RUF012

    @get("/shortlist", name="round.shortlist")
    async def review(
        self, round_id: PathId, db: DatabaseService, settings: AppSettings
    ) -> Template:
        found = await finals.review(db, round_id, settings)
        return Template("rounds/shortlist.html", context=_context(found, {}, {}))

    @post("/final", name="round.final")
    async def create_final(
        self,
        request: Request,
        round_id: PathId,
        data: FormData,
        db: DatabaseService,
        settings: AppSettings,
    ) -> Template | Redirect:
        try:
            final = await finals.create_final(db, round_id, data, settings, request.user.name)
        except FormInvalid as exc:
            found = await finals.review(db, round_id, settings)
            async with db.transaction(write=False) as session:
                return await form_error(
                    session, "rounds/shortlist.html", exc, **_context(found, {}, {})
                )
        done = Message(
            "Final round “%(name)s” created: set each category's method and check its "
            "nominees before opening.",
            name=final.name,
        )
        return see_other(request, "round", round_id=final.id, done=done)


def _context(found: finals.Review, values: dict[str, Any], errors: dict[str, Any]) -> dict:
    return {
        "round": found.source,
        "proposals": found.proposals,
        "values": values,
        "errors": errors,
    }
