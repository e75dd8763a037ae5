"""Verification of an election record and its results, from the files alone.

Every check of the spec (docs/election-record.md), each failure named by where (category, ballot
tracker) and what: the record's format (strict reading, `ballots.schema`), ballots sorted by
tracker and trackers unique, every ballot valid (or, in a sealed round's record, marked
`{"invalid": true}`), counts (ballots = participants <= eligible
jurors, recusals within participants), Merkle roots, the seed against its published hash, in
format 2 the configuration published at opening, the results' hash of the record and (results
format 2) their salt, and the whole tally.

`check_record` is the record's checks on their own (the service runs them before it seals a
round); `check_ballots` those the count depends on (the tally runs them before counting).
"""

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice, repeat
from operator import itemgetter, lt

from ballots.canonical import canonical_json, gc_paused
from ballots.config import config_mismatches
from ballots.content import plainly_valid, problem
from ballots.record import (
    RESULTS_FORMAT,
    RESULTS_FORMATS,
    CategoryRecord,
    ElectionRecord,
    RecordError,
    load_json,
    parse_record,
)
from ballots.tally import count

_HEX = "0123456789abcdef"
_CONTENT = itemgetter(1)  # of a Ballot (tracker, content)


class Check:
    """The checks, by the names the spec gives them (the `check` of a `Failure`)."""

    FORMAT = "format"
    SEED = "seed"
    ORDER = "order"
    TRACKER = "tracker"
    BALLOT = "ballot"
    COUNTS = "counts"
    RECUSED = "recused"
    MERKLE = "merkle"
    CONFIG = "config"
    RECORD_SHA256 = "record_sha256"
    SALT = "salt"
    ROUND = "round"
    CATEGORIES = "categories"
    TALLY = "tally"
    PUBLIC = "public"
    SEALED = "sealed"


CHECKS = frozenset(v for k, v in vars(Check).items() if k.isupper())


@dataclass(frozen=True)
class Failure:
    """A failed check: `where` in the files (the record, a category...), `check` one of
    `Check`, `detail` in the auditor's English. `ballot` is the tracker of the ballot it is
    about, if any: kept out of `where` and `detail`, so that a report that must not name a
    ballot leaves it out without reading the text."""

    where: str
    check: str
    detail: str
    ballot: str | None = None

    def __str__(self) -> str:
        at = self.where if self.ballot is None else f"{self.where}, ballot {self.ballot}"
        return f"{at}: {self.check}: {self.detail}"


def check_ballots(record: ElectionRecord) -> list[Failure]:
    """Every ballot that is not valid under its category's rules; [] when the record can be
    counted (given that it was read: `parse_record` has checked every other field)."""
    return [failure for category in record.categories for failure in _invalid(category)]


def _invalid(category: CategoryRecord) -> Iterator[Failure]:
    rules = category.rules
    if all(map(plainly_valid, map(_CONTENT, category.ballots), repeat(rules))):
        return  # the common case, a third faster without a loop in Python
    for tracker, content in category.ballots:
        if not plainly_valid(content, rules) and (found := problem(content, rules)):
            yield Failure(f"category {category.id}", Check.BALLOT, str(found), tracker)


def check_record(record: ElectionRecord) -> list[Failure]:
    """Every failing check of the record on its own (the results aside); [] when it passes."""
    with gc_paused():
        return _check_record(record)


def _check_record(record: ElectionRecord) -> list[Failure]:
    failures: list[Failure] = []
    tie_break = record.round["tie_break"]
    if hashlib.sha256(bytes.fromhex(tie_break["seed"])).hexdigest() != tie_break["seed_sha256"]:
        failures.append(
            Failure("round", Check.SEED, "the seed does not match its published SHA-256")
        )
    seen: set[str] = set()
    for category in record.categories:
        failures.extend(_tracker_failures(category, seen))
        failures.extend(_invalid(category))
        failures.extend(_count_failures(category))
        if category.computed_merkle_root() != category.merkle_root:
            failures.append(
                Failure(
                    f"category {category.id}",
                    Check.MERKLE,
                    "the Merkle root does not match the ballots",
                )
            )
    failures.extend(Failure(where, Check.CONFIG, what) for where, what in config_mismatches(record))
    return failures


