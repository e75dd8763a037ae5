"""`awards import` and `awards export`: the catalogue and its nominees as CSV or XLSX files."""

from pathlib import Path

import click
from rich.progress import Progress

from awards.catalogue import files as catalogue_files
from awards.cli.boundary import console, err, find_season, run
from awards.database import Database
from awards.settings import Settings
from awards.spreadsheets import Limits


@click.command("import", help="import a CSV or XLSX file, all or nothing")
@click.argument("what", type=click.Choice(["dramas", "nominees"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
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
            task = bar.add_task(f"checking {file.name}", total=None)
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
        err.print(f"[red]{file}: nothing imported, {len(exc.errors)} problems[/red]")
        for error in exc.errors:
            value = f" “{error.value}”" if error.value else ""
            where = f"  line {error.line}, column {error.column or '-'}{value}"
            err.print(f"{where}: {error.message}", markup=False)
        return 1
    console.print(f"{count} {what} imported from {file}")
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
    console.print(f"{what} written to {file}")
    return 0
