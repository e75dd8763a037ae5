"""`awards audit verify`: recompute the audit log's hash chain."""

import click

from awards import audit as audit_log
from awards.cli.boundary import InOrder, console, err, run
from awards.database import Database
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
        console.print(f"audit chain intact: {report.events} events, head {report.head}")
        return 0
    err.print(f"[red]audit chain broken at event {report.broken_at}: {report.reason}[/red]")
    return 1
