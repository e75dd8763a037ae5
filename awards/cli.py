"""The `awards` command. Each subcommand is one transaction at the script boundary."""

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select

import ballots.cli
from awards import audit, demo, hosts, migrate
from awards.accounts import staff_accounts
from awards.accounts.password_rules import check_new_password
from awards.accounts.passwords import Passwords
from awards.catalogue import files as catalogue_files
from awards.database import Database
from awards.errors import DomainError, FormInvalid
from awards.i18n import gettext
from awards.models import AuditEvent, Season
from awards.models.base import utcnow
from awards.models.staff import ADMIN, ROLES
from awards.results import announcement as announce
from awards.results import publication
from awards.settings import Settings
from awards.spreadsheets import Limits
from awards.voting import closing, opening, rounds, schedule, sealed_files
from ballots.canonical import canonical_json, gc_paused

# soft_wrap: a message is never broken at the 80 columns rich assumes off a terminal, so
# scripts (and tests) can search it for a phrase whatever the length of a path inside it.
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
# Text from a record file (names, labels) is printed as text: rich would read "[/]" in a label
# as markup, and raise.
record_text = Console(soft_wrap=True, markup=False, emoji=False)


def _run(settings: Settings, work: Callable[[Database], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        db = Database.from_settings(settings)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


async def _season(session: Any, code: str) -> Season:
    season = await session.scalar(select(Season).where(Season.code == code))
    if season is None:
        raise DomainError("No season with code %(code)s.", code=code)
    return season


def cmd_db_upgrade(settings: Settings, args: argparse.Namespace) -> int:
    migrate.upgrade(settings, args.revision)
    console.print(f"database at {args.revision}")
    return 0


def cmd_db_revision(settings: Settings, args: argparse.Namespace) -> int:
    migrate.make_revision(settings, args.message)
    return 0


def _read_new_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise DomainError("The passwords do not match.")
    return first


def cmd_staff_create(settings: Settings, args: argparse.Namespace) -> int:
    password = _read_new_password(args)
    check_new_password(password)
    password_hash = Passwords(settings.argon2, 1).hash_sync(password)

    async def work(db: Database) -> None:
        async with db.transaction() as session:
            await staff_accounts.create_staff(
                session,
                args.username,
                args.name or args.username,
                password_hash,
                role=args.role,
                actor="cli",
            )

    _run(settings, work)
    console.print(f"staff account {args.username} created")
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    path = Path(args.file)
    data = path.read_bytes()

    async def work(db: Database) -> int:
        limits = Limits.of(settings)
        if args.what == "nominees":
            table = catalogue_files.read_nominees(path.name, data, limits)
            async with db.transaction() as session:
                season = await _season(session, args.season)
                return await catalogue_files.import_nominees(session, season, table, "cli")
        with Progress(console=err, transient=True) as bar:
            task = bar.add_task(f"checking {path.name}", total=None)
            file = catalogue_files.read_dramas(
                path.name,
                data,
                limits,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
        async with db.transaction() as session:
            season = await _season(session, args.season)
            return await catalogue_files.import_dramas(session, season, file, "cli")

    try:
        count = _run(settings, work)
    except catalogue_files.ImportRejected as exc:
        err.print(f"[red]{path}: nothing imported, {len(exc.errors)} problems[/red]")
        for error in exc.errors:
            err.print(f"  line {error.line}, column {error.column or '-'}: {error.message}")
        return 1
    console.print(f"{count} {args.what} imported from {path}")
    return 0


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    fmt = "xlsx" if args.file.lower().endswith(".xlsx") else "csv"

    async def work(db: Database) -> bytes:
        async with db.transaction(write=False) as session:
            return await catalogue_files.export_dramas(
                session, await _season(session, args.season), fmt
            )

    Path(args.file).write_bytes(_run(settings, work))
    console.print(f"dramas written to {args.file}")
    return 0


def cmd_audit_verify(settings: Settings, args: argparse.Namespace) -> int:
    async def work(db: Database) -> audit.ChainReport:
        async with db.transaction(write=False) as session:
            return await audit.verify(session)

    report = _run(settings, work)
    if report.ok:
        console.print(f"audit chain intact: {report.events} events, head {report.head}")
        return 0
    err.print(f"[red]audit chain broken at event {report.broken_at}: {report.reason}[/red]")
    return 1


def cmd_rounds(settings: Settings, args: argparse.Namespace) -> int:
    async def work(db: Database) -> list[str]:
        now = utcnow()
        if args.rounds_command == "tick":
            return (await schedule.tick(db, now, settings)).lines() or ["nothing was due"]
        if args.rounds_command == "close":
            closed = await closing.close(db, args.round_id, now, "cli", settings)
            record_file, _seal = sealed_files.sealed_file(settings.records_dir, closed, "record")
            scrubbed = closed.code in await closing.scrub_closed(db, utcnow(), "cli")
            return [
                f"{closed.code}: {closed.state}",
                f"record: {record_file}",
                f"seal: record {closed.record_sha256}",
                f"      results {closed.results_sha256}",
                "storage scrubbed"
                if scrubbed
                else "storage not scrubbed yet: `awards rounds tick` or the server retries it",
            ]
        async with db.transaction() as session:
            round_ = await rounds.get_round(session, args.round_id, lock=True)
            await opening.open_round(session, round_, now, "cli")
            return [f"{round_.code}: {round_.state}"]

    for line in _run(settings, work):
        console.print(line)
    return 0


def _sealed_round(args: argparse.Namespace, settings: Settings) -> tuple[Any, dict]:
    """A closed round's sealed record and results, checked against its seal: never a recount
    rebuilt from the database, which may have changed since."""

    async def work(db: Database) -> Any:
        async with db.transaction(write=False) as session:
            return await rounds.get_round(session, args.round)

    return sealed_files.load(settings.records_dir, _run(settings, work))


def cmd_tally(settings: Settings, args: argparse.Namespace) -> int:
    """Count a record file, or announce a closed round from its sealed files. Exit 2: the file
    cannot be read, or is not a record; exit 1: a ballot is not valid, so nothing is counted
    (the count of an invalid record means nothing, and could not even be made)."""
    # The record's million small objects live until the end: the collector's passes over them
    # would cost 1.5 s of a 12 s tally. They are freed (by reference counting) before it resumes.
    with gc_paused():
        return _tally(settings, args)


def _tally(settings: Settings, args: argparse.Namespace) -> int:
    if args.round:
        record, document = _sealed_round(args, settings)
    else:  # read, checked and counted by the auditor's own code (`python -m ballots tally`)
        found = ballots.cli.counted(args.record)
        if isinstance(found, int):
            return found
        record, document = found
    shown = publication.visible_categories(
        record, document, settings.small_jury_threshold, full=args.full
    )
    if args.json:  # the results document is the auditor's: a small jury's counts are in it
        shown_json = document if args.full else publication.shown_document(record, shown)
        sys.stdout.buffer.write(canonical_json(shown_json) + b"\n")
    else:
        announce.print_results(record_text, shown)
    try:
        if args.html:
            Path(args.html).write_text(
                announce.html_report(record, shown, args.lang), encoding="utf-8"
            )
        if args.csv:
            announce.write_csv(Path(args.csv), shown)
    except OSError as exc:
        where = exc.filename or args.html or args.csv
        err.print(f"cannot write {where}: {exc.strerror or exc}", style="red", markup=False)
        return 2
    return 0


def cmd_verify(settings: Settings, args: argparse.Namespace) -> int:
    """`python -m ballots verify`: exit 0 when every check passes, 1 when one fails, 2 when a
    file cannot be read."""
    return ballots.cli.verify(args.record, args.results)


def ensure_demo(settings: Settings) -> demo.DemoLogin | None:
    """Load the demo season into an empty database; returns the login to print, once."""

    async def work(db: Database) -> demo.DemoLogin | None:
        async with db.transaction() as session:
            if not await demo.is_empty(session):
                return None
            has_events = await session.scalar(select(AuditEvent.seq).limit(1))
            if has_events:
                return None
            password = demo.random_password()
            password_hash = Passwords(settings.argon2, 1).hash_sync(password)
            return await demo.load(session, password_hash, password)

    return _run(settings, work)


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    try:
        url = hosts.base_url(settings) + "/"
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        return 2
    migrate.upgrade(settings)
    login = None if args.no_demo else ensure_demo(settings)
    console.print(
        f"[bold]Awards[/bold] listening on {args.host}:{args.port}, at [link={url}]{url}[/link]"
    )
    if login:
        console.print("Demo data loaded. Staff login (shown only this once):")
        console.print(f"  user name: [bold]{login.username}[/bold]")
        console.print(f"  password:  [bold]{login.password}[/bold]")
        console.print(f"Demo jurors: activate at {url}juror/activate with these one-time codes:")
        for email, code in login.juror_codes:
            console.print(f"  {email}  [bold]{code}[/bold]")
        console.print("The demo round 2024 年度终评 is open for them.")
    uvicorn.run(
        "awards.app:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="info",
        access_log=False,
        # Client addresses decide the login limits: X-Forwarded-For is believed only from the
        # proxies named (uvicorn's default believes any client on 127.0.0.1).
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=settings.trusted_proxies or None,
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="awards", description="Awards nomination and voting.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="migrate, load demo data into an empty database, serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-demo", action="store_true", help="never load demo data")
    serve.set_defaults(func=cmd_serve)

    db = sub.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True
    )
    upgrade = db.add_parser("upgrade", help="apply migrations")
    upgrade.add_argument("revision", nargs="?", default="head")
    upgrade.set_defaults(func=cmd_db_upgrade)
    revision = db.add_parser("revision", help="(developers) autogenerate a migration")
    revision.add_argument("-m", "--message", required=True)
    revision.set_defaults(func=cmd_db_revision)

    staff_cmd = sub.add_parser("staff", help="staff accounts").add_subparsers(
        dest="staff_command", required=True
    )
    create = staff_cmd.add_parser("create", help="create a staff account")
    create.add_argument("username")
    create.add_argument("--name", help="display name")
    create.add_argument(
        "--role",
        choices=ROLES,
        default=ADMIN,
        help="admin (the default: the first account must be one), election_staff or auditor",
    )
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    create.set_defaults(func=cmd_staff_create)

    imp = sub.add_parser("import", help="import a CSV or XLSX file, all or nothing")
    imp.add_argument("what", choices=["dramas", "nominees"])
    imp.add_argument("file")
    imp.add_argument("--season", required=True, help="season code, e.g. 2024")
    imp.set_defaults(func=cmd_import)

    exp = sub.add_parser("export", help="export the catalogue (.csv or .xlsx by file name)")
    exp.add_argument("what", choices=["dramas"])
    exp.add_argument("file")
    exp.add_argument("--season", required=True)
    exp.set_defaults(func=cmd_export)

    rounds_cmd = sub.add_parser("rounds", help="voting rounds").add_subparsers(
        dest="rounds_command", required=True
    )
    rounds_cmd.add_parser("tick", help="open and close the rounds whose time has come (cron)")
    for action in ("open", "close"):
        by_hand = rounds_cmd.add_parser(action, help=f"{action} a round now")
        by_hand.add_argument("round_id", type=int)
    rounds_cmd.choices["tick"].set_defaults(func=cmd_rounds)
    rounds_cmd.choices["open"].set_defaults(func=cmd_rounds)
    rounds_cmd.choices["close"].set_defaults(func=cmd_rounds)

    tally = sub.add_parser("tally", help="count a closed round or a record file and announce it")
    source = tally.add_mutually_exclusive_group(required=True)
    source.add_argument("--record", help="an election record file (no database needed)")
    source.add_argument("--round", type=int, help="a closed round in the database")
    tally.add_argument(
        "--json",
        action="store_true",
        help="print the announcement as JSON (with --full: the results document)",
    )
    tally.add_argument("--html", help="write an announcement report to this file")
    tally.add_argument("--lang", choices=["zh_CN", "en"], default="zh_CN")
    tally.add_argument("--csv", help="write one CSV per category into this folder")
    tally.add_argument(
        "--full",
        action="store_true",
        help="the auditor's report: every value, whatever each category discloses",
    )
    tally.set_defaults(func=cmd_tally)

    check = sub.add_parser("verify", help="check a record and its results; exit 0 only if all pass")
    check.add_argument("--record", required=True)
    check.add_argument("--results", required=True)
    check.set_defaults(func=cmd_verify)

    audit_cmd = sub.add_parser("audit", help="audit log").add_subparsers(
        dest="audit_command", required=True
    )
    verify = audit_cmd.add_parser("verify", help="check the hash chain")
    verify.set_defaults(func=cmd_audit_verify)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    if args.command == "serve" and args.host in ("127.0.0.1", "localhost", "::1"):
        # Plain http on loopback: a Secure cookie would never come back from the browser.
        os.environ.setdefault("AWARDS_COOKIE_SECURE", "false")
        # Nobody else can open it, so its own address is the public one.
        host = f"[{args.host}]" if ":" in args.host else args.host
        os.environ.setdefault("AWARDS_BASE_URL", f"http://{host}:{args.port}")
        settings = Settings.from_env()
    try:
        return args.func(settings, args)
    except FormInvalid as exc:
        for field, message in exc.errors.items():
            err.print(f"[red]{field}: {message}[/red]")
        return 2
    except DomainError as exc:
        err.print(f"[red]{gettext(exc.message, **exc.params)}[/red]")
        return 2


if __name__ == "__main__":
    sys.exit(main())
