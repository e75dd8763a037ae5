"""The `awards` command (click), one module per command group. Each subcommand is one
transaction at the script boundary, and its exit status means the same everywhere: 0 done, 1 a
check failed or a file was refused, 2 the command could not be carried out as given (a usage
error, a domain error such as an unknown season, a file that cannot be read or written), said in
one line, never as a traceback."""

from typing import Any

import click

from awards.cli.audit import audit
from awards.cli.boundary import InOrder, err, files_problem
from awards.cli.catalogue import export_file, import_file
from awards.cli.counting import tally_command, verify_command
from awards.cli.db import db
from awards.cli.rounds import rounds
from awards.cli.serve import serve
from awards.cli.staff import staff
from awards.errors import DomainError, FormInvalid
from awards.i18n import gettext


class Awards(InOrder):
    """The subcommand's return value is the exit status; a domain error is printed, in the
    operator's words, never as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            status = super().invoke(ctx)
        except FormInvalid as exc:
            for field, message in exc.errors.items():
                err.print(f"[red]{field}: {message}[/red]")
            ctx.exit(2)
        except DomainError as exc:
            err.print(f"[red]{gettext(exc.message, **exc.params)}[/red]")
            ctx.exit(2)
        except OSError as exc:  # a file named on the command line: missing, a folder, locked...
            err.print(files_problem(exc), style="red", markup=False)
            ctx.exit(2)
        ctx.exit(status or 0)


@click.group(
    cls=Awards,
    help="Awards nomination and voting.",
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
)
def awards() -> None:
    pass


for command in (
    serve,
    db,
    staff,
    import_file,
    export_file,
    rounds,
    tally_command,
    verify_command,
    audit,
):
    awards.add_command(command)


def main(argv: list[str] | None = None) -> int:
    """The entry point (`awards`, `python -m awards`, and tests in-process): runs the command
    on `argv` (default: the process's arguments) and returns its exit status."""
    try:
        awards.main(args=argv, prog_name="awards")
    except SystemExit as exc:  # click's standalone mode ends every run with one
        return int(exc.code or 0)
