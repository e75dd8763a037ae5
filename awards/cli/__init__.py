"""The `awards` command (click), one module per command group. Each subcommand is one
transaction at the script boundary, and its exit status means the same everywhere: 0 done, 1 a
check failed or a file was refused, 2 the command could not be carried out as given (a usage
error, a domain error such as an unknown season, a file that cannot be read or written), said in
one line, never as a traceback."""

import contextvars
import os
from typing import Any

import click

from awards import i18n
from awards.cli.audit import audit
from awards.cli.boundary import InOrder, err, files_problem, terminal_locale
from awards.cli.catalogue import export_file, import_file
from awards.cli.counting import tally_command, verify_command
from awards.cli.db import db
from awards.cli.rounds import rounds
from awards.cli.serve import serve
from awards.cli.staff import staff
from awards.errors import DomainError, FormInvalid
from awards.i18n import N_, gettext

# How the command line names the fields a domain function may refuse.
FIELDS = {"password": N_("Password"), "username": N_("User name"), "name": N_("Name")}


class Awards(InOrder):
    """The subcommand's return value is the exit status; a domain error is printed, in the
    operator's words, never as a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        i18n.set_locale(terminal_locale(os.environ))
        try:
            status = super().invoke(ctx)
        except FormInvalid as exc:
            for field, message in exc.errors.items():
                label = gettext(FIELDS[field]) if field in FIELDS else field
                err.print(
                    gettext("%(field)s: %(said)s", field=label, said=message),
                    style="red",
                    markup=False,
                )
            ctx.exit(2)
        except DomainError as exc:
            err.print(gettext(exc.message, **exc.params), style="red", markup=False)
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
        # In a context of its own: the language a command sets (a context variable) ends with
        # it, as it would with a process of its own (tests and scripts run it in-process).
        contextvars.copy_context().run(awards.main, args=argv, prog_name="awards")
    except SystemExit as exc:  # click's standalone mode ends every run with one
        return int(exc.code or 0)
