"""`awards tally` and `awards verify`: count an election record, or announce a closed round
from its sealed files, and check a record against its results. A record file needs no
database."""

import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click

import ballots.cli
from awards import i18n
from awards.cli.boundary import err, files_problem, record_text, run
from awards.database import Database
from awards.i18n import N_
from awards.results import announcement as announce
from awards.results import publication
from awards.settings import Settings
from awards.voting import rounds, sealed_files
from ballots.canonical import canonical_json, gc_paused


def _sealed_round(args: SimpleNamespace, settings: Settings) -> tuple[Any, dict, dict]:
    """A closed round's sealed record and results, checked against its seal (never a recount
    rebuilt from the database, which may have changed since), and its shortlist sizes."""

    async def work(db: Database) -> Any:
        async with db.transaction(write=False) as session:
            round_ = await rounds.get_round(session, args.round)
            return round_, await publication.shortlist_sizes(session, round_)

    round_, sizes = run(settings, work)
    return (*sealed_files.load(settings.records_dir, round_), sizes)


def cmd_tally(settings: Settings, args: SimpleNamespace) -> int:
    """Count a record file, or announce a closed round from its sealed files. Exit 2: the file
    cannot be read, or is not a record; exit 1: a ballot is not valid, so nothing is counted
    (the count of an invalid record means nothing, and could not even be made)."""
    # The record's million small objects live until the end: the collector's passes over them
    # would cost 1.5 s of a 12 s tally. They are freed (by reference counting) before it resumes.
    with gc_paused():
        return _tally(settings, args)


def _tally(settings: Settings, args: SimpleNamespace) -> int:
    # Not the terminal's language: an announcement is in the one asked for (Chinese unless
    # --lang en), and so is all the command prints, the CSV files and the report.
    i18n.set_locale(args.lang)
    lang = args.lang
    sizes: dict[str, int | None] = {}
    if args.round:
        record, document, sizes = _sealed_round(args, settings)
    else:  # read, checked and counted by the auditor's own code (`python -m ballots tally`)
        found = ballots.cli.counted(args.record)
        if isinstance(found, int):
            return found
        record, document = found
    shown = publication.visible_categories(
        record,
        document,
        settings.small_jury_threshold,
        full=args.full,
        english=lang == "en",
        shortlist_sizes=sizes,
    )
    if args.json:  # the results document is the auditor's: a small jury's counts are in it
        shown_json = document if args.full else publication.shown_document(record, shown)
        sys.stdout.buffer.write(canonical_json(shown_json) + b"\n")
    else:
        announce.print_results(record_text, shown)
    try:
        if args.html:
            Path(args.html).write_text(announce.html_report(record, shown, lang), encoding="utf-8")
        if args.csv:
            announce.write_csv(Path(args.csv), shown)
    except OSError as exc:
        exc.filename = exc.filename or args.html or args.csv
        cannot_write = N_("Cannot write %(file)s: %(problem)s.")
        err.print(files_problem(exc, cannot_write), style="red", markup=False)
        return 2
    return 0


def cmd_verify(settings: Settings, args: SimpleNamespace) -> int:
    """`python -m ballots verify` (the auditor's, or with `--public` alone the public's): exit 0
    when every check passes, 1 when one fails, 2 when a file cannot be read."""
    if args.record is None and args.results is None and args.public is not None:
        return ballots.cli.verify_public(args.public)
    return ballots.cli.verify(args.record, args.results, args.public)


@click.command("tally", help="count a closed round or a record file and announce it")
@click.option("--record", metavar="FILE", help="an election record file (no database needed)")
@click.option("--round", type=int, metavar="ID", help="a closed round in the database")
@click.option(
    "--json",
    is_flag=True,
    help="print the announcement as JSON (with --full: the results document)",
)
@click.option("--html", metavar="FILE", help="write an announcement report to this file")
@click.option(
    "--lang",
    type=click.Choice(["zh_CN", "en"]),
    default="zh_CN",
    help="the language of the announcement, its CSV files, its report and all it prints",
)
@click.option("--csv", metavar="DIR", help="write one CSV per category into this folder")
@click.option(
    "--full",
    is_flag=True,
    help="the auditor's report: every value, whatever each category discloses",
)
def tally_command(**options: Any) -> int:
    if options["record"] is None and options["round"] is None:
        raise click.UsageError("one of the options --record --round is required")
    if options["record"] is not None and options["round"] is not None:
        raise click.UsageError("--round is not allowed with --record")
    return cmd_tally(Settings.from_env(), SimpleNamespace(**options))


@click.command(
    "verify",
    help="check a record and its results (with --public: and the public record made from "
    "them), or a public record alone (--public); exit 0 only if all pass",
)
@click.option("--record", metavar="FILE", help="the election record file")
@click.option("--results", metavar="FILE", help="its results file")
@click.option("--public", metavar="FILE", help="the round's public record")
def verify_command(**options: Any) -> int:
    only_public = options["record"] is None and options["results"] is None
    if not only_public and (options["record"] is None or options["results"] is None):
        raise click.UsageError("--record and --results go together (or --public alone)")
    if only_public and options["public"] is None:
        raise click.UsageError("give --record and --results, or --public")
    return cmd_verify(Settings.from_env(), SimpleNamespace(**options))
