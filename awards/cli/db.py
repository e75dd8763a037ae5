"""`awards db`: the schema, by the migrations."""

import click

from awards import migrate
from awards.cli.boundary import InOrder, console
from awards.i18n import gettext
from awards.settings import Settings


@click.group(cls=InOrder, help="database schema")
def db() -> None:
    pass


@db.command(help="apply migrations")
@click.argument("revision", default="head")
def upgrade(revision: str) -> int:
    migrate.upgrade(Settings.from_env(), revision)
    console.print(gettext("Database at revision %(revision)s.", revision=revision), markup=False)
    return 0


@db.command(help="(developers) autogenerate a migration")
@click.option("-m", "--message", required=True, help="what the migration does")
def revision(message: str) -> int:
    migrate.make_revision(Settings.from_env(), message)
    return 0
