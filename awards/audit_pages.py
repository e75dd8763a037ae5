"""Staff: the audit log, newest first, filtered, with the state of the hash chain."""

from typing import Annotated, Any

from litestar import Controller, get
from litestar.params import QueryParameter
from litestar.response import Template

from awards import audit_view
from awards.errors import FormInvalid
from awards.handlers import AppSettings, SearchText, Session
from awards.web import requires_staff

Short = Annotated[str, QueryParameter(max_length=64)]


class AuditController(Controller):
    path = "/staff/audit"
    guards = [requires_staff]  # noqa: RUF012

    @get("/", name="audit")
    async def show(
        self,
        session: Session,
        settings: AppSettings,
        page: Annotated[int, QueryParameter(ge=1, le=1_000_000)] = 1,
        action: Short = "",
        actor: SearchText = "",
        since: Short = "",
        until: Short = "",
    ) -> Template:
        values = {"action": action, "actor": actor, "since": since, "until": until}
        labels: dict[str, Any] = {
            "action_labels": audit_view.ACTION_LABELS,
            "actor_labels": audit_view.ACTOR_LABELS,
        }
        try:
            shown = audit_view.AuditFilter.parse(action, actor, since, until)
        except FormInvalid as exc:
            context: dict[str, Any] = {
                "found": None,
                "values": values,
                "errors": exc.errors,
                **labels,
            }
            return Template("audit/list.html", context=context, status_code=400)
        found = await audit_view.log_page(session, shown, page, settings.timezone)
        context = {"found": found, "shown": shown, "values": values, "errors": {}, **labels}
        return Template("audit/list.html", context=context)
