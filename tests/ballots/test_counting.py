"""The counting core against the spec's worked example, generated tampering, hand-made ties
that pin the lot rule, and properties of the methods."""

import copy
import hashlib
import json
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.canonical import canonical_json
from ballots.record import parse_record
from ballots.tally import count, lot_positions, results_bytes
from ballots.verify import verify
from tests import DATA
from tests.records import counted_both_ways, one_category_record

EXAMPLE = DATA / "spec-example"
RECORD = (EXAMPLE / "record-1.json").read_bytes()
RESULTS = (EXAMPLE / "results-1.json").read_bytes()
RESULTS_2 = (EXAMPLE / "results-2.json").read_bytes()


def test_the_worked_example_counts_exactly():
    ours = count(parse_record(RECORD))
    theirs = json.loads(RESULTS)
    assert ours["record_sha256"] == theirs["record_sha256"]
    assert ours["round"] == theirs["round"]
    assert [{k: v for k, v in c.items() if k != "details"} for c in ours["categories"]] == theirs[
        "categories"
    ]


def test_the_worked_example_in_results_format_2():
    """results-2.json is what `python -m ballots tally` makes of the record: the known answer
    of format 1 (results-1.json) on every verified key, and the salt of the record's bytes."""
    ours, theirs = json.loads(RESULTS_2), json.loads(RESULTS)
    assert results_bytes(parse_record(RECORD)) == RESULTS_2
    assert ours["format"] == "awards-results/2"
    assert ours["salt"] == hashlib.sha256(b"awards-results-salt/1\n" + RECORD).hexdigest()
    assert [{k: v for k, v in c.items() if k != "details"} for c in ours["categories"]] == theirs[
        "categories"
    ]
    assert verify(RECORD, RESULTS_2) == []
    salted = {**theirs, "format": "awards-results/2"}  # format 1's file, but claiming 2
    assert [f.check for f in verify(RECORD, canonical_json(salted))] == ["salt"]


def test_the_worked_example_verifies_and_counts_the_same_every_time():
    assert verify(RECORD, RESULTS) == []  # format 1, made before the salt, still verifies
    assert results_bytes(parse_record(RECORD)) == results_bytes(parse_record(RECORD))
    assert verify(RECORD, results_bytes(parse_record(RECORD))) == []


def _mutate_record(raw: dict, rng: random.Random) -> tuple[str, dict]:
    """One meaningful change to a record: the kinds an attacker or a bug would make."""
    raw = copy.deepcopy(raw)
    categories = [c for c in raw["categories"] if c["ballots"]]
    category = rng.choice(categories)
    ballots = category["ballots"]
    kind = rng.choice(
        ["drop", "duplicate", "reorder", "edit", "count", "seed", "eligible", "tracker"]
    )
    if kind == "drop":
        ballots.pop(rng.randrange(len(ballots)))
    elif kind == "duplicate":
        ballots.append(copy.deepcopy(rng.choice(ballots)))
        ballots.sort(key=lambda b: b["tracker"])
    elif kind == "reorder" and len(ballots) > 1:
        i = rng.randrange(len(ballots) - 1)
        ballots[i], ballots[i + 1] = ballots[i + 1], ballots[i]
    elif kind == "edit":
        ballot = rng.choice(ballots)
        ballot["content"] = (
            {"abstain": True} if "abstain" not in ballot["content"] else {"approve": []}
        )
    elif kind == "count":
        category["participants"] += rng.choice([-1, 1])
    elif kind == "seed":
        raw["round"]["tie_break"]["seed"] = hashlib.sha256(rng.randbytes(8)).hexdigest()
    elif kind == "eligible":
        category["eligible_jurors"] = category["participants"] - 1
    else:
        ballot = rng.choice(ballots)
        ballot["tracker"] = "f" * 32
    return kind, raw


@pytest.mark.parametrize("seed", range(60))
def test_every_generated_tampering_of_the_record_is_detected(seed):
    rng = random.Random(seed)
    kind, tampered = _mutate_record(json.loads(RECORD), rng)
    # Even re-sealed with fresh Merkle roots and fresh results, the tampering shows.
    data = canonical_json(tampered)
    if tampered == json.loads(RECORD):
        pytest.skip("the mutation happened to change nothing")
    failures = verify(data, RESULTS)
    assert failures, kind
    honest_results = json.loads(RESULTS)
    honest_results["record_sha256"] = hashlib.sha256(data).hexdigest()
    assert verify(data, json.dumps(honest_results).encode()), kind


