"""What every command shares at the script boundary: where its output goes, the database it
opens for its one transaction, and the season it names."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import click
from rich.console import Console
from sqlalchemy import select

from awards.database import Database
from awards.errors import DomainError
from awards.models import Season
from awards.settings import Settings

# soft_wrap: a message is never broken at the 80 columns rich assumes off a terminal, so
# scripts (and tests) can search it for a phrase whatever the length of a path inside it.
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
# Text from a record file (names, labels) is printed as text: rich would read "[/]" in a label
# as markup, and raise.
record_text = Console(soft_wrap=True, markup=False, emoji=False)


class InOrder(click.Group):
    """A group whose help lists its commands in the order they were added, as the README lists
    them (and argparse did), not sorted by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)


def files_problem(exc: OSError) -> str:
    """What went wrong with a file, in one line: "cannot use PATH: No such file or directory"."""
    if exc.filename is None:
        return str(exc)
    return f"cannot use {exc.filename}: {exc.strerror or exc}"


def run(settings: Settings, work: Callable[[Database], Awaitable[Any]]) -> Any:
    """`work` on a database opened for it, closed after."""

    async def main() -> Any:
        db = Database.from_settings(settings)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


async def find_season(session: Any, code: str) -> Season:
    season = await session.scalar(select(Season).where(Season.code == code))
    if season is None:
        raise DomainError("No season with code %(code)s.", code=code)
    return season
