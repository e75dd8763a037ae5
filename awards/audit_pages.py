"""Staff: the audit log, newest first, with the state of the hash chain."""

from typing import Annotated

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template
from sqlalchemy import func, select

from awards import audit
from awards.handlers import Session
from awards.models import AuditEvent
from awards.web import requires_staff

PAGE_SIZE = 100


class AuditController(Controller):
    path = "/staff/audit"
    guards = [requires_staff]  # noqa: RUF012

    @get("/", name="audit")
    async def show(
        self, session: Session, page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1
    ) -> Template:
        total = await session.scalar(select(func.count()).select_from(AuditEvent)) or 0
        events = await session.scalars(
            select(AuditEvent)
            .order_by(AuditEvent.seq.desc())
            .limit(PAGE_SIZE)
            .offset((page - 1) * PAGE_SIZE)
        )
        return Template(
            "audit/list.html",
            context={
                "events": list(events),
                "page": page,
                "pages": max(1, -(-total // PAGE_SIZE)),
                "report": await audit.verify(session),
            },
        )