@pytest.mark.parametrize("seed", range(40))
def test_any_single_byte_changed_in_the_record_is_detected(seed):
    rng = random.Random(seed)
    data = bytearray(RECORD)
    position = rng.randrange(len(data))
    data[position] = (data[position] + rng.randrange(1, 256)) % 256
    assert verify(bytes(data), RESULTS)


RESULT_EDITS = [
    ("winner", lambda r: r["categories"][0]["winners"].reverse()),
    ("value", lambda r: r["categories"][4]["ranking"][0].update(value="5")),
    ("by_lot", lambda r: r["categories"][1]["ranking"][0].update(by_lot=True)),
    ("rank", lambda r: r["categories"][9]["ranking"][0].update(rank=2)),
    ("valid", lambda r: r["categories"][2].update(valid=7)),
    ("quorum", lambda r: r["categories"][3].update(quorum_met=True)),
    ("order", lambda r: r["categories"][0]["ranking"].reverse()),
    ("dropped category", lambda r: r["categories"].pop()),
    ("record hash", lambda r: r.update(record_sha256="0" * 64)),
    ("round", lambda r: r.update(round="other")),
]


@pytest.mark.parametrize(("name", "edit"), RESULT_EDITS, ids=[n for n, _ in RESULT_EDITS])
def test_every_edit_of_the_results_is_detected(name, edit):
    results = json.loads(RESULTS)
    edit(results)
    failures = verify(RECORD, json.dumps(results).encode())
    assert failures, name


@pytest.mark.parametrize("seed", [bytes([i]) * 32 for i in range(8)])
def test_a_tie_is_broken_by_the_seeded_lot_and_marked(seed):
    data = one_category_record(
        "approval",
        ["a", "b", "c"],
        [{"approve": ["a", "b"]}, {"approve": ["a", "b"]}],
        seed=seed,
        max_choices=2,
    )
    [category] = count(parse_record(data))["categories"]
    expected_first = min(["a", "b"], key=lambda n: hashlib.sha256(seed + n.encode()).hexdigest())
    assert category["ranking"][0]["nominee"] == expected_first
    assert [p["by_lot"] for p in category["ranking"]] == [True, True, False]
    assert category["winners"] == [expected_first]


def test_lot_positions_follow_the_spec():
    seed = bytes(range(32))
    nominees = ["n1", "n2", "n3", "归队"]
    order = sorted(nominees, key=lambda n: hashlib.sha256(seed + n.encode("utf-8")).hexdigest())
    assert lot_positions(seed, nominees) == {n: i for i, n in enumerate(order)}


def test_irv_marks_only_counts_where_the_lot_broke_a_tie():
    data = one_category_record(
        "irv",
        ["a", "b", "c"],
        [
            {"ranking": ["a"]},
            {"ranking": ["b"]},
            {"ranking": ["c", "a"]},
            {"ranking": ["a"]},
            {"ranking": ["b", "a"]},
        ],
    )
    [category] = count(parse_record(data))["categories"]
    # First count: a 2, b 2, c 1 -> c out -> a 3 of 5 wins: no tie broken.
    assert category["ranking"][0] == {"nominee": "a", "rank": 1, "value": None, "by_lot": False}


def test_score_methods_trim_exactly_and_quorum_withholds_winners():
    data = one_category_record(
        "score_trimmed_mean",
        ["a", "b"],
        [{"scores": {"a": 1, "b": 5}}, {"scores": {"a": 9, "b": 5}}, {"scores": {"a": 10}}],
        score_min=0,
        score_max=10,
        trim=1,
        quorum=4,
    )
    [category] = count(parse_record(data))["categories"]
    assert [(p["nominee"], p["value"]) for p in category["ranking"]] == [("a", "9"), ("b", None)]
    assert category["quorum_met"] is False
    assert category["winners"] == []


rankings = st.lists(st.permutations(["a", "b", "c", "d"]).map(list), min_size=1, max_size=25)


