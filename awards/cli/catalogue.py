"""`awards import` and `awards export`: the catalogue and its nominees as CSV or XLSX files."""

from pathlib import Path

import click
from rich.progress import Progress

from awards.catalogue import files as catalogue_files
from awards.cli.boundary import console, err, find_season, run
from awards.database import Database
from awards.i18n import gettext, ngettext
from awards.settings import Settings
from awards.spreadsheets import Limits


@click.command("import", help="import a CSV or XLSX file, all or nothing")
@click.argument("what", type=click.Choice(["dramas", "nominees"]))
# Not click's exists=True: its refusal is English whatever the terminal's language; a missing
# file is said by `files_problem`, as every command says it.
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--season", required=True, metavar="CODE", help="season code, e.g. 2024")
def import_file(what: str, file: Path, season: str) -> int:
    settings = Settings.from_env()
    data = file.read_bytes()

    async def work(db: Database) -> int:
        limits = Limits.of(settings)
        if what == "nominees":
            table = catalogue_files.read_nominees(file.name, data, limits)
            async with db.transaction() as session:
                found = await find_season(session, season)
                return await catalogue_files.import_nominees(session, found, table, "cli")
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(gettext("Checking %(file)s", file=file.name), total=None)
            dramas = catalogue_files.read_dramas(
                file.name,
                data,
                limits,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        async with db.transaction() as session:
            found = await find_season(session, season)
            return await catalogue_files.import_dramas(session, found, dramas, "cli")

    try:
        count = run(settings, work)
    except catalogue_files.ImportRejected as exc:
        said = ngettext(
            "%(file)s: nothing imported, %(num)s problem.",
            "%(file)s: nothing imported, %(num)s problems.",
            len(exc.errors),
            file=str(file),
        )
        err.print(said, style="red", markup=False)
        for error in exc.errors:
            value = f" “{error.value}”" if error.value else ""
            where = gettext(
                "line %(line)s, column %(column)s%(value)s",
                line=error.line,
                column=error.column or "-",
                value=value,
            )
            err.print(
                "  " + gettext("%(where)s: %(said)s", where=where, said=error.message),
                markup=False,
            )
        return 1
    said = ngettext(
        "%(num)s drama imported from %(file)s.",
        "%(num)s dramas imported from %(file)s.",
        count,
        file=str(file),
    )
    if what == "nominees":
        said = ngettext(
            "%(num)s nominee imported from %(file)s.",
            "%(num)s nominees imported from %(file)s.",
            count,
            file=str(file),
        )
    console.print(said, markup=False)
    return 0


@click.command("export", help="export the catalogue (.csv or .xlsx by file name)")
@click.argument("what", type=click.Choice(["dramas"]))
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--season", required=True, metavar="CODE", help="season code, e.g. 2024")
def export_file(what: str, file: Path, season: str) -> int:
    settings = Settings.from_env()
    fmt = "xlsx" if file.name.lower().endswith(".xlsx") else "csv"

    async def work(db: Database) -> bytes:
        async with db.transaction(write=False) as session:
            return await catalogue_files.export_dramas(
                session, await find_season(session, season), fmt
            )

    file.write_bytes(run(settings, work))
    console.print(gettext("Dramas written to %(file)s.", file=str(file)), markup=False)
    return 0
