"""The election record and the results document, format 1 (spec/election-record.md).

Reading keeps the record as plain dataclasses; writing produces canonical JSON bytes, so that
the same record always gives the same file, hash and results.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from ballots.canonical import canonical_json, gc_paused
from ballots.content import BallotRules
from ballots.merkle import merkle_root

RECORD_FORMAT = "awards-election-record/1"
RECORD_FORMAT_2 = "awards-election-record/2"
RESULTS_FORMAT = "awards-results/1"


class RecordError(ValueError):
    """The file is not a record (or results document) of the format at all."""


class Ballot(NamedTuple):
    """A named tuple, not a dataclass: a record may hold millions of them."""

    tracker: str
    content: dict[str, Any]


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
        )

    def leaves(self) -> list[bytes]:
        plain = plain_ids(self.id, self.nominee_ids)
        return [leaf(self.id, b.content, b.tracker, plain) for b in self.ballots]

    def computed_merkle_root(self) -> str:
        return merkle_root(self.leaves())


@dataclass(frozen=True)
class ElectionRecord:
    season: dict[str, Any]
    round: dict[str, Any]
    categories: list[CategoryRecord]
    sha256: str
    """SHA-256 of the file's exact bytes."""

    @property
    def round_id(self) -> str:
        return self.round["id"]

    @property
    def seed(self) -> bytes:
        return bytes.fromhex(self.round["tie_break"]["seed"])


def _category(raw: dict[str, Any]) -> CategoryRecord:
    try:
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
            recused=raw.get("recused", {}),
            ballots=[Ballot(b["tracker"], b["content"]) for b in raw["ballots"]],
            merkle_root=raw["merkle_root"],
            max_choices=raw.get("max_choices"),
            score_min=raw.get("score_min"),
            score_max=raw.get("score_max"),
            trim=raw.get("trim"),
            raw=raw,
        )
    except (KeyError, TypeError) as exc:
        name = raw.get("id", "?") if isinstance(raw, dict) else "?"
        raise RecordError(f"category {name}: missing or bad field {exc}") from exc


_PLAIN = re.compile(r"[A-Za-z0-9._-]{1,64}")


def leaf(
    category: str, content: dict[str, Any], tracker: str, plain_ids: frozenset[str] = frozenset()
) -> bytes:
    """A Merkle leaf: canonical JSON of {"category", "content", "tracker"}.

    Where the category, the tracker and every id in the content are plain ([A-Za-z0-9._-]:
    `plain_ids` holds the category's nominee ids known to be so), a ranking or approval ballot
    is written directly, byte for byte what canonical_json writes, since such strings never need
    escaping. Anything else goes through canonical_json."""
    if len(content) == 1 and plain_ids and _PLAIN.fullmatch(tracker):
        key = "ranking" if "ranking" in content else "approve" if "approve" in content else None
        ids = content.get(key) if key else None
        if type(ids) is list and plain_ids.issuperset(ids):
            listed = '"' + '","'.join(ids) + '"' if ids else ""
            body = f'"content":{{"{key}":[{listed}]}},"tracker":"{tracker}"'
            return f'{{"category":"{category}",{body}}}'.encode()
    return canonical_json({"category": category, "content": content, "tracker": tracker})


def plain_ids(category: str, nominee_ids: list[str]) -> frozenset[str]:
    """The nominee ids that `leaf` may write directly (none unless the category id is plain)."""
    if not _PLAIN.fullmatch(category):
        return frozenset()
    return frozenset(n for n in nominee_ids if isinstance(n, str) and _PLAIN.fullmatch(n))


def parse_record(data: bytes) -> ElectionRecord:
    with gc_paused():
        return _parse_record(data)


def _parse_record(data: bytes) -> ElectionRecord:
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("format") not in (RECORD_FORMAT, RECORD_FORMAT_2):
        raise RecordError(f"not an election record of format {RECORD_FORMAT}")
    try:
        categories = [_category(c) for c in raw["categories"]]
        return ElectionRecord(
            raw["season"], raw["round"], categories, hashlib.sha256(data).hexdigest()
        )
    except (KeyError, TypeError) as exc:
        raise RecordError(f"missing or bad field {exc}") from exc


def record_document(
    season: dict, round_: dict, categories: list[dict], config: dict | None = None
) -> bytes:
    """The record file's bytes: canonical JSON, ballots sorted by tracker, Merkle roots filled."""
    with gc_paused():
        return _record_document(season, round_, categories, config)


def _record_document(
    season: dict, round_: dict, categories: list[dict], config: dict | None
) -> bytes:
    finished = []
    for category in categories:
        ballots = sorted(category["ballots"], key=lambda b: b["tracker"])
        plain = plain_ids(category["id"], [n["id"] for n in category["nominees"]])
        leaves = [leaf(category["id"], b["content"], b["tracker"], plain) for b in ballots]
        finished.append({**category, "ballots": ballots, "merkle_root": merkle_root(leaves)})
    document = {"format": RECORD_FORMAT, "season": season, "round": round_, "categories": finished}
    if config is not None:
        document.update(format=RECORD_FORMAT_2, config=config)
    return canonical_json(document)


def fraction_text(value: Fraction | int | None) -> str | None:
    """ "27", "31/39": exact and reduced, as the results document writes numbers."""
    if value is None:
        return None
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
