"""`awards rounds`: open and close rounds now, or as their schedule says (for cron)."""

import click

from awards.cli.boundary import InOrder, console, run
from awards.database import Database
from awards.i18n import gettext
from awards.models.base import utcnow
from awards.settings import Settings
from awards.voting import closing, lifecycle, opening, schedule, sealed_files
from awards.voting import rounds as voting_rounds


@click.group(cls=InOrder, help="voting rounds")
def rounds() -> None:
    pass


def _print(lines: list[str]) -> int:
    for line in lines:
        console.print(line, markup=False)
    return 0


def _state(code: str, state: str) -> str:
    label = gettext(lifecycle.LABELS[lifecycle.State(state)])
    return gettext("%(code)s: %(state)s", code=code, state=label)


@rounds.command(help="open and close the rounds whose time has come (cron)")
def tick() -> int:
    settings = Settings.from_env()

    async def work(db: Database) -> list[str]:
        lines = (await schedule.tick(db, utcnow(), settings)).lines()
        return [str(line) for line in lines] or [gettext("Nothing was due.")]

    return _print(run(settings, work))


@rounds.command("open", help="open a round now")
@click.argument("round_id", type=int)
def open_round(round_id: int) -> int:
    async def work(db: Database) -> list[str]:
        async with db.transaction() as session:
            round_ = await voting_rounds.get_round(session, round_id, lock=True)
            await opening.open_round(session, round_, utcnow(), "cli")
            return [_state(round_.code, round_.state)]

    return _print(run(Settings.from_env(), work))


@rounds.command("close", help="close a round now")
@click.argument("round_id", type=int)
def close_round(round_id: int) -> int:
    settings = Settings.from_env()

    async def work(db: Database) -> list[str]:
        closed = await closing.close(db, round_id, utcnow(), "cli", settings)
        record_file, _seal = sealed_files.sealed_file(settings.records_dir, closed, "record")
        scrubbed = closed.code in await closing.scrub_closed(db, utcnow(), "cli")
        return [
            _state(closed.code, closed.state),
            gettext("Record: %(file)s", file=str(record_file)),
            gettext("Seal of the record: %(sha)s", sha=closed.record_sha256),
            gettext("Seal of the results: %(sha)s", sha=closed.results_sha256),
            gettext("Seal of the public record: %(sha)s", sha=closed.public_record_sha256),
            gettext("Storage scrubbed.")
            if scrubbed
            else gettext(
                "Storage not scrubbed yet: `awards rounds tick` or the server retries it."
            ),
        ]

    return _print(run(settings, work))
