"""Jurors: declaring affiliations (conflicts of interest: companies, roles in works) and
withdrawing them. What recusals follow is `awards.jury.recusals`."""

from typing import Any

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from awards.errors import FormInvalid
from awards.forms import Fields
from awards.handlers import FormData, PathId, SearchText, Session, form_error, see_other
from awards.i18n import Message
from awards.jury import conflicts
from awards.web import requires_juror


class DeclarationController(Controller):
    path = "/juror"
    guards = [requires_juror]  # noqa: RUF012

    @get("/affiliations", name="juror.affiliations")
    async def affiliations(
        self, request: Request, session: Session, q: SearchText = ""
    ) -> Template:
        context = await _context(session, request.user.id, q)
        return Template("juror/affiliations.html", context=context)

    @post("/affiliations", name="juror.affiliations.add")
    async def declare(
        self, request: Request, data: FormData, session: Session
    ) -> Template | Redirect:
        fields = Fields(data)
        company, role = fields.text("company", max_length=300), fields.text("role")
        drama_id = fields.id("drama_id", required=False)
        try:
            fields.finish()
            await conflicts.declare(
                session, request.user.id, company=company, drama_id=drama_id, role=role
            )
        except FormInvalid as exc:
            return await form_error(
                session,
                "juror/affiliations.html",
                exc,
                **await _context(session, request.user.id),
            )
        return see_other(request, "juror.affiliations", done=Message("Declaration recorded."))

    @post("/affiliations/{affiliation_id:int}/withdraw", name="juror.affiliations.withdraw")
    async def withdraw(
        self, request: Request, affiliation_id: PathId, session: Session
    ) -> Redirect:
        await conflicts.withdraw(session, request.user.id, affiliation_id)
        return see_other(request, "juror.affiliations", done=Message("Declaration withdrawn."))


async def _context(session: AsyncSession, juror_id: int, q: str = "") -> dict[str, Any]:
    page = await conflicts.declarations(session, juror_id, q)
    return {
        "declared": page.declared,
        "titles": page.titles,
        "q": q,
        "found": page.found,
        "values": {},
        "errors": {},
    }
