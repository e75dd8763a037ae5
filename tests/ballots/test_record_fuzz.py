"""Property tests (issue 8): whatever a ballot or a record file holds, the core and the command
answer with named failures, never an exception.

- any JSON value as a ballot content: what `problem` accepts, the tally counts (with numpy and
  without);
- any sub-value of a valid record (format 1 and 2) replaced by any JSON value, or removed, and any
  bytes: `verify` returns failures; a record that passes its checks is counted; and
  `awards tally` / `awards verify`, run in this process, exit non-zero with a message and no
  traceback exactly when the record fails.
"""

import copy
import hashlib
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from awards.cli import main
from ballots.canonical import canonical_json, sha256_hex
from ballots.content import BallotRules, problem
from ballots.record import ElectionRecord, RecordError, parse_record, record_document
from ballots.tally import count, results_bytes
from ballots.verify import check_ballots, check_record, verify
from tests import DATA
from tests.records import counted_both_ways, one_category_record

NOMINEES = ["a", "b", "c"]
ids = st.sampled_from([*NOMINEES, "z", "", "../x"])
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.sampled_from([0, 1, -1, 1.0, 0.5, 10**18, -(10**30), float("inf")])
    | st.floats()
    | ids
    | st.text(max_size=5)
    | st.just("\ud800"),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            ids | st.sampled_from(["approve", "ranking", "scores", "abstain"]), inner, max_size=3
        )
    ),
    max_leaves=10,
)
# Mostly near-valid contents, so that many are accepted, mixed with anything at all.
contents = st.one_of(
    json_values,
    st.fixed_dictionaries({"abstain": json_values | st.just(True)}),
    st.fixed_dictionaries({"approve": st.lists(ids, max_size=4) | json_values}),
    st.fixed_dictionaries({"ranking": st.lists(ids, max_size=4) | json_values}),
    st.fixed_dictionaries(
        {"scores": st.dictionaries(ids, st.integers() | json_values, max_size=3)}
    ),
)

METHOD_SETTINGS = {
    "approval": st.fixed_dictionaries({"max_choices": st.integers(1, 4)}),
    "borda": st.just({}),
    "irv": st.just({}),
    "schulze": st.just({}),
    "score_mean": st.integers(-(10**20), 10**20).flatmap(
        lambda low: st.fixed_dictionaries(
            {"score_min": st.just(low), "score_max": st.integers(low, low + 10**21)}
        )
    ),
}
METHOD_SETTINGS["score_trimmed_mean"] = METHOD_SETTINGS["score_mean"].flatmap(
    lambda s: st.fixed_dictionaries(
        {**{k: st.just(v) for k, v in s.items()}, "trim": st.integers(0, 3)}
    )
)
RELAXED = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.parametrize("method", sorted(METHOD_SETTINGS))
@given(data=st.data())
@RELAXED
def test_what_problem_accepts_is_counted(method, data, monkeypatch):
    extra = data.draw(METHOD_SETTINGS[method])
    rules = BallotRules(
        method,
        frozenset(NOMINEES),
        extra.get("max_choices"),
        extra.get("score_min"),
        extra.get("score_max"),
    )
    ballots = [c for c in data.draw(st.lists(contents, max_size=6)) if problem(c, rules) is None]
    record = one_category_record(method, NOMINEES, ballots, **extra)
    assert check_record(parse_record(record)) == []
    with_numpy, plain = counted_both_ways(record, monkeypatch)
    assert with_numpy == plain


def _categories() -> list[dict]:
    """Six small categories, one per method, with abstentions and a recusal."""
    settings_of = {
        "approval": {"max_choices": 2},
        "score_mean": {"score_min": 0, "score_max": 5},
        "score_trimmed_mean": {"score_min": 0, "score_max": 5, "trim": 1},
    }
    ballots_of = {
        "approval": [{"approve": ["a", "b"]}, {"approve": ["c"]}],
        "score_mean": [{"scores": {"a": 5, "b": 0}}, {"scores": {"c": 3}}],
    }
    categories = []
    for number, method in enumerate(sorted(METHOD_SETTINGS)):
        family = "score_mean" if method.startswith("score") else method
        ballots = ballots_of.get(family, [{"ranking": ["b", "a"]}, {"ranking": ["c"]}])
        categories.append(
            {
                "id": f"c{number}",
                "name": f"奖项 {number}",
                "method": method,
                "winners": 1,
                "quorum": 1,
                "disclosure": "full",
                "eligible_jurors": 4,
                "participants": 3,
                "nominees": [{"id": n, "label": n.upper()} for n in NOMINEES],
                "recused": {"a": 1} if method == "approval" else {},
                "ballots": [
                    {"tracker": f"{number:02x}{i:030x}", "content": c}
                    for i, c in enumerate([*ballots, {"abstain": True}])
                ],
                **settings_of.get(method, {}),
            }
        )
    return categories


