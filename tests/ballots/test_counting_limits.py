"""Counting at the edges where numpy would be wrong or explode (issue 8): score ranges far
beyond what a histogram array can hold, scores beyond 64 bits, and more nominees than int16
can number. Whatever passes the record's checks is counted, the same with numpy and without."""

import json
from fractions import Fraction

import numpy as np
import pytest

from ballots.record import fraction_text, parse_record
from ballots.tally import count
from tests.records import counted_both_ways, one_category_record


@pytest.mark.parametrize(
    ("low", "high"),
    [(-(10**18), 10**18), (0, 10**30), (-(2**63), 2**63), (-(10**40), -(10**39))],
)
def test_scores_of_any_range_are_counted(low, high, monkeypatch):
    scores = [low, high, low + (high - low) // 3]
    contents = [{"scores": {"a": s, "b": scores[(i + 1) % 3]}} for i, s in enumerate(scores * 3)]
    data = one_category_record(
        "score_trimmed_mean", ["a", "b"], contents, score_min=low, score_max=high, trim=1
    )
    with_numpy, plain = counted_both_ways(data, monkeypatch)
    assert with_numpy == plain
    [category] = json.loads(plain)["categories"]
    kept = sorted(scores * 3)[1:-1]  # each nominee's nine scores, less the lowest and highest
    assert {p["value"] for p in category["ranking"]} == {fraction_text(Fraction(sum(kept), 7))}


def test_a_wide_score_range_is_counted_at_full_size():
    """Above the threshold at which numpy takes over, without any monkeypatching."""
    contents = [{"scores": {"a": (-1) ** i * 10**18}} for i in range(2500)]
    data = one_category_record("score_mean", ["a"], contents, score_min=-(10**18), score_max=10**18)
    [category] = count(parse_record(data))["categories"]
    assert category["ranking"][0]["value"] == "0"


def test_rankings_over_more_nominees_than_int16_can_number(monkeypatch):
    nominees = [f"n{i}" for i in range(33_000)]
    contents = [{"ranking": ["n32999", "n32768", "n5"]}, {"ranking": ["n32999", "n0"]}] * 3
    data = one_category_record("borda", nominees, contents)
    with_numpy, plain = counted_both_ways(data, monkeypatch)
    assert with_numpy == plain
    assert json.loads(plain)["categories"][0]["winners"] == ["n32999"]


def test_the_runoff_kernel_follows_rankings_longer_than_int16_can_count():
    """Instant runoff over 33,000 nominees is out of reach of any count (it ranks them all, one
    count each), so its kernel is tried alone: positions past 32,767 in a ranking."""
    from ballots import arrays

    nominees = [f"n{i}" for i in range(33_000)]
    counter = arrays.RunoffCount(
        arrays.ranking_matrix(nominees, [nominees] * 2), np.ones(33_000, dtype=bool)
    )
    for nominee in range(32_999):
        counter.eliminate(nominee)
    votes, active = counter.votes()
    assert (int(votes[32_999]), active) == (2, 2)