@given(ballots=rankings, shuffle_seed=st.integers(0, 2**32))
@settings(max_examples=60, deadline=None)
@pytest.mark.parametrize("method", ["borda", "irv", "schulze"])
def test_counting_ignores_the_order_of_the_ballots(method, ballots, shuffle_seed):
    contents = [{"ranking": r} for r in ballots]
    shuffled = contents[:]
    random.Random(shuffle_seed).shuffle(shuffled)
    first = count(parse_record(one_category_record(method, ["a", "b", "c", "d"], contents)))[
        "categories"
    ]
    second = count(parse_record(one_category_record(method, ["a", "b", "c", "d"], shuffled)))[
        "categories"
    ]
    strip = lambda cats: [{k: v for k, v in c.items() if k != "details"} for c in cats]  # noqa: E731
    assert strip(first) == strip(second)


@given(ballots=rankings)
@settings(max_examples=80, deadline=None)
def test_schulze_elects_the_condorcet_winner(ballots):
    nominees = ["a", "b", "c", "d"]
    position = [{n: r.index(n) for n in nominees} for r in ballots]
    beats = lambda x, y: sum(p[x] < p[y] for p in position) > sum(p[y] < p[x] for p in position)  # noqa: E731
    condorcet = [x for x in nominees if all(beats(x, y) for y in nominees if y != x)]
    [category] = count(
        parse_record(one_category_record("schulze", nominees, [{"ranking": r} for r in ballots]))
    )["categories"]
    if condorcet:
        assert category["winners"] == condorcet


@given(
    ballots=st.lists(
        st.lists(st.sampled_from(["a", "b", "c"]), unique=True).map(sorted), max_size=20
    )
)
@settings(max_examples=80, deadline=None)
def test_approval_counts_are_conserved_and_monotone(ballots):
    contents = [{"approve": b} for b in ballots] + [{"abstain": True}]
    [category] = count(
        parse_record(one_category_record("approval", ["a", "b", "c"], contents, max_choices=3))
    )["categories"]
    assert category["valid"] + category["abstentions"] == len(contents)
    assert sum(category["details"]["approvals"].values()) == sum(len(b) for b in ballots)
    winner = category["winners"][0]
    more = [*contents, {"approve": [winner]}]
    [again] = count(
        parse_record(one_category_record("approval", ["a", "b", "c"], more, max_choices=3))
    )["categories"]
    assert again["winners"][0] == winner  # more support never costs the winner the win


@pytest.mark.parametrize("method", ["borda", "irv", "schulze"])
def test_numpy_and_plain_python_count_identically(method, monkeypatch):
    rng = random.Random(99)
    for _ in range(40):
        nominees = [f"n{i}" for i in range(rng.randint(2, 8))]
        ballots = [
            {"ranking": rng.sample(nominees, rng.randint(1, len(nominees)))}
            for _ in range(rng.randint(1, 60))
        ]
        data = one_category_record(method, nominees, ballots, seed=rng.randbytes(32))
        with_numpy, plain = counted_both_ways(data, monkeypatch)
        assert with_numpy == plain


LEAF_IDS = ["a", "b-1", "c.2", "归队", 'q"x', "z_9"]


@given(
    ids=st.lists(st.sampled_from(LEAF_IDS), unique=True),
    key=st.sampled_from(["ranking", "approve"]),
    tracker=st.sampled_from(["0" * 32, "ab" * 16, "不是十六进制"]),
)
def test_the_direct_merkle_leaf_is_byte_for_byte_canonical(ids, key, tracker):
    from ballots.leaves import leaf, plain_ids

    content = {key: ids}
    plain = plain_ids("best-drama", LEAF_IDS)
    expected = canonical_json({"category": "best-drama", "content": content, "tracker": tracker})
    assert leaf("best-drama", content, tracker, plain) == expected


