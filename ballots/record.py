"""The election record (formats 1 and 2) and the results document (results formats 1 and 2: 2 is
1 with a salt), docs/election-record.md.

Reading is strict (`ballots.schema` says what each field must be) and keeps the record as plain
dataclasses; writing produces canonical JSON bytes, so that the same record always gives the
same file, hash and results.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from operator import itemgetter
from typing import Any, NamedTuple

from ballots.canonical import canonical_json, gc_paused
from ballots.content import BallotRules
from ballots.leaves import category_leaves
from ballots.merkle import merkle_root
from ballots.schema import FORMAT_1, FORMAT_2, SETTINGS, record_problems

RESULTS_FORMAT = "awards-results/2"
RESULTS_FORMATS = ("awards-results/1", RESULTS_FORMAT)
"""The results formats `verify` reads: format 1, made before the salt, is read without it."""
SALT_PREFIX = b"awards-results-salt/1\n"


def results_salt(record_data: bytes) -> str:
    """The results document's salt: SHA-256 of a prefix and the record file's exact bytes. It
    needs the whole record, with the random trackers of the categories the public record
    withholds, so that the results' published hash cannot be searched for their ballots."""
    return hashlib.sha256(SALT_PREFIX + record_data).hexdigest()


class RecordError(ValueError):
    """A file is not an election record (or, from `load_json`, not JSON at all): every problem
    found, as (where, what)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


class Ballot(NamedTuple):
    """A named tuple, not a dataclass: a record may hold millions of them."""

    tracker: str
    content: Any
    """Any JSON value as read; whether it is a valid ballot is a check of `ballots.verify`."""


@dataclass(frozen=True)
class CategoryRecord:
    id: str
    name: str
    method: str
    winners: int
    quorum: int
    disclosure: str
    eligible_jurors: int
    participants: int
    nominees: list[dict[str, str]]
    recused: dict[str, int]
    ballots: list[Ballot]
    merkle_root: str
    max_choices: int | None = None
    score_min: int | None = None
    score_max: int | None = None
    trim: int | None = None
    sealed: bool = False
    """Of a sealed round's record (its `round.sealed` is an object): its ballots may be
    `{"invalid": true}`."""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def nominee_ids(self) -> list[str]:
        return [n["id"] for n in self.nominees]

    @property
    def rules(self) -> BallotRules:
        return BallotRules(
            method=self.method,
            nominees=frozenset(self.nominee_ids),
            max_choices=self.max_choices,
            score_min=self.score_min,
            score_max=self.score_max,
            sealed=self.sealed,
        )

    def leaves(self) -> list[bytes]:
        return category_leaves(self.id, self.nominee_ids, self.ballots)

    def computed_merkle_root(self) -> str:
        return merkle_root(self.leaves())


@dataclass(frozen=True)
class ElectionRecord:
    season: dict[str, Any]
    round: dict[str, Any]
    categories: list[CategoryRecord]
    sha256: str
    """SHA-256 of the file's exact bytes."""
    salt: str
    """`results_salt` of the file's exact bytes."""
    config: dict[str, Any] | None = None
    """Format 2: the configuration published when the round opened; None in format 1."""

    @property
    def round_id(self) -> str:
        return self.round["id"]

    @property
    def seed(self) -> bytes:
        return bytes.fromhex(self.round["tie_break"]["seed"])


_BALLOT = itemgetter("tracker", "content")


def is_sealed(round_: dict[str, Any]) -> bool:
    """A sealed round's record names its annex in `round.sealed`, an object."""
    return isinstance(round_.get("sealed"), dict)


