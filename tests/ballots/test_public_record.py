"""The public record (docs/election-record.md, "The public record"): what each disclosure level
lets the public have of a round, recountable where the level is `full`, and tied to the full
record so that the two cannot diverge."""

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from ballots.canonical import canonical_json, sha256_hex
from ballots.cli import main
from ballots.public import check_public, public_document, verify_with_public
from ballots.record import parse_record, results_salt
from ballots.tally import results_bytes
from tests.results.sample import category, record_bytes

THRESHOLD = 5


def _categories() -> list[dict]:
    six = [{"approve": ["a"]}] * 4 + [{"approve": ["a", "b"]}, {"abstain": True}]
    ranked = [{"ranking": ["a", "b", "c"]}] * 4 + [{"ranking": ["b", "a"]}] * 2
    found = [
        category("open", "approval", ["a", "b", "c"], six, disclosure="full", max_choices=2),
        category("counted", "borda", ["a", "b", "c"], ranked, disclosure="counts"),
        category("ranked", "borda", ["a", "b", "c"], ranked, disclosure="ranking"),
        category("named", "approval", ["a", "b"], six, disclosure="winners", max_choices=2),
        # `full`, but three jurors are a small jury: only its winners may be shown.
        category("small", "approval", ["a", "b"], six[:3], disclosure="full", max_choices=2),
    ]
    for entry in found:  # trackers of 32 hex digits, unique in the record
        for ballot in entry["ballots"]:
            ballot["tracker"] = sha256_hex(f"{entry['id']}{ballot['tracker']}".encode())[:32]
    return found


@pytest.fixture
def pair() -> tuple[bytes, bytes, bytes]:
    record = record_bytes(_categories())
    results = results_bytes(parse_record(record))
    return record, results, public_document(parse_record(record), results, THRESHOLD)


def _edited(public: bytes, change) -> bytes:
    document = json.loads(public)
    change(document)
    return canonical_json(document)


def test_each_level_keeps_what_it_allows_and_no_more(pair):
    """The known answer: the full category whole, the others reduced as their level says."""
    record, results, public = pair
    document = json.loads(public)
    full_record, full_results = json.loads(record), json.loads(results)
    assert document["format"] == "awards-public-record/1"
    assert document["record_sha256"] == sha256_hex(record)
    assert document["results_sha256"] == sha256_hex(results)
    assert document["small_jury_threshold"] == THRESHOLD
    assert document["config"] == full_record["config"]  # so config_sha256 still checks
    assert document["round"] == full_record["round"]  # the seed too: the lot is recounted
    opened, counted, ranked, named, small = document["categories"]
    assert opened == {
        **full_record["categories"][0],
        "shown": "full",
        "withheld": False,
        "results": full_results["categories"][0],
    }
    for entry in (counted, ranked, named, small):
        assert entry["withheld"] is True
        assert not {"ballots", "merkle_root"} & set(entry)
    assert counted["shown"] == "counts"
    assert counted["participants"] == 6
    assert counted["trackers"] == [b["tracker"] for b in full_record["categories"][1]["ballots"]]
    assert counted["results"] == {
        k: v for k, v in full_results["categories"][1].items() if k != "id"
    }
    assert ranked["shown"] == "ranking"
    assert not {"participants", "recused", "trackers"} & set(ranked)
    assert ranked["results"] == {
        "method": "borda",
        "quorum_met": True,
        "ranking": [
            {"nominee": "a", "rank": 1, "by_lot": False},
            {"nominee": "b", "rank": 2, "by_lot": False},
            {"nominee": "c", "rank": 3, "by_lot": False},
        ],
        "winners": ["a"],
    }
    assert named["shown"] == "winners"
    assert named["results"] == {"method": "approval", "quorum_met": True, "winners": ["a"]}
    assert (small["disclosure"], small["shown"]) == ("full", "winners")
    assert small["results"] == {"method": "approval", "quorum_met": True, "winners": ["a"]}


def test_the_public_recounts_the_full_categories(pair):
    _record, _results, public = pair
    checked = check_public(public)
    assert checked.failures == []
    assert checked.recounted == ["open"]
    assert checked.withheld == ["counted", "ranked", "named", "small"]


def test_an_edited_ballot_in_a_full_category_fails(pair):
    public = pair[2]

    def vote_for_b(document):
        document["categories"][0]["ballots"][0]["content"] = {"approve": ["b"]}

    failures = check_public(_edited(public, vote_for_b)).failures
    assert {(f.where, f.check) for f in failures} >= {
        ("category open", "merkle"),
        ("results, category open", "tally"),
    }


def test_an_edited_result_of_a_full_category_fails(pair):
    def winner_b(document):
        document["categories"][0]["results"]["winners"] = ["b"]

    failures = check_public(_edited(pair[2], winner_b)).failures
    assert [(f.where, f.check) for f in failures] == [("results, category open", "tally")]


