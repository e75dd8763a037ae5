"""Counting: a pure function of the election record (docs/election-record.md, "Counting rules").

Exact arithmetic throughout (integers and Fractions, never floats), and ties broken only by the
seeded lot: nominees in a tie are ordered by SHA-256(seed || UTF-8(id)) in hex, ascending, and
every place where the lot decided is marked `by_lot`. Same record, byte-identical results.
"""

import hashlib
import importlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from ballots.canonical import canonical_json, gc_paused
from ballots.content import is_abstention, is_invalid
from ballots.record import RESULTS_FORMAT, CategoryRecord, ElectionRecord, fraction_text

# numpy speeds up large counts; without it the same counts run in plain Python. Its kernels
# (`ballots.arrays`) are imported at the first count large enough to use them, so that reading,
# verifying and small counts import nothing but the standard library (a test says so).
_NOT_LOADED: Any = object()
arrays: Any = _NOT_LOADED
"""ballots.arrays once a count has needed it, None when numpy is not installed."""

Value = Fraction | int | None
# Below this many valid ballots, plain Python is as fast, and simpler to follow; Schulze goes to
# numpy from this many nominees too (its strongest paths are nominees**3 steps: 4.5 s of plain
# Python for a nomination category of 330).
ARRAY_THRESHOLD = 2000
WIDE_THRESHOLD = 40


def _use_arrays(ballots: int, nominees: int = 0) -> bool:
    global arrays
    if ballots < ARRAY_THRESHOLD and nominees < WIDE_THRESHOLD:
        return False
    if arrays is _NOT_LOADED:
        try:
            arrays = importlib.import_module("ballots.arrays")
        except ImportError:  # no numpy: the auditor's standard-library path
            arrays = None
    return arrays is not None


@dataclass(frozen=True)
class Placed:
    nominee: str
    rank: int
    value: str | None
    by_lot: bool


@dataclass(frozen=True)
class CategoryResult:
    id: str
    method: str
    valid: int
    abstentions: int
    quorum_met: bool
    ranking: list[Placed]
    winners: list[str]
    details: dict[str, Any] = field(default_factory=dict)
    invalid: int = 0
    """A sealed round's ballots that were invalid once decrypted: written only when there are
    some, so that every results file made before says exactly what it said."""

    def to_json(self) -> dict[str, Any]:
        invalid = {"invalid": self.invalid} if self.invalid else {}
        return {
            "id": self.id,
            "method": self.method,
            "valid": self.valid,
            "abstentions": self.abstentions,
            **invalid,
            "quorum_met": self.quorum_met,
            "ranking": [
                {"nominee": p.nominee, "rank": p.rank, "value": p.value, "by_lot": p.by_lot}
                for p in self.ranking
            ],
            "winners": self.winners,
            "details": self.details,
        }


def lot_positions(seed: bytes, nominees: Sequence[str]) -> dict[str, int]:
    """Each nominee's place in the lot: 0 wins every tie it is in."""
    keyed = sorted(nominees, key=lambda n: hashlib.sha256(seed + n.encode()).hexdigest())
    return {nominee: position for position, nominee in enumerate(keyed)}


def _by_value(values: dict[str, Value], lot: dict[str, int]) -> list[tuple[str, bool]]:
    """Highest value first, nominees without a value last, ties by the lot."""
    order = sorted(values, key=lambda n: (values[n] is None, -(values[n] or 0), lot[n]))
    shared: dict[Value, int] = {}
    for value in values.values():
        shared[value] = shared.get(value, 0) + 1
    return [(n, shared[values[n]] > 1) for n in order]


def _approval(category: CategoryRecord, valid: list[dict]) -> tuple[dict[str, Value], dict]:
    approvals = dict.fromkeys(category.nominee_ids, 0)
    for content in valid:
        for nominee in content["approve"]:
            approvals[nominee] += 1
    values: dict[str, Value] = {}
    for nominee, count in approvals.items():
        denominator = category.participants - category.recused.get(nominee, 0)
        values[nominee] = Fraction(count, denominator) if denominator > 0 else None
    return values, {"approvals": approvals}


def _borda(category: CategoryRecord, valid: list[dict]) -> tuple[dict[str, Value], dict]:
    m = len(category.nominees)
    if _use_arrays(len(valid)):
        matrix = arrays.ranking_matrix(category.nominee_ids, [c["ranking"] for c in valid])
        points = dict(zip(category.nominee_ids, arrays.borda_points(matrix, m), strict=True))
        return dict(points), {"points": points}
    points = dict.fromkeys(category.nominee_ids, 0)
    for content in valid:
        for position, nominee in enumerate(content["ranking"]):
            points[nominee] += m - 1 - position
    return dict(points), {"points": points}


