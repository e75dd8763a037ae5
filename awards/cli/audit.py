"""`awards audit verify`: recompute the audit log's hash chain."""

import click

from awards import audit as audit_log
from awards.cli.boundary import InOrder, console, err, run
from awards.database import Database
from awards.i18n import gettext
from awards.settings import Settings


@click.group(cls=InOrder, help="audit log")
def audit() -> None:
    pass


@audit.command(help="check the hash chain")
def verify() -> int:
    async def work(db: Database) -> audit_log.ChainReport:
        async with db.transaction(write=False) as session:
            return await audit_log.verify(session)

    report = run(Settings.from_env(), work)
    if report.ok:
        console.print(
            gettext(
                "Audit chain intact: %(events)s events, head %(head)s.",
                events=report.events,
                head=report.head,
            ),
            markup=False,
        )
        return 0
    err.print(
        gettext(
            "Audit chain broken at event %(event)s: %(reason)s",
            event=report.broken_at,
            reason=report.reason,
        ),
        style="red",
        markup=False,
    )
    return 1
