"""The election record and the results document, format 1 (spec/election-record.md).

Reading keeps the record as plain dataclasses; writing produces canonical JSON bytes, so that
the same record always gives the same file, hash and results.
"""

import hashlib
import json
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ballots.canonical import canonical_json
from ballots.content import BallotRules
from ballots.merkle import merkle_root

RECORD_FORMAT = "awards-election-record/1"
RESULTS_FORMAT = "awards-results/1"


class RecordError(ValueError):
    """The file is not a record (or results document) of the format at all."""


@dataclass(frozen=True)
class Ballot:
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
        return [
            canonical_json({"category": self.id, "content": b.content, "tracker": b.tracker})
            for b in self.ballots
        ]

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


def parse_record(data: bytes) -> ElectionRecord:
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordError(f"not JSON: {exc}") from exc
    if not isinstance(raw, dict) or raw.get("format") != RECORD_FORMAT:
        raise RecordError(f"not an election record of format {RECORD_FORMAT}")
    try:
        categories = [_category(c) for c in raw["categories"]]
        return ElectionRecord(
            raw["season"], raw["round"], categories, hashlib.sha256(data).hexdigest()
        )
    except (KeyError, TypeError) as exc:
        raise RecordError(f"missing or bad field {exc}") from exc


def record_document(season: dict, round_: dict, categories: list[dict]) -> bytes:
    """The record file's bytes: canonical JSON, ballots sorted by tracker, Merkle roots filled."""
    finished = []
    for category in categories:
        ballots = sorted(category["ballots"], key=lambda b: b["tracker"])
        leaves = [
            canonical_json(
                {"category": category["id"], "content": b["content"], "tracker": b["tracker"]}
            )
            for b in ballots
        ]
        finished.append({**category, "ballots": ballots, "merkle_root": merkle_root(leaves)})
    return canonical_json(
        {"format": RECORD_FORMAT, "season": season, "round": round_, "categories": finished}
    )


def fraction_text(value: Fraction | int | None) -> str | None:
    """ "27", "31/39": exact and reduced, as the results document writes numbers."""
    if value is None:
        return None
    value = Fraction(value)
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
