"""`python -m ballots`: the auditor's recount and verification of the published files, with
nothing installed but Python (numpy, where it is installed, only makes large counts faster).

    python -m ballots tally --record FILE [--out FILE]
    python -m ballots verify --record FILE --results FILE [--public FILE]
    python -m ballots verify --public FILE
    python -m ballots challenge FILE

`awards tally --record` and `awards verify` run these same functions, so that the service and
an auditor who trusts nothing of it read, check and count a file with the same code. Exit codes
(the README's): tally 0 counted, 1 a ballot is not valid (each named; nothing is counted), 2 a
file cannot be read or is not a record (each problem named) or an output cannot be written;
verify 0 when every check passes, 1 when one fails (each named), 2 when a file cannot be read.

Text from a file (trackers, ids, keys) is printed with its control characters escaped: a crafted
record must not be able to send a terminal an escape sequence that hides or rewrites a failure.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from ballots.canonical import canonical_json, gc_paused, sha256_hex
from ballots.public import check_public, verify_with_public
from ballots.record import ElectionRecord, RecordError, parse_record
from ballots.tally import count
from ballots.verify import Check, Failure, check_ballots
from ballots.verify import verify as verify_files

_RED, _PLAIN = "\x1b[31m", "\x1b[0m"


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


def _red(text: str, stream: TextIO) -> str:
    """In red on a terminal (unless NO_COLOR is set), as it is anywhere else."""
    if stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb":
        return f"{_RED}{text}{_PLAIN}"
    return text


def _error(text: str) -> None:
    print(_red(_printable(text), sys.stderr), file=sys.stderr)


def _print_failures(failures: list[Failure]) -> None:
    for failure in failures:
        print(_red("FAIL", sys.stderr), _printable(str(failure)), file=sys.stderr)


def _read(path: str) -> bytes | None:
    """The file's bytes, or None once the reason it cannot be read is printed."""
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        _error(f"cannot read {path}: {exc.strerror or exc}")
        return None


def counted(path: str) -> tuple[ElectionRecord, dict] | int:
    """A record file read strictly, its ballots checked, and counted: the record and its
    results document. Or, once every problem is printed on standard error, the exit code: 2
    when the file cannot be read or is not a record, 1 when a ballot is not valid (the count
    of an invalid record means nothing, and could not even be made)."""
    data = _read(path)
    if data is None:
        return 2
    try:
        record = parse_record(data)
    except RecordError as exc:
        for where, what in exc.problems:
            _error(f"{where}: {what}")
        return 2
    if failures := check_ballots(record):
        _print_failures(failures)
        print(f"{len(failures)} ballots are not valid: nothing was counted", file=sys.stderr)
        return 1
    return record, count(record)


def tally(record_path: str, out: str | None = None) -> int:
    """Print the results document of a record file, or write it to `out`: byte for byte the
    results file the service seals, so that its SHA-256 is the published one."""
    # The record's million small objects live until the end: the collector's passes over them
    # would cost 1.5 s of a 12 s count. They are freed (by reference counting) before it resumes.
    with gc_paused():
        found = counted(record_path)
        if isinstance(found, int):
            return found
        results = canonical_json(found[1])
    if out is None:
        sys.stdout.buffer.write(results + b"\n")
        sys.stdout.flush()
        return 0
    try:
        Path(out).write_bytes(results)
    except OSError as exc:
        _error(f"cannot write {out}: {exc.strerror or exc}")
        return 2
    return 0


