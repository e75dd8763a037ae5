"""One meaning for a ballot (issue 8, item 1): validity by JSON type, the Problem codes, and
abstention exactly `{"abstain": true}`, the same for casting, the record, verify and the tally."""

import pytest

from ballots.content import CODES, BallotRules, Code, is_abstention, plainly_valid, problem

NOMINEES = frozenset({"a", "b", "c"})
RULES = {
    "approval": BallotRules("approval", NOMINEES, max_choices=2),
    "irv": BallotRules("irv", NOMINEES),
    "score_mean": BallotRules("score_mean", NOMINEES, score_min=1, score_max=10),
}

VALID = [
    ("approval", {"abstain": True}),
    ("approval", {"approve": []}),
    ("approval", {"approve": ["a", "c"]}),
    ("irv", {"ranking": ["c", "a"]}),
    ("irv", {"abstain": True}),
    ("score_mean", {"scores": {"a": 1, "c": 10}}),
    ("score_mean", {"abstain": True}),
]

INVALID = [
    # (method, content, code): the code a caller maps to its own words
    ("approval", [], "not_object"),
    ("approval", None, "not_object"),
    ("approval", {"abstain": 1}, "abstain_not_true"),
    ("approval", {"abstain": 1.0}, "abstain_not_true"),
    ("irv", {"abstain": 1}, "abstain_not_true"),
    ("score_mean", {"abstain": 1}, "abstain_not_true"),
    ("approval", {"abstain": False}, "abstain_not_true"),
    ("approval", {"abstain": "true"}, "abstain_not_true"),
    ("approval", {"abstain": True, "approve": []}, "shape"),
    ("approval", {}, "shape"),
    ("approval", {"approve": "a"}, "shape"),
    ("approval", {"approve": [1]}, "shape"),
    ("approval", {"approve": [True]}, "shape"),
    ("approval", {"approve": [["a"]]}, "shape"),
    ("approval", {"ranking": ["a"]}, "shape"),
    ("approval", {"approve": ["z"]}, "not_nominee"),
    ("approval", {"approve": ["a", "a"]}, "repeated"),
    ("approval", {"approve": ["b", "a"]}, "unsorted"),
    ("approval", {"approve": ["a", "b", "c"]}, "too_many"),
    ("irv", {"ranking": []}, "empty"),
    ("irv", {"ranking": ["a", 1.0]}, "shape"),
    ("irv", {"ranking": ["a", None]}, "shape"),
    ("irv", {"ranking": ["a", "z"]}, "not_nominee"),
    ("irv", {"ranking": ["a", "b", "a"]}, "repeated"),
    ("irv", {"approve": ["a"]}, "shape"),
    ("score_mean", {"scores": {}}, "empty"),
    ("score_mean", {"scores": [["a", 1]]}, "shape"),
    ("score_mean", {"scores": {"z": 3}}, "not_nominee"),
    ("score_mean", {"scores": {"a": 3.0}}, "score_not_integer"),
    ("score_mean", {"scores": {"a": True}}, "score_not_integer"),
    ("score_mean", {"scores": {"a": "3"}}, "score_not_integer"),
    ("score_mean", {"scores": {"a": 0}}, "score_below"),
    ("score_mean", {"scores": {"a": 11}}, "score_above"),
    # a sealed round's record only (issue 13): never a cast's, never a plain record's
    ("approval", {"invalid": True}, "not_sealed"),
    ("irv", {"invalid": True}, "not_sealed"),
    ("score_mean", {"invalid": True}, "not_sealed"),
]


@pytest.mark.parametrize(("method", "content"), VALID)
def test_valid_ballots(method, content):
    assert problem(content, RULES[method]) is None


@pytest.mark.parametrize(("method", "content", "code"), INVALID)
def test_invalid_ballots_have_a_stable_code_and_prose(method, content, code):
    found = problem(content, RULES[method])
    assert found is not None, content
    assert found.code == code
    assert str(found)[:1].islower()  # prose for verify's messages
    assert not plainly_valid(content, RULES[method])


def test_every_code_is_tried():
    assert {code for *_, code in INVALID} | {"unknown_method"} == CODES


def test_every_code_is_a_constant_with_its_english():
    """Issue 10: the codes live in one place, `Code`; each has the verifier's words."""
    assert {value for name, value in vars(Code).items() if name.isupper()} == CODES


def test_problem_params_name_what_is_wrong():
    assert problem({"approve": ["a", "z"]}, RULES["approval"]).params == {"nominee": "z"}
    assert problem({"approve": ["a", "b", "c"]}, RULES["approval"]).params == {"max": 2}
    below = problem({"scores": {"b": -4}}, RULES["score_mean"])
    assert below.params == {"nominee": "b", "min": 1}
    assert str(below) == "the score of b is below 1"
    assert str(problem({"abstain": 1}, RULES["irv"])) == 'an abstention is {"abstain": true}'


def test_an_unknown_method_is_a_problem_not_a_crash():
    found = problem({"approve": []}, BallotRules("plurality", NOMINEES))
    assert (found.code, found.params) == ("unknown_method", {"method": "plurality"})


@pytest.mark.parametrize(
    "content",
    [{"abstain": True}, {"abstain": 1}, {"abstain": 1.0}, {"abstain": False}, {}, [], None],
)
def test_is_abstention_agrees_with_problem(content):
    abstains = is_abstention(content)
    assert abstains == (content == {"abstain": True} and content["abstain"] is True)
    if abstains:
        assert all(problem(content, rules) is None for rules in RULES.values())
