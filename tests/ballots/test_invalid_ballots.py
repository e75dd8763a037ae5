"""Ballots invalid once decrypted (issue 13): a sealed round's record holds them as
`{"invalid": true}`, which every method ignores and the results count apart; no other record,
and no cast, may hold that mark."""

import json

import pytest

from ballots.canonical import canonical_json
from ballots.content import ABSTAIN, INVALID, BallotRules, Code, problem
from ballots.public import check_public, public_document, verify_with_public
from ballots.record import parse_record
from ballots.tally import count, results_bytes
from ballots.verify import Check, verify
from tests.records import counted_both_ways, one_category_record

SEALED = {"annex_sha256": "0" * 64}
NOMINEES = ["a", "b", "c"]
# Per method: the valid ballots, and its settings. Enough ballots that a method's order depends
# on them, few enough to follow.
VALID = {
    "approval": ([{"approve": ["a"]}, {"approve": ["a", "b"]}, {"approve": ["c"]}], {}),
    "borda": ([{"ranking": ["b", "a"]}, {"ranking": ["a"]}, {"ranking": ["c", "a", "b"]}], {}),
    "irv": ([{"ranking": ["b", "a"]}, {"ranking": ["a"]}, {"ranking": ["c", "a", "b"]}], {}),
    "schulze": ([{"ranking": ["b", "a"]}, {"ranking": ["a"]}, {"ranking": ["c", "a", "b"]}], {}),
    "score_mean": (
        [{"scores": {"a": 3, "b": 1}}, {"scores": {"a": 1}}, {"scores": {"c": 2, "b": 3}}],
        {"score_min": 0, "score_max": 3},
    ),
    "score_trimmed_mean": (
        [{"scores": {"a": 3, "b": 1}}, {"scores": {"a": 1}}, {"scores": {"c": 2, "b": 3}}],
        {"score_min": 0, "score_max": 3, "trim": 1},
    ),
}
SETTINGS = {"approval": {"max_choices": 2}}


def record(method: str, extra: list, sealed: dict | None = SEALED, **settings) -> bytes:
    valid, own = VALID[method]
    return one_category_record(
        method,
        NOMINEES,
        [*valid, *extra],
        sealed=sealed,
        recused=settings.pop("recused", {}),
        **{**own, **SETTINGS.get(method, {}), **settings},
    )


def entry(data: bytes) -> dict:
    return json.loads(results_bytes(parse_record(data)))["categories"][0]


@pytest.mark.parametrize("method", sorted(VALID))
def test_an_invalid_ballot_counts_as_an_abstention_does_and_is_reported_apart(method, monkeypatch):
    # The same ballots with two abstentions instead: every method counts the same (approval
    # divides by participants, abstaining ones included, and so invalid ones too).
    recused = {"b": 1}  # a share's denominator that is not every nominee's
    invalid = entry(record(method, [INVALID, INVALID], recused=recused))
    abstaining = entry(record(method, [ABSTAIN, ABSTAIN], sealed=None, recused=recused))
    assert invalid["invalid"] == 2
    assert (invalid["valid"], invalid["abstentions"]) == (3, 0)
    assert abstaining["abstentions"] == 2
    for key in ("ranking", "winners", "details", "quorum_met"):
        assert invalid[key] == abstaining[key], key
    numpy, plain = counted_both_ways(record(method, [INVALID, ABSTAIN]), monkeypatch)
    assert numpy == plain
    both = json.loads(plain)["categories"][0]
    assert (both["valid"], both["abstentions"], both["invalid"]) == (3, 1, 1)


@pytest.mark.parametrize("method", sorted(VALID))
def test_invalid_ballots_do_not_make_the_quorum(method):
    short = entry(record(method, [INVALID, INVALID], quorum=4))
    assert short["quorum_met"] is False
    assert short["winners"] == []
    assert entry(record(method, [INVALID], quorum=3))["quorum_met"] is True


def test_results_hold_invalid_only_where_there_are_some():
    # So that every results file made before the mark existed is remade byte for byte.
    plain = entry(record("borda", [ABSTAIN]))
    assert "invalid" not in plain
    assert entry(record("borda", [INVALID]))["invalid"] == 1


def edited(results: bytes, change) -> bytes:
    document = json.loads(results)
    change(document["categories"][0])
    return canonical_json(document)


