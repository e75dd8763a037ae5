"""Staff: the audit log, newest first, with the state of the hash chain."""

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from awards import audit
from awards.handlers import Session
from awards.web import requires_staff


class AuditController(Controller):
    path = "/staff/audit"
    guards = [requires_staff]  # noqa: RUF012

    @get("/", name="audit")
    async def show(
        self, session: Session, page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1
    ) -> Template:
        found = await audit.log_page(session, page)
        return Template(
            "audit/list.html",
            context={
                "events": found.events,
                "page": page,
                "pages": found.pages,
                "report": found.report,
            },
        )