def _category(raw: dict[str, Any], sealed: bool) -> CategoryRecord:
    """A category whose fields `record_problems` found good: only the method's settings."""
    settings = {name: raw[name] for name in SETTINGS.get(raw["method"], ())}
    return CategoryRecord(
        id=raw["id"],
        name=raw["name"],
        method=raw["method"],
        winners=raw["winners"],
        quorum=raw["quorum"],
        disclosure=raw["disclosure"],
        eligible_jurors=raw["eligible_jurors"],
        participants=raw["participants"],
        nominees=raw["nominees"],
        recused=raw["recused"],
        ballots=list(map(Ballot._make, map(_BALLOT, raw["ballots"]))),
        merkle_root=raw["merkle_root"],
        sealed=sealed,
        raw=raw,
        **settings,
    )


def parse_record(data: bytes) -> ElectionRecord:
    """Read a record strictly (see `ballots.schema`); RecordError names every problem."""
    with gc_paused():
        return _parse_record(data)


def _parse_record(data: bytes) -> ElectionRecord:
    raw = load_json(data, "record")
    if problems := record_problems(raw):
        raise RecordError(problems)
    return ElectionRecord(
        raw["season"],
        raw["round"],
        [_category(c, is_sealed(raw["round"])) for c in raw["categories"]],
        hashlib.sha256(data).hexdigest(),
        results_salt(data),
        raw["config"] if raw["format"] == FORMAT_2 else None,
    )


# A lone surrogate can only come from a \ud800-style escape or from its (invalid) UTF-8 bytes,
# which json.loads lets through: where neither appears, no string needs to be looked at. (Two
# searches, each with a plain first byte, take a sixth of the time of one with an alternative.)
_SURROGATES = (re.compile(rb"\\u[dD][89a-fA-F]"), re.compile(rb"\xed[\xa0-\xbf]"))


def load_json(data: bytes, what: str) -> Any:
    """The JSON value of a file, or RecordError: not UTF-8, not JSON, or holding a string that
    no UTF-8 file can hold (a lone surrogate), which could be neither hashed nor printed."""
    if json.detect_encoding(data) != "utf-8":
        raise RecordError([(what, "not UTF-8 (UTF-16, UTF-32 or a byte order mark)")])
    try:
        value = json.loads(data)
    except UnicodeDecodeError as exc:
        raise RecordError([(what, f"not UTF-8: {exc}")]) from None
    except (ValueError, RecursionError) as exc:  # numbers of 4,300+ digits; deep nesting
        raise RecordError([(what, f"not JSON: {exc}")]) from None
    if any(p.search(data) for p in _SURROGATES) and (bad := _lone_surrogate(value)):
        raise RecordError([(what, f"a string is not valid Unicode (a lone surrogate {bad})")])
    return value


def _lone_surrogate(value: Any) -> str | None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            try:
                item.encode()
            except UnicodeEncodeError as exc:
                return f"\\u{ord(item[exc.start]):04x}"
    return None


def record_document(
    season: dict, round_: dict, categories: list[dict], config: dict | None = None
) -> bytes:
    """The record file's bytes: canonical JSON, ballots sorted by tracker, Merkle roots filled.

    With `config` (the configuration published when the round opened), format 2, which carries
    it; the caller puts its hash into `round_["config_sha256"]`. It is not recomputed here, so
    that a configuration that is not the published one is caught by verify. Without, format 1.
    """
    with gc_paused():
        return _record_document(season, round_, categories, config)


def _record_document(
    season: dict, round_: dict, categories: list[dict], config: dict | None
) -> bytes:
    finished = []
    for category in categories:
        ballots = sorted(category["ballots"], key=lambda b: b["tracker"])
        nominee_ids = [n["id"] for n in category["nominees"]]
        leaves = category_leaves(category["id"], nominee_ids, list(map(_BALLOT, ballots)))
        finished.append({**category, "ballots": ballots, "merkle_root": merkle_root(leaves)})
    document = {"season": season, "round": round_, "categories": finished}
    if config is None:
        return canonical_json({"format": FORMAT_1, **document})
    return canonical_json({"format": FORMAT_2, **document, "config": config})


def fraction_text(value: Fraction | int | None) -> str | None:
    """ "27", "31/39": exact and reduced, as the results document writes numbers."""
    if value is None:
        return None
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