def pairwise(
    nominees: Sequence[str], rankings: Sequence[Sequence[str]]
) -> dict[str, dict[str, int]]:
    """d[x][y]: ballots ranking x above y; a ranked nominee is above every unranked one."""
    d = {x: dict.fromkeys(nominees, 0) for x in nominees}
    for ranking in rankings:
        unranked = [n for n in nominees if n not in set(ranking)]
        for i, x in enumerate(ranking):
            row = d[x]
            for y in ranking[i + 1 :]:
                row[y] += 1
            for y in unranked:
                row[y] += 1
    return d


def strongest_paths(
    nominees: Sequence[str], d: dict[str, dict[str, int]]
) -> dict[str, dict[str, int]]:
    p = {
        x: {y: (d[x][y] if x != y and d[x][y] > d[y][x] else 0) for y in nominees} for x in nominees
    }
    for k in nominees:
        for i in nominees:
            if i == k:
                continue
            through = p[i][k]
            if not through:
                continue
            row = p[i]
            for j in nominees:
                if j != k and j != i:
                    candidate = min(through, p[k][j])
                    if candidate > row[j]:
                        row[j] = candidate
    return p


def _schulze(category: CategoryRecord, valid: list[dict]) -> tuple[dict[str, Value], dict]:
    nominees = category.nominee_ids
    rankings = [c["ranking"] for c in valid]
    if _use_arrays(len(valid), len(nominees)):
        rows = arrays.pairwise(arrays.ranking_matrix(nominees, rankings), len(nominees))
        paths = arrays.strongest_paths(rows)
        d, p = (
            {x: dict(zip(nominees, row, strict=True)) for x, row in zip(nominees, m, strict=True)}
            for m in (rows, paths)
        )
    else:
        d = pairwise(nominees, rankings)
        p = strongest_paths(nominees, d)
    beaten = {x: sum(1 for y in nominees if y != x and p[x][y] > p[y][x]) for x in nominees}
    return dict(beaten), {"d": d, "p": p}


def _histograms(category: CategoryRecord, valid: list[dict]) -> dict[str, dict[int, int]]:
    """For each nominee, how many ballots gave it each score."""
    nominees = category.nominee_ids
    low, high = category.score_min, category.score_max
    if _use_arrays(len(valid)) and arrays.fits_histogram(len(nominees), low, high):
        return arrays.score_histograms(nominees, [c["scores"] for c in valid], low, high)
    received: dict[str, Counter[int]] = {n: Counter() for n in nominees}
    for content in valid:
        for nominee, score in content["scores"].items():
            received[nominee][score] += 1
    return {n: dict(sorted(h.items())) for n, h in received.items()}


def _trimmed(histogram: dict[int, int], trim: int) -> tuple[dict[int, int], dict[int, int]]:
    """Split a histogram into the scores kept and the `trim` lowest and highest dropped."""
    kept = dict(histogram)
    dropped: dict[int, int] = {}
    for scores in (sorted(kept), sorted(kept, reverse=True)):
        left = trim
        for score in scores:
            if not left:
                break
            taken = min(left, kept[score])
            kept[score] -= taken
            dropped[score] = dropped.get(score, 0) + taken
            left -= taken
    return {k: v for k, v in kept.items() if v}, dict(sorted(dropped.items()))


def _scores(category: CategoryRecord, valid: list[dict]) -> tuple[dict[str, Value], dict]:
    trim = (category.trim or 0) if category.method == "score_trimmed_mean" else 0
    values: dict[str, Value] = {}
    kept_all: dict[str, dict[str, int]] = {}
    dropped_all: dict[str, dict[str, int]] = {}
    kept: dict[int, int]
    for nominee, histogram in _histograms(category, valid).items():
        if trim and sum(histogram.values()) <= 2 * trim:
            kept, dropped = {}, histogram  # nothing left once both ends are dropped
        else:
            kept, dropped = _trimmed(histogram, trim) if trim else (histogram, {})
        total = sum(kept.values())
        values[nominee] = Fraction(sum(s * n for s, n in kept.items()), total) if total else None
        kept_all[nominee] = {str(s): n for s, n in kept.items()}
        dropped_all[nominee] = {str(s): n for s, n in dropped.items()}
    # Scores as {score: how many ballots}: the same information as the lists, at any size.
    return values, {"kept": kept_all, "dropped": dropped_all}


class _PythonCount:
    """One IRV count in plain Python (the same interface as arrays.RunoffCount)."""

    def __init__(self, ballots: list[tuple[int, ...]], continuing: list[bool]) -> None:
        self.ballots = ballots
        self.continuing = list(continuing)

    def votes(self) -> tuple[list[int], int]:
        votes = [0] * len(self.continuing)
        active = 0
        for ranking in self.ballots:
            for nominee in ranking:
                if self.continuing[nominee]:
                    votes[nominee] += 1
                    active += 1
                    break
        return votes, active

    def eliminate(self, nominee: int) -> None:
        self.continuing[nominee] = False