def _tracker_failures(category: CategoryRecord, seen: set[str]) -> list[Failure]:
    """Trackers are 32 lowercase hex digits, in ascending order, and unique in the record
    (`seen`: the trackers of the categories before). Checked in bulk first (a million trackers
    in a few passes of C code), and ballot by ballot only where something is wrong, to name
    each failure."""
    trackers = [b.tracker for b in category.ballots]
    if (
        all(map(lt, trackers, islice(trackers, 1, None)))
        and seen.isdisjoint(trackers)
        and set(map(len, trackers)) <= {32}
        and not "".join(trackers).encode().translate(None, _HEX.encode())
    ):
        seen.update(trackers)
        return []
    where = f"category {category.id}"
    failures = []
    if trackers != sorted(trackers):
        failures.append(Failure(where, Check.ORDER, "ballots are not sorted by tracker"))
    for tracker in trackers:
        if len(tracker) != 32 or tracker.strip(_HEX):
            failures.append(Failure(where, Check.TRACKER, "not 16 bytes in hex", tracker))
        if tracker in seen:
            failures.append(
                Failure(where, Check.TRACKER, "tracker appears twice in the record", tracker)
            )
        seen.add(tracker)
    return failures


def _count_failures(category: CategoryRecord) -> list[Failure]:
    where = f"category {category.id}"
    failures = []
    if len(category.ballots) != category.participants:
        failures.append(
            Failure(
                where,
                Check.COUNTS,
                f"{len(category.ballots)} ballots for {category.participants} participants",
            )
        )
    if category.participants > category.eligible_jurors:
        failures.append(Failure(where, Check.COUNTS, "more participants than eligible jurors"))
    nominees = set(category.nominee_ids)
    for nominee, recused in category.recused.items():
        if nominee not in nominees or not 0 < recused <= category.participants:
            failures.append(
                Failure(where, Check.RECUSED, f"recusal count for {nominee} is not possible")
            )
    return failures


def verify(record_bytes: bytes, results_bytes: bytes) -> list[Failure]:
    """Every failing check; an empty list means the pair is verified. Whatever the files hold,
    this returns failures and never raises."""
    with gc_paused():
        return _verify(record_bytes, results_bytes)


def _verify(record_bytes: bytes, results_bytes: bytes) -> list[Failure]:
    try:
        record = parse_record(record_bytes)
    except RecordError as exc:
        return [Failure(where, Check.FORMAT, what) for where, what in exc.problems]
    failures = _check_record(record)
    try:
        results = load_json(results_bytes, "results")
    except RecordError as exc:
        return [*failures, *(Failure(where, Check.FORMAT, what) for where, what in exc.problems)]
    if type(results) is not dict or results.get("format") not in RESULTS_FORMATS:
        formats = " or ".join(RESULTS_FORMATS)
        return [*failures, Failure("results", Check.FORMAT, f"not a results document of {formats}")]
    if results.get("record_sha256") != record.sha256:
        failures.append(
            Failure("results", Check.RECORD_SHA256, "the results were not made from this record")
        )
    # Format 1 came before the salt: its seal, published already, is read as it was made.
    if results["format"] == RESULTS_FORMAT and results.get("salt") != record.salt:
        failures.append(
            Failure("results", Check.SALT, "the salt is not the one this record's bytes give")
        )
    if results.get("round") != record.round_id:
        failures.append(Failure("results", Check.ROUND, "the results name another round"))
    if any(f.check == Check.BALLOT for f in failures):
        return failures  # a record with invalid ballots has no tally to compare against
    return failures + _tally_failures(record, results.get("categories"))


def _tally_failures(record: ElectionRecord, given: object) -> list[Failure]:
    expected = {c["id"]: c for c in count(record)["categories"]}
    if (
        type(given) is not list
        or not all(type(c) is dict for c in given)
        or [c.get("id") for c in given] != list(expected)
    ):
        return [Failure("results", Check.CATEGORIES, "the categories differ from the record's")]
    failures = []
    for result in given:
        failures.extend(result_failures(result, expected[result["id"]]))
    return failures


TALLIED = ("method", "valid", "abstentions", "quorum_met", "ranking", "winners")
ONLY_WHEN_ANY = ("invalid",)
"""Verified keys that the results hold only where the recount has them: `invalid`, a sealed
round's, is left out where it would be 0."""


def result_failures(result: dict, want: dict) -> list[Failure]:
    """A category's results entry against its recount (`want`), on the keys verified."""
    return [
        Failure(f"results, category {want['id']}", Check.TALLY, f"{key} does not match the recount")
        for key in (*TALLIED, *ONLY_WHEN_ANY)
        # Compared as JSON, by type: 1 == True and 1 == 1.0 in Python, not in the results.
        if (key in TALLIED and key not in result)
        or canonical_json(result.get(key)) != canonical_json(want.get(key))
    ]
