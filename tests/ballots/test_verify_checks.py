"""Each check of the verifier (issue 10): its code, one case that produces it, and a failure
that says which ballot it is about in a field of its own, so that a caller who must not repeat
a tracker (the seal's refusal, shown to staff) never has to pick it out of the text."""

import json

import pytest

from ballots.canonical import canonical_json
from ballots.record import parse_record
from ballots.tally import results_bytes
from ballots.verify import CHECKS, Check, Failure, verify
from tests.records import one_category_record

FIRST, SECOND = f"{0:032x}", f"{1:032x}"


def _raw() -> dict:
    contents = [{"approve": ["a"]}, {"abstain": True}]
    return json.loads(one_category_record("approval", ["a", "b"], contents, max_choices=1))


def _results(raw: dict) -> dict:
    return json.loads(results_bytes(parse_record(canonical_json(raw))))


def _category(raw: dict) -> dict:
    return raw["categories"][0]


def _format_2(raw: dict) -> None:
    """Format 2 with a configuration that is not the one its hash says was published."""
    raw.update(format="awards-election-record/2", config={**raw, "categories": []})
    del raw["config"]["format"]
    raw["round"]["config_sha256"] = "e" * 64


# (check, edit of the record, edit of its honest results, the ballot named or None)
CASES = [
    (Check.FORMAT, lambda r: r.pop("season"), None, None),
    (Check.SEED, lambda r: r["round"]["tie_break"].update(seed="0" * 64), None, None),
    (Check.ORDER, lambda r: _category(r)["ballots"].reverse(), None, None),
    (
        Check.TRACKER,
        lambda r: _category(r)["ballots"][1].update(tracker="f" * 31),
        None,
        "f" * 31,
    ),
    (
        Check.BALLOT,
        lambda r: _category(r)["ballots"][1].update(content={"abstain": 1}),
        None,
        SECOND,
    ),
    (Check.COUNTS, lambda r: _category(r).update(participants=3), None, None),
    (Check.RECUSED, lambda r: _category(r).update(recused={"a": 3}), None, None),
    (Check.MERKLE, lambda r: _category(r).update(merkle_root="0" * 64), None, None),
    (Check.CONFIG, _format_2, None, None),
    (Check.RECORD_SHA256, None, lambda s: s.update(record_sha256="0" * 64), None),
    (Check.SALT, None, lambda s: s.update(salt="0" * 64), None),
    (Check.ROUND, None, lambda s: s.update(round="other"), None),
    (Check.CATEGORIES, None, lambda s: s.update(categories=[]), None),
    (Check.TALLY, None, lambda s: s["categories"][0].update(winners=[]), None),
]


@pytest.mark.parametrize(("check", "edit", "edit_results", "ballot"), CASES, ids=lambda c: c)
def test_each_check_is_produced_for_its_case(check, edit, edit_results, ballot):
    raw = _raw()
    results = _results(raw)
    if edit:
        edit(raw)
    if edit_results:
        edit_results(results)
    failures = verify(canonical_json(raw), canonical_json(results))
    named = [f for f in failures if f.check == check]
    assert named, failures
    assert {f.ballot for f in named} == {ballot}
    if ballot:
        assert {f.where for f in named} == {"category c"}
        assert all(ballot not in f.where + f.detail for f in named)


def test_every_check_has_its_case():
    """`public` is the public record's (its cases: tests/ballots/test_public_record.py), `sealed`
    a sealed round's annex's (tests/sealed/)."""
    assert {check for check, *_ in CASES} == CHECKS - {Check.PUBLIC, Check.SEALED}


def test_a_failure_about_a_ballot_prints_where_it_is():
    failure = Failure("category c", Check.BALLOT, "the ballot is not an object", ballot=FIRST)
    assert str(failure) == f"category c, ballot {FIRST}: ballot: the ballot is not an object"
    assert str(Failure("round", Check.SEED, "no")) == "round: seed: no"
