"""The check of a booth challenge (issue 13): a document the booth would reveal holds; each of
its fields changed is refused, naming what; junk never makes the checker raise."""

import copy
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.cli import main
from ballots.sealed.board import receipt, seal
from ballots.sealed.challenge import FORMAT, check_challenge, layout_document
from ballots.sealed.encoding import layout
from ballots.sealed.group import base, embed, hash_to_scalar, random_scalar

CONTEXT = {"season": "2026", "round": "final"}
KEY = base(hash_to_scalar("test-challenge/key"))
APPROVAL = {"method": "approval", "nominees": [{"id": f"n{i}"} for i in range(300)]}
RANKED = {"method": "irv", "nominees": [{"id": f"r{i}"} for i in range(8)]}
SCORED = {
    "method": "score_mean",
    "nominees": [{"id": f"s{i}"} for i in range(6)],
    "score_min": 1,
    "score_max": 10,
}


def booth_category(name, entry, isolated, recused, content) -> dict[str, Any]:
    """What the booth's worker reveals of one category, made with Python's own seal."""
    drawn: list[int] = []

    def rng() -> int:
        drawn.append(random_scalar())
        return drawn[-1]

    sealed = seal(
        KEY, layout(entry, isolated), content, CONTEXT, name, f"t-{name}", rng, None, recused
    )
    return {
        "category": name,
        "entry": entry,
        "isolated": isolated,
        "recused": recused,
        "content": content,
        "randomness": [f"{r:064x}" for r in drawn[::2]],
        "ballot": sealed.to_json(),
        "receipt": receipt(name, sealed.to_json()),
    }


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return {
        "format": FORMAT,
        "election_key": KEY.hex(),
        "context": CONTEXT,
        "categories": [
            booth_category(
                "drama", APPROVAL, ["n5", "n250"], ["n250"], {"approve": ["n1", "n299", "n5"]}
            ),
            booth_category("actor", RANKED, [], [], {"ranking": ["r3", "r0"]}),
            booth_category("score", SCORED, ["s2"], [], {"scores": {"s0": 10, "s2": 4}}),
            booth_category("song", RANKED, [], [], {"abstain": True}),
        ],
    }


def test_a_faithful_booths_challenge_holds(document):
    problems, contents = check_challenge(document)
    assert problems == []
    assert contents["drama"] == {"approve": ["n1", "n299", "n5"]}
    assert contents["song"] == {"abstain": True}


def _other_point() -> str:
    return embed(bytes(range(30))).hex()


TAMPERINGS = {
    "content": (
        lambda d: d["categories"][0]["content"]["approve"].remove("n5"),
        "drama: part 2: the ciphertext carries other choices than the revealed content",
    ),
    "one randomness": (
        lambda d: d["categories"][1]["randomness"].__setitem__(0, f"{12345:064x}"),
        "actor: part 0: the ciphertext was not made with the revealed randomness",
    ),
    "the key": (
        lambda d: d.__setitem__("election_key", base(7).hex()),
        "the ciphertext is not the revealed content encrypted to the election key",
    ),
    "a ciphertext": (
        lambda d: d["categories"][2]["ballot"]["ballot"][1].__setitem__(1, _other_point()),
        "score: part 1: the ciphertext is not the revealed content encrypted to the election key",
    ),
    "the receipt": (
        lambda d: d["categories"][3].__setitem__("receipt", "0" * 32),
        "song: the receipt is not the entry's",
    ),
    "recused, revealed": (
        lambda d: d["categories"][0].__setitem__("recused", ["n5"]),
        "drama: the entry's recused nominees are not the revealed ones",
    ),
    "recused, in the entry": (
        lambda d: d["categories"][0]["ballot"].__setitem__("recused", ["n5", "n250"]),
        "drama: the entry's proof does not hold for this round, category and tracker",
    ),
    "the tracker": (
        lambda d: d["categories"][1]["ballot"].__setitem__("tracker", "t-other"),
        "actor: the entry's proof does not hold for this round, category and tracker",
    ),
    "the round": (
        lambda d: d["context"].__setitem__("round", "other"),
        "drama: the entry's proof does not hold for this round, category and tracker",
    ),
    "the format": (lambda d: d.__setitem__("format", "x"), f"the format is not {FORMAT}"),
}


