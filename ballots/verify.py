"""Verification of an election record and its results, from the files alone.

Every check of spec/election-record.md, each failure named by where (category, ballot tracker)
and what: format, ids, ballots sorted by tracker and trackers unique, every ballot valid,
counts (ballots = participants <= eligible jurors, recusals within participants), Merkle roots,
the seed against its published hash, the results' hash of the record, and the whole tally.
"""

import hashlib
import json
import re
from dataclasses import dataclass

from ballots.canonical import gc_paused
from ballots.content import METHODS, plainly_valid, problem
from ballots.record import RESULTS_FORMAT, ElectionRecord, RecordError, parse_record
from ballots.tally import count

ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
TRACKER_RE = re.compile(r"[0-9a-f]{32}")
HEX64_RE = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Failure:
    where: str
    check: str
    detail: str

    def __str__(self) -> str:
        return f"{self.where}: {self.check}: {self.detail}"


def _record_failures(record: ElectionRecord) -> list[Failure]:
    failures: list[Failure] = []

    def fail(where: str, check: str, detail: str) -> None:
        failures.append(Failure(where, check, detail))

    tie_break = record.round.get("tie_break", {})
    seed, seed_hash = tie_break.get("seed", ""), tie_break.get("seed_sha256", "")
    if not (isinstance(seed, str) and HEX64_RE.fullmatch(seed)):
        fail("round", "seed", "the seed is not 32 bytes in hex")
    elif hashlib.sha256(bytes.fromhex(seed)).hexdigest() != seed_hash:
        fail("round", "seed", "the seed does not match its published SHA-256")
    if not ID_RE.fullmatch(str(record.round.get("id", ""))):
        fail("round", "id", "the round id is not a valid id")
    seen_trackers: set[str] = set()
    category_ids: set[str] = set()
    for category in record.categories:
        where = f"category {category.id}"
        if not ID_RE.fullmatch(str(category.id)) or category.id in category_ids:
            fail(where, "id", "category id invalid or used twice")
        category_ids.add(category.id)
        if category.method not in METHODS:
            fail(where, "method", f"unknown method {category.method!r}")
            continue
        ids = category.nominee_ids
        if len(set(ids)) != len(ids) or not all(ID_RE.fullmatch(str(n)) for n in ids):
            fail(where, "nominees", "nominee ids invalid or used twice")
        trackers = [b.tracker for b in category.ballots]
        if trackers != sorted(trackers):
            fail(where, "order", "ballots are not sorted by tracker")
        rules = category.rules
        for ballot in category.ballots:
            at = f"{where}, ballot {ballot.tracker}"
            if not TRACKER_RE.fullmatch(str(ballot.tracker)):
                fail(at, "tracker", "not 16 bytes in hex")
            if ballot.tracker in seen_trackers:
                fail(at, "tracker", "tracker appears twice in the record")
            seen_trackers.add(ballot.tracker)
            if not plainly_valid(ballot.content, rules) and (
                reason := problem(ballot.content, rules)
            ):
                fail(at, "ballot", str(reason))
        if len(category.ballots) != category.participants:
            fail(
                where,
                "counts",
                f"{len(category.ballots)} ballots for {category.participants} participants",
            )
        if category.participants > category.eligible_jurors:
            fail(where, "counts", "more participants than eligible jurors")
        for nominee, recused in category.recused.items():
            if (
                nominee not in ids
                or not isinstance(recused, int)
                or not 0 < recused <= category.participants
            ):
                fail(where, "recused", f"recusal count for {nominee} is not possible")
        if category.computed_merkle_root() != category.merkle_root:
            fail(where, "merkle", "the Merkle root does not match the ballots")
    return failures


def verify(record_bytes: bytes, results_bytes: bytes) -> list[Failure]:
    """Every failing check; an empty list means the pair is verified."""
    with gc_paused():
        return _verify(record_bytes, results_bytes)


def _verify(record_bytes: bytes, results_bytes: bytes) -> list[Failure]:
    try:
        record = parse_record(record_bytes)
    except RecordError as exc:
        return [Failure("record", "format", str(exc))]
    failures = _record_failures(record)
    try:
        results = json.loads(results_bytes)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [*failures, Failure("results", "format", f"not JSON: {exc}")]
    if not isinstance(results, dict) or results.get("format") != RESULTS_FORMAT:
        return [
            *failures,
            Failure("results", "format", f"not a results document of format {RESULTS_FORMAT}"),
        ]
    if results.get("record_sha256") != record.sha256:
        failures.append(
            Failure("results", "record_sha256", "the results were not made from this record")
        )
    if results.get("round") != record.round_id:
        failures.append(Failure("results", "round", "the results name another round"))
    if any(f.check in ("seed", "method", "ballot", "nominees") for f in failures):
        return failures  # an invalid record has no tally to compare against
    try:
        expected = {c["id"]: c for c in count(record)["categories"]}
    except (KeyError, TypeError, ValueError) as exc:
        return [*failures, Failure("record", "tally", f"the record cannot be counted: {exc!r}")]
    given = results.get("categories")
    if not isinstance(given, list) or [c.get("id") for c in given if isinstance(c, dict)] != list(
        expected
    ):
        failures.append(Failure("results", "categories", "the categories differ from the record's"))
        return failures
    for result in given:
        want = expected[result["id"]]
        for key in ("method", "valid", "abstentions", "quorum_met", "ranking", "winners"):
            if result.get(key) != want[key]:
                failures.append(
                    Failure(
                        f"results, category {result['id']}",
                        "tally",
                        f"{key} does not match the recount",
                    )
                )
    return failures