@pytest.mark.parametrize(
    ("ballots", "change"),
    [
        ([INVALID, INVALID], lambda c: c.update(invalid=1)),
        ([INVALID, INVALID], lambda c: c.pop("invalid")),
        ([INVALID], lambda c: c.update(invalid=True)),  # 1 == True in Python, not in JSON
        ([ABSTAIN], lambda c: c.update(invalid=0)),  # the results leave out a count of 0
        ([ABSTAIN], lambda c: c.update(invalid=1, abstentions=0)),
    ],
)
def test_verify_catches_an_edited_invalid_count(ballots, change):
    data = record("approval", ballots)
    results = results_bytes(parse_record(data))
    assert verify(data, results) == []
    failures = verify(data, edited(results, change))
    assert failures
    assert {f.check for f in failures} == {Check.TALLY}
    assert any("invalid does not match the recount" in f.detail for f in failures)


def test_a_plain_record_may_not_mark_a_ballot_invalid():
    data = record("irv", [INVALID], sealed=None)
    failures = verify(data, b"{}")
    ballot = [f for f in failures if f.check == Check.BALLOT]
    assert len(ballot) == 1
    assert ballot[0].detail == """only a sealed round's record marks a ballot {"invalid": true}"""


@pytest.mark.parametrize(
    "content",
    [
        {"invalid": False},
        {"invalid": 1},
        {"invalid": True, "ranking": ["a"]},
        {"invalid": True, "abstain": True},
    ],
)
def test_a_sealed_record_marks_invalid_only_with_true_alone(content):
    failures = verify(record("borda", [content]), b"{}")
    assert [f.check for f in failures if f.check == Check.BALLOT] == [Check.BALLOT]


@pytest.mark.parametrize("method", sorted(VALID))
def test_no_cast_may_send_the_mark(method):
    # Casting judges a juror's ballot by BallotRules as the sheet makes them: never sealed.
    rules = BallotRules(method, frozenset(NOMINEES), max_choices=2, score_min=0, score_max=3)
    found = problem({"invalid": True}, rules)
    assert found is not None
    assert found.code == Code.NOT_SEALED
    assert problem({"invalid": True}, BallotRules(method, frozenset(NOMINEES), sealed=True)) is None


def public_pair(method: str, disclosure: str) -> tuple[bytes, bytes, bytes]:
    data = record_format2(method, disclosure)
    results = results_bytes(parse_record(data))
    return data, results, public_document(parse_record(data), results, 1)


def record_format2(method: str, disclosure: str) -> bytes:
    from ballots.canonical import sha256_hex
    from ballots.record import record_document

    raw = json.loads(record(method, [INVALID, ABSTAIN]))
    category = raw["categories"][0]
    category["disclosure"] = disclosure
    keys = ("id", "name", "method", "winners", "quorum", "disclosure", "eligible_jurors")
    settings = ("max_choices", "score_min", "score_max", "trim")
    config = {
        "season": raw["season"],
        "round": {k: raw["round"][k] for k in ("id", "name", "kind")},
        "categories": [
            {
                **{k: category[k] for k in (*keys, *settings) if k in category},
                "nominees": category["nominees"],
            }
        ],
    }
    raw["round"]["config_sha256"] = sha256_hex(canonical_json(config))
    return record_document(raw["season"], raw["round"], raw["categories"], config)


@pytest.mark.parametrize("disclosure", ["full", "counts"])
def test_the_public_record_shows_the_invalid_count_and_verifies(disclosure):
    data, results, public = public_pair("approval", disclosure)
    assert count(parse_record(data))["categories"][0]["invalid"] == 1
    shown = json.loads(public)["categories"][0]
    assert shown["results"]["invalid"] == 1
    assert check_public(public).failures == []
    assert verify_with_public(data, results, public) == []


def test_a_withheld_category_whose_counts_do_not_add_up_fails():
    _, _, public = public_pair("approval", "counts")
    document = json.loads(public)
    document["categories"][0]["results"]["invalid"] = 2
    failures = check_public(canonical_json(document)).failures
    assert [f.detail for f in failures] == ["the counts, participants and trackers do not agree"]


def test_only_a_sealed_rounds_public_record_may_count_invalid_ballots():
    _, _, public = public_pair("approval", "counts")
    document = json.loads(public)
    del document["round"]["sealed"]
    results = document["categories"][0]["results"]
    results["abstentions"] += results["invalid"]  # counts that add up, but not a sealed round's
    failures = check_public(canonical_json(document)).failures
    assert "the results hold other fields than level counts shows" in [f.detail for f in failures]