def _format_2_record() -> bytes:
    seed = hashlib.sha256(b"fuzz").digest()
    categories = _categories()
    counted = ("participants", "recused", "ballots")
    config = {
        "season": {"id": "s", "name": "季"},
        "round": {"id": "r", "name": "轮", "kind": "final"},
        "categories": [{k: v for k, v in c.items() if k not in counted} for c in categories],
    }
    round_ = {
        "id": "r",
        "name": "轮",
        "kind": "final",
        "opened_at": "2024-03-25T14:00:00+08:00",
        "closed_at": None,
        "tie_break": {"seed": seed.hex(), "seed_sha256": hashlib.sha256(seed).hexdigest()},
        "audit_head_at_open": "0" * 64,
        "audit_head_at_close": "0" * 64,
        "config_sha256": sha256_hex(canonical_json(config)),
    }
    return record_document({"id": "s", "name": "季"}, round_, categories, config=config)


EXAMPLE = DATA / "spec-example"
RECORDS = [_format_2_record(), (EXAMPLE / "record-1.json").read_bytes()]
GONE = object()  # "remove this key or item" rather than replace it


def _paths(value, path=()):
    yield path
    children = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list)
        else ()
    )
    for key, child in children:
        yield from _paths(child, (*path, key))


def _edited(raw, path, new):
    if not path:
        return new
    raw = copy.deepcopy(raw)
    *parents, last = path
    target = raw
    for key in parents:
        target = target[key]
    if new is GONE:
        del target[last]
    else:
        target[last] = new
    return raw


@st.composite
def edited_records(draw) -> tuple[bytes, bytes]:
    """A valid record with one sub-value replaced or removed (and its honest results)."""
    original = draw(st.sampled_from(RECORDS))
    raw = json.loads(original)
    path = draw(st.sampled_from(list(_paths(raw))))
    new = draw(json_values | st.just(GONE)) if path else draw(json_values)
    edited = _edited(raw, path, new)
    data = json.dumps(edited, ensure_ascii=False).encode("utf-8", "surrogatepass")
    return data, results_bytes(parse_record(original))


def _cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    _out, err = capsys.readouterr()
    assert "Traceback" not in err
    if code:
        assert err.strip()  # a named failure, never a silent refusal
    return code, err


def _read(data: bytes) -> ElectionRecord | None:
    try:
        return parse_record(data)
    except RecordError as exc:
        problems = exc.problems
    assert problems  # every refusal names at least one problem
    return None


def _check_everything(data: bytes, results: bytes, tmp_path: Path, capsys) -> None:
    failures = verify(data, results)
    assert isinstance(failures, list)
    record = _read(data)
    assert failures or record is not None
    if record is not None and not check_ballots(record):
        # What passes the checks the count depends on (so, a fortiori, all the record's
        # checks) is counted.
        count(record)
    record_file, results_file = tmp_path / "record.json", tmp_path / "results.json"
    record_file.write_bytes(data)
    results_file.write_bytes(results)
    tally_code, _err = _cli(capsys, "tally", "--record", str(record_file), "--json")
    verify_code, _err = _cli(
        capsys, "verify", "--record", str(record_file), "--results", str(results_file)
    )
    expected_tally = 2 if record is None else 1 if check_ballots(record) else 0
    assert tally_code == expected_tally
    assert verify_code == (1 if failures else 0)


@given(edited=edited_records())
@RELAXED
def test_any_edit_of_a_record_is_answered_with_named_failures(
    edited, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("AWARDS_VAR_DIR", str(tmp_path / "var"))
    data, results = edited
    _check_everything(data, results, tmp_path, capsys)


@given(
    data=st.binary(max_size=300)
    | st.sampled_from(RECORDS).flatmap(
        lambda r: st.tuples(st.integers(0, len(r) - 1), st.binary(min_size=1, max_size=3)).map(
            lambda cut: r[: cut[0]] + cut[1] + r[cut[0] + len(cut[1]) :]
        )
    )
)
@RELAXED
def test_any_bytes_are_answered_with_named_failures(data, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AWARDS_VAR_DIR", str(tmp_path / "var"))
    _check_everything(data, results_bytes(parse_record(RECORDS[0])), tmp_path, capsys)


@given(data=st.data())
@RELAXED
def test_any_edit_of_the_results_is_answered_with_named_failures(data):
    record = RECORDS[0]
    raw = json.loads(results_bytes(parse_record(record)))
    path = data.draw(st.sampled_from(list(_paths(raw))))
    edited = _edited(
        raw, path, data.draw(json_values | st.just(GONE)) if path else data.draw(json_values)
    )
    results = json.dumps(edited, ensure_ascii=False).encode("utf-8", "surrogatepass")
    failures = verify(record, results)
    assert failures or canonical_json(edited) == canonical_json(raw) or "details" in path