@pytest.mark.parametrize("what", TAMPERINGS)
def test_each_field_changed_is_refused_naming_what(document, what):
    changed = copy.deepcopy(document)
    change, expected = TAMPERINGS[what]
    change(changed)
    problems, _contents = check_challenge(changed)
    assert any(expected in p for p in problems), problems


def test_a_content_the_rules_refuse_is_named(document):
    changed = copy.deepcopy(document)
    changed["categories"][1]["content"] = {"ranking": ["r3", "r3"]}
    problems, _ = check_challenge(changed)
    assert problems == ["actor: the revealed content is not a valid ballot: r3 is chosen twice"]


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)
PLACES = [
    ("election_key",),
    ("context",),
    ("categories",),
    ("categories", 0),
    *[
        ("categories", 0, field)
        for field in ("category", "entry", "isolated", "recused", "content")
    ],
    ("categories", 0, "randomness"),
    ("categories", 0, "randomness", 0),
    ("categories", 0, "ballot"),
    ("categories", 0, "ballot", "ballot"),
    ("categories", 0, "ballot", "proof"),
    ("categories", 2, "entry", "score_max"),
    ("categories", 0, "entry", "max_choices"),
    ("categories", 0, "entry", "nominees", 0),
]


@settings(max_examples=300, deadline=None)
@given(place=st.sampled_from(PLACES), junk=JSON)
def test_junk_anywhere_is_a_problem_never_an_exception(document, place, junk):
    changed = copy.deepcopy(document)
    target = changed
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = junk
    problems, _ = check_challenge(changed)
    assert all(isinstance(p, str) for p in problems)


@pytest.mark.parametrize("junk", [None, [], "x", 3, {"categories": [None, 1, []]}])
def test_a_document_of_no_shape_is_refused(junk):
    problems, _ = check_challenge(junk)
    assert problems


def test_the_command_prints_the_choices_and_exits_by_the_verdict(document, tmp_path, capsys):
    path = tmp_path / "challenge.json"
    path.write_text(json.dumps(document))
    assert main(["challenge", str(path)]) == 0
    out = capsys.readouterr().out
    assert "drama: approves n1, n299, n5\n  holds" in out
    assert "actor: ranks r3 > r0" in out
    assert "song: abstains" in out
    changed = copy.deepcopy(document)
    changed["categories"][3]["receipt"] = "0" * 32
    path.write_text(json.dumps(changed))
    assert main(["challenge", str(path)]) == 1
    assert "  FAIL song: the receipt is not the entry's" in capsys.readouterr().out
    path.write_text("{not json")
    assert main(["challenge", str(path)]) == 1
    assert main(["challenge", str(tmp_path / "absent.json")]) == 2


def test_the_command_compares_the_layout_with_the_rounds(document, tmp_path, capsys):
    """`--layout`: the round's published booth layout, which the challenge's must be."""
    path, published = tmp_path / "challenge.json", tmp_path / "layout.json"
    path.write_text(json.dumps(document))
    rounds = [(c["category"], c["entry"], c["isolated"]) for c in document["categories"]]
    layout = layout_document(document["context"], document["election_key"], "ab" * 32, rounds)
    published.write_text(json.dumps(layout))
    assert main(["challenge", str(path), "--layout", str(published)]) == 0
    assert "not compared with the round's layout" not in capsys.readouterr().out
    layout["categories"][0]["entry"]["nominees"].reverse()
    published.write_text(json.dumps(layout))
    assert main(["challenge", str(path), "--layout", str(published)]) == 1
    name = document["categories"][0]["category"]
    assert f"{name}: its nominees, their order or its settings are not the round's" in (
        capsys.readouterr().out
    )
    assert main(["challenge", str(path)]) == 0  # alone, it cannot tell
    assert "not compared with the round's layout" in capsys.readouterr().out