def test_an_edited_withheld_entry_fails(pair):
    record, results, public = pair

    def renamed(document):
        document["categories"][3]["winners"] = 2  # not the rule the jurors were offered

    assert [(f.where, f.check) for f in check_public(_edited(public, renamed)).failures] == [
        ("category named", "config")
    ]

    def leaked(document):  # a withheld category may not carry its ballots
        document["categories"][2]["ballots"] = []

    assert ("category ranked", "public") in {
        (f.where, f.check) for f in check_public(_edited(public, leaked)).failures
    }

    def other_winner(document):  # well-formed, so only the auditor can tell
        document["categories"][3]["results"]["winners"] = ["b"]

    changed = _edited(public, other_winner)
    assert check_public(changed).failures == []
    assert [(f.where, f.check) for f in verify_with_public(record, results, changed)] == [
        ("public record", "public")
    ]


def test_a_level_above_the_disclosure_fails(pair):
    def shown_more(document):
        document["categories"][4]["shown"] = "ranking"

    failures = check_public(_edited(pair[2], shown_more)).failures
    assert ("category small", "public") in {(f.where, f.check) for f in failures}


def test_a_public_record_of_another_round_fails_the_auditors_check(pair):
    record, results, _public = pair
    other = record_bytes(_categories()[:2])
    swapped = public_document(parse_record(other), results_bytes(parse_record(other)), THRESHOLD)
    assert check_public(swapped).failures == []  # a good public record, of another record
    failures = verify_with_public(record, results, swapped)
    assert ("public record", "public") in {(f.where, f.check) for f in failures}
    assert verify_with_public(record, results, pair[2]) == []


def test_a_changed_configuration_fails_its_published_hash(pair):
    def renamed(document):
        document["config"]["categories"][1]["name"] = "别的奖项"

    failures = check_public(_edited(pair[2], renamed)).failures
    assert ("round", "config") in {(f.where, f.check) for f in failures}


def test_not_a_public_record(pair):
    assert [f.check for f in check_public(b"[]").failures] == ["format"]
    assert [f.check for f in check_public(pair[0]).failures] == ["format"]  # the full record
    assert [f.check for f in check_public(b"\xff").failures] == ["format"]


def test_the_command_line(pair, tmp_path, capsys):
    """`python -m ballots verify --public FILE`, and the auditor's `verify` with `--public`."""
    record, results, public = pair
    files = {}
    for name, data in (("record", record), ("results", results), ("public", public)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_bytes(data)

    def run(*args: str) -> SimpleNamespace:
        try:
            code = main(["verify", *args])
        except SystemExit as exc:  # argparse refusing the options
            code = exc.code
        out, err = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=out, stderr=err)

    good = run("--public", str(files["public"]))
    assert good.returncode == 0, good.stderr
    assert "recounted: 1 of 5 categories (open)" in good.stdout
    assert sha256_hex(public) in good.stdout  # to compare with the seal on the manifest
    audited = run(*(f"--{k}={v}" for k, v in files.items()))
    assert audited.returncode == 0, audited.stderr
    files["public"].write_bytes(public.replace(b'"approve":["a"]', b'"approve":["b"]', 1))
    bad = run("--public", str(files["public"]))
    assert bad.returncode == 1
    assert "category open: merkle" in bad.stderr
    assert run("--record", str(files["record"])).returncode == 2  # --results missing


EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "public-example"


def test_the_worked_example():
    """The known answer (tests/data/public-example/README.md): remade byte for byte, and only
    best-drama recounted, to 归队 with 4 approvals of 6 participants."""
    record, results, public = (
        (EXAMPLE / f"{name}.json").read_bytes() for name in ("record", "results", "public")
    )
    assert public_document(parse_record(record), results, THRESHOLD) == public
    checked = check_public(public)
    assert checked.failures == []
    assert checked.recounted == ["best-drama"]
    drama = json.loads(public)["categories"][0]["results"]
    assert [(p["nominee"], p["value"]) for p in drama["ranking"]] == [
        ("guidui", "2/3"),
        ("xiaorizi", "1/3"),
    ]
    assert drama["winners"] == ["guidui"]
    assert [c["shown"] for c in json.loads(public)["categories"]] == [
        "full",
        "counts",
        "ranking",
        "winners",
        "winners",
    ]
    assert verify_with_public(record, results, public) == []
    # The results are the tally's, byte for byte, salted; the public record names their hash
    # and carries nothing else of them beyond each category's entry.
    assert results == results_bytes(parse_record(record))
    assert json.loads(results)["salt"] == results_salt(record)
    assert json.loads(public)["results_sha256"] == sha256_hex(results)
    assert b"salt" not in public


def _paths(value, path=()):
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def test_no_edit_makes_the_check_raise_and_every_edit_of_a_full_category_is_caught():
    """Each value of the worked example replaced by each JSON type: `check_public` answers,
    never raises; and wherever the edit is inside the category shown in full (but for the
    free-form `details` of its count), the file no longer verifies."""
    original = json.loads((EXAMPLE / "public.json").read_bytes())
    for path in _paths(original):
        if not path:
            continue
        for replacement in (None, 1, 1.5, True, "x", [], {}, [1], {"a": 1}):
            document = json.loads((EXAMPLE / "public.json").read_bytes())
            *parents, last = path
            target = document
            for step in parents:
                target = target[step]
            if canonical_json(target[last]) == canonical_json(replacement):
                continue
            target[last] = replacement
            failures = check_public(canonical_json(document)).failures
            # Anything of the category shown in full but the free-form details of its count.
            if path[:2] == ("categories", 0) and path[2:4] != ("results", "details"):
                assert failures, (path, replacement)
