"""`awards staff create`: the first account, before anyone can log in to make the others."""

import sys

import click

from awards.accounts import staff_accounts
from awards.accounts.password_rules import check_new_password
from awards.accounts.passwords import Passwords
from awards.cli.boundary import InOrder, console, run
from awards.database import Database
from awards.errors import DomainError
from awards.i18n import gettext
from awards.models.staff import ADMIN, ROLES
from awards.settings import Settings


@click.group(cls=InOrder, help="staff accounts")
def staff() -> None:
    pass


def _ask(prompt: str) -> str:
    """A password typed unseen; the prompt carries its own colon (Chinese writes "密码："). With
    default="" an empty answer is a password (too short, refused by the rule) rather than a
    reason for click to ask again."""
    return click.prompt(prompt, hide_input=True, default="", show_default=False, prompt_suffix="")


def _read_new_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = _ask(gettext("Password: "))
    if first != _ask(gettext("Repeat password: ")):
        raise DomainError("The passwords do not match.")
    return first


@staff.command(help="create a staff account")
@click.argument("username")
@click.option("--name", metavar="NAME", help="display name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default=ADMIN,
    help="admin (the default: the first account must be one), election_staff or auditor",
)
@click.option("--password-stdin", is_flag=True, help="read the password from stdin")
def create(username: str, name: str | None, role: str, password_stdin: bool) -> int:
    settings = Settings.from_env()
    password = _read_new_password(password_stdin)
    check_new_password(password)
    password_hash = Passwords(settings.argon2, 1).hash_sync(password)

    async def work(db: Database) -> None:
        async with db.transaction() as session:
            await staff_accounts.create_staff(
                session, username, name or username, password_hash, role=role, actor="cli"
            )

    run(settings, work)
    console.print(gettext("Staff account %(username)s created.", username=username), markup=False)
    return 0