@given(
    key=st.sampled_from(["ranking", "approve"]),
    lists=st.lists(st.lists(st.sampled_from(LEAF_IDS), unique=True), max_size=6),
    trackers=st.lists(st.sampled_from(["0" * 32, "ab" * 16, "", "不是十六进制"]), min_size=6),
    odd=st.sampled_from([None, {"abstain": True}, {"scores": {"a": 1}}, [], {"ranking": [[1]]}]),
)
def test_the_leaves_of_a_category_are_canonical_json(key, lists, trackers, odd):
    """Written in bulk where every ballot allows it, one by one otherwise: the same bytes."""
    from ballots.leaves import category_leaves

    ballots = [(tracker, {key: ids}) for tracker, ids in zip(trackers, lists, strict=False)]
    if odd is not None:
        ballots.append((trackers[0], odd))
    expected = [
        canonical_json({"category": "best-drama", "content": content, "tracker": tracker})
        for tracker, content in ballots
    ]
    assert category_leaves("best-drama", LEAF_IDS, ballots) == expected


@pytest.mark.parametrize("method", ["score_mean", "score_trimmed_mean"])
def test_numpy_and_plain_python_score_identically(method, monkeypatch):
    rng = random.Random(7)
    for _ in range(40):
        nominees = [f"n{i}" for i in range(rng.randint(1, 6))]
        ballots = [
            {
                "scores": {
                    n: rng.randint(-2, 5)
                    for n in rng.sample(nominees, rng.randint(1, len(nominees)))
                }
            }
            for _ in range(rng.randint(1, 50))
        ]
        data = one_category_record(
            method,
            nominees,
            ballots,
            seed=rng.randbytes(32),
            score_min=-2,
            score_max=5,
            trim=rng.randint(0, 3),
        )
        with_numpy, plain = counted_both_ways(data, monkeypatch)
        assert with_numpy == plain


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.floats()
    | st.sampled_from(["a", "b", "c", "z"]),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["a", "b", "x"]), inner, max_size=3)
    ),
    max_leaves=8,
)
contents = st.one_of(
    st.fixed_dictionaries(
        {"ranking": st.lists(st.sampled_from(["a", "b", "c", "z", 1]), max_size=5)}
    ),
    st.fixed_dictionaries(
        {"approve": st.lists(st.sampled_from(["a", "b", "c", "z", 1]), max_size=5)}
    ),
    st.dictionaries(
        st.sampled_from(["ranking", "approve", "scores", "abstain"]), json_values, max_size=2
    ),
)


@given(
    content=contents,
    method=st.sampled_from(["approval", "irv", "borda", "schulze", "score_mean", "plurality"]),
)
@settings(max_examples=400, deadline=None)
def test_the_quick_validity_check_never_passes_an_invalid_ballot(content, method):
    from ballots.content import BallotRules, plainly_valid, problem

    rules = BallotRules(
        method=method, nominees=frozenset({"a", "b", "c"}), max_choices=2, score_min=0, score_max=5
    )
    if plainly_valid(content, rules):
        assert problem(content, rules) is None


@given(
    size=st.integers(0, 9),
    data=st.data(),
)
def test_numpy_strongest_paths_are_the_plain_ones(size, data):
    """Schulze's strongest paths in one matrix operation per intermediate nominee (numpy) and in
    plain Python agree on any pairwise counts."""
    from ballots import arrays
    from ballots.tally import strongest_paths

    d = [[data.draw(st.integers(0, 6)) if i != j else 0 for j in range(size)] for i in range(size)]
    nominees = [f"n{i}" for i in range(size)]
    rows = {x: dict(zip(nominees, row, strict=True)) for x, row in zip(nominees, d, strict=True)}
    plain = strongest_paths(nominees, rows)
    assert arrays.strongest_paths(d) == [[plain[x][y] for y in nominees] for x in nominees]


def test_a_wide_schulze_count_from_few_ballots_agrees_with_plain_python(monkeypatch):
    """Many nominees, few ballots: numpy counts it (at 330 nominees plain Python took 4.5 s),
    with exactly the plain result."""
    from ballots import arrays, tally

    # Counted by numpy, not by plain Python twice: where numpy is missing, the import fails.
    monkeypatch.setattr(tally, "arrays", arrays)
    rng = random.Random(330)
    nominees = [f"n{i}" for i in range(60)]
    ballots = [{"ranking": rng.sample(nominees, rng.randint(1, 40))} for _ in range(50)]
    data = one_category_record("schulze", nominees, ballots, seed=rng.randbytes(32))
    with_numpy = results_bytes(parse_record(data))
    monkeypatch.setattr(tally, "arrays", None)
    assert results_bytes(parse_record(data)) == with_numpy
