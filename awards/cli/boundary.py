"""What every command shares at the script boundary: its language, where its output goes, the
database it opens for its one transaction, and the season it names."""

import asyncio
import errno
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import click
from rich.console import Console
from sqlalchemy import select

from awards import i18n
from awards.database import Database
from awards.errors import DomainError
from awards.i18n import N_, gettext
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


def terminal_locale(environ: Mapping[str, str]) -> str:
    """The operator's language, read as Unix tools read it: the first of LC_ALL, LC_MESSAGES
    and LANG that is set. English where it names English; else Chinese, the association's
    language (also for C and POSIX, what a server or cron often has). Every line a command
    prints follows it (`tally --lang` chooses for its announcement and all it prints)."""
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name):
            return "en" if value.lower().startswith("en") else i18n.DEFAULT_LOCALE
    return i18n.DEFAULT_LOCALE


# The system's words for a file's problems are English whatever the terminal's language.
_FILE_PROBLEMS = {
    errno.ENOENT: N_("no such file or folder"),
    errno.EISDIR: N_("it is a folder"),
    errno.ENOTDIR: N_("a part of the path is not a folder"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("permission denied"),
    errno.ENOSPC: N_("the disk is full"),
    errno.EEXIST: N_("something of that name is already there"),
}


def files_problem(exc: OSError, doing: str = N_("Cannot use %(file)s: %(problem)s.")) -> str:
    """What went wrong with a file, in one line: "Cannot use PATH: no such file or folder."
    (`doing`: another message with the same parameters, "Cannot write...")."""
    problem = _FILE_PROBLEMS.get(exc.errno or 0)
    said = gettext(problem) if problem else (exc.strerror or str(exc))
    if exc.filename is None:
        return said
    return gettext(doing, file=exc.filename, problem=said)


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