def _irv(
    category: CategoryRecord, valid: list[dict], lot: dict[str, int]
) -> tuple[list[tuple[str, bool]], dict]:
    """Rank 1 by an instant-runoff count; rank 2 by another with the winner removed; ..."""
    nominees = category.nominee_ids
    position = [lot[n] for n in nominees]
    rankings = [c["ranking"] for c in valid]
    # Not by width: from few ballots, numpy's call per elimination costs more than it saves.
    if _use_arrays(len(valid)):
        import numpy as np

        base = arrays.RunoffCount(
            arrays.ranking_matrix(nominees, rankings), np.ones(len(nominees), dtype=bool)
        )

        def start(continuing: list[bool]) -> Any:
            for i, alive in enumerate(continuing):
                if not alive and base.continuing[i]:
                    base.eliminate(i)  # the winners of the ranks before
            return base.fork()
    else:
        index = {n: i for i, n in enumerate(nominees)}
        ballots = [tuple(index[n] for n in r) for r in rankings]

        def start(continuing: list[bool]) -> Any:
            return _PythonCount(ballots, continuing)

    remaining = [True] * len(nominees)
    placed: list[tuple[str, bool]] = []
    counts = []
    while any(remaining):
        counter = start(remaining)
        alive = [i for i, r in enumerate(remaining) if r]
        lot_used = False
        rounds = []
        while True:
            if len(alive) == 1:
                winner = alive[0]
                break
            votes, active = counter.votes()
            tally = {nominees[i]: int(votes[i]) for i in alive}
            leader = max(alive, key=lambda i: (votes[i], -position[i]))
            if votes[leader] * 2 > active:
                rounds.append({"votes": tally, "elected": nominees[leader]})
                winner = leader
                break
            fewest = min(votes[i] for i in alive)
            tied = [i for i in alive if votes[i] == fewest]
            lot_used = lot_used or len(tied) > 1
            out = max(tied, key=lambda i: position[i])  # the one the lot places last
            rounds.append({"votes": tally, "eliminated": nominees[out]})
            alive.remove(out)
            counter.eliminate(out)
        placed.append((nominees[winner], lot_used))
        remaining[winner] = False
        counts.append(
            {"rank": len(placed), "winner": nominees[winner], "rounds": rounds, "by_lot": lot_used}
        )
    return placed, {"counts": counts}


VALUE_METHODS: dict[str, Callable[[CategoryRecord, list[dict]], tuple[dict[str, Value], dict]]] = {
    "approval": _approval,
    "borda": _borda,
    "schulze": _schulze,
    "score_mean": _scores,
    "score_trimmed_mean": _scores,
}


def count_category(category: CategoryRecord, seed: bytes) -> CategoryResult:
    with gc_paused():
        return _count_category(category, seed)


def _count_category(category: CategoryRecord, seed: bytes) -> CategoryResult:
    contents = [b.content for b in category.ballots]
    valid = [c for c in contents if not is_abstention(c)]
    invalid = sum(map(is_invalid, valid)) if category.sealed else 0
    if invalid:  # counted by no method, and not toward the quorum (the spec says why)
        valid = [c for c in valid if not is_invalid(c)]
    lot = lot_positions(seed, category.nominee_ids)
    if category.method == "irv":
        order, details = _irv(category, valid, lot)
        ranking = [Placed(n, i, None, by_lot) for i, (n, by_lot) in enumerate(order, start=1)]
        eligible_to_win = [p.nominee for p in ranking]
    else:
        values, details = VALUE_METHODS[category.method](category, valid)
        order = _by_value(values, lot)
        ranking = [
            Placed(n, i, fraction_text(values[n]), by_lot)
            for i, (n, by_lot) in enumerate(order, start=1)
        ]
        eligible_to_win = [p.nominee for p in ranking if values[p.nominee] is not None]
    quorum_met = len(valid) >= category.quorum
    winners = eligible_to_win[: category.winners] if quorum_met else []
    details = {"lot": sorted(lot, key=lot.__getitem__), **_plain(details)}
    return CategoryResult(
        id=category.id,
        method=category.method,
        valid=len(valid),
        abstentions=len(contents) - len(valid) - invalid,
        quorum_met=quorum_met,
        ranking=ranking,
        winners=winners,
        details=details,
        invalid=invalid,
    )


def _plain(value: Any) -> Any:
    """Details as JSON: Fractions written exactly."""
    if isinstance(value, Fraction):
        return fraction_text(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def count(record: ElectionRecord) -> dict[str, Any]:
    """The results document of a record."""
    with gc_paused():
        return _count(record)


def _count(record: ElectionRecord) -> dict[str, Any]:
    return {
        "format": RESULTS_FORMAT,
        "record_sha256": record.sha256,
        "salt": record.salt,
        "round": record.round_id,
        "categories": [count_category(c, record.seed).to_json() for c in record.categories],
    }


def results_bytes(record: ElectionRecord) -> bytes:
    return canonical_json(count(record))