def verify(
    record_path: str,
    results_path: str,
    public_path: str | None = None,
    annex_path: str | None = None,
) -> int:
    """Every check of the spec on a record and its results; with `public_path`, also that the
    public record is exactly what they give; with `annex_path`, that a sealed round's record
    holds exactly the ballots its trustees decrypted from the box (`ballots.sealed.annex`:
    this needs coincurve)."""
    record, results = _read(record_path), _read(results_path)
    public = _read(public_path) if public_path is not None else b""
    annex = _read(annex_path) if annex_path is not None else b""
    if record is None or results is None or public is None or annex is None:
        return 2
    if public_path is None:
        failures = verify_files(record, results)
    else:
        failures = verify_with_public(record, results, public)
    if annex_path is not None:
        failures += _annex_failures(record, annex)
    elif b'"sealed":' in record and _is_sealed(record):
        print("this record is of a sealed round: give --annex FILE to check its decryption")
    return _verdict(failures)


def _is_sealed(data: bytes) -> bool:
    try:
        return isinstance(parse_record(data).round.get("sealed"), dict)
    except RecordError:
        return False


def _annex_failures(record_bytes: bytes, annex: bytes) -> list[Failure]:
    try:
        from ballots.sealed.annex import verify_annex
    except ImportError:
        return [Failure("annex", Check.SEALED, "checking an annex needs coincurve installed")]
    try:
        record = parse_record(record_bytes)
    except RecordError:
        return []  # its problems are the record's failures already
    return [Failure(where, Check.SEALED, what) for where, what in verify_annex(record, annex)]


def verify_public(public_path: str) -> int:
    """What anyone can check of a public record alone; its SHA-256 and the seals it names are
    printed, to be compared with those on the round's public page."""
    data = _read(public_path)
    if data is None:
        return 2
    checked = check_public(data)
    if not checked.failures:
        document = json.loads(data)  # it reads: check_public found no fault
        print(f"public record: SHA-256 {sha256_hex(data)}")
        print(f"it names the record {document['record_sha256']}")
        print(f"and the results {document['results_sha256']}")
        total = len(checked.recounted) + len(checked.withheld)
        ids = ", ".join(map(_printable, checked.recounted))
        print(f"recounted: {len(checked.recounted)} of {total} categories ({ids})")
    return _verdict(checked.failures)


def _verdict(failures: list[Failure]) -> int:
    _print_failures(failures)
    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        return 1
    print("verified: every check passed")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ballots",
        description="Recount and verify an election record with the standard library only.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    counting = sub.add_parser("tally", help="count a record file: print its results document")
    counting.add_argument("--record", required=True, metavar="FILE", help="an election record")
    counting.add_argument(
        "--out",
        metavar="FILE",
        help="write the results document to this file instead (as the service seals it)",
    )
    checking = sub.add_parser(
        "verify",
        help="check a record and its results, or a public record; exit 0 if all pass",
        description="--record and --results: the auditor's check of the full files (with "
        "--public, also that the public record is what they give); --public alone: what anyone "
        "can check of the public record.",
    )
    checking.add_argument("--record", metavar="FILE", help="the election record")
    checking.add_argument("--results", metavar="FILE", help="its results")
    checking.add_argument("--public", metavar="FILE", help="the public record")
    checking.add_argument(
        "--annex", metavar="FILE", help="a sealed round's annex: its box, mixes and decryptions"
    )
    challenging = sub.add_parser(
        "challenge",
        help="check a booth challenge: the ballot the browser sealed is the revealed choices",
    )
    challenging.add_argument("file", metavar="FILE", help="the challenge document the booth gave")
    challenging.add_argument(
        "--layout",
        metavar="FILE",
        help="the round's booth layout, from its public page: the challenge's must be the same",
    )
    from ballots.sealed.command import add_parser

    add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "tally":
        return tally(args.record, args.out)
    if args.command == "challenge":
        from ballots.sealed.challenge import run as challenge  # needs coincurve: imported late

        return challenge(args.file, args.layout)
    if args.command == "trustee":
        from ballots.sealed.command import run

        return run(args)
    if args.record is None and args.results is None and args.public is not None:
        return verify_public(args.public)
    if args.record is None or args.results is None:
        parser.error("verify needs --record and --results (the auditor's), or --public alone")
    return verify(args.record, args.results, args.public, args.annex)
