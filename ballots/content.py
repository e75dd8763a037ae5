"""Ballot content and its validity, by JSON type, exactly as the election record spec's table says.

    any method          {"abstain": true}         true itself: not 1, not 1.0, not false
    approval            {"approve": [ids]}        strings, sorted, distinct, nominees, at most
                                                  max_choices
    borda, irv, schulze {"ranking": [ids]}        strings, best first, distinct, nominees, at
                                                  least one
    score methods       {"scores": {id: int}}     nominees, whole numbers (not true or false, not
                                                  3.0) in [score_min, score_max], at least one
    a sealed record     {"invalid": true}         true itself: a ballot whose decryption is none
                                                  of the above (`BallotRules.sealed` only)

This is the one definition: casting checks a juror's ballot with `problem`, the verifier every
ballot of a record, and the tally counts only records whose ballots it accepts. Python's
`1 == True` and `1.0 == 1` are why every test here is by type, never by equality.

`{"invalid": true}` is what a sealed round's record holds where the trustees decrypted a ballot
that breaks these rules (the server never saw it in the clear, so could not refuse it): only the
rules of a sealed record accept it, so that neither a juror nor a plain record can write one.
"""

import secrets
from dataclasses import dataclass, field
from typing import Any

RANKED = frozenset({"borda", "irv", "schulze"})
SCORED = frozenset({"score_mean", "score_trimmed_mean"})
METHODS = frozenset({"approval"}) | RANKED | SCORED
ABSTAIN: dict[str, Any] = {"abstain": True}
INVALID: dict[str, Any] = {"invalid": True}

# The form of a ballot under each method, as the spec writes it (also shown to API users).
FORMS = {
    "approval": '{"approve": [ids]}',
    **dict.fromkeys(RANKED, '{"ranking": [ids]}'),
    **dict.fromkeys(SCORED, '{"scores": {id: score}}'),
}


class Code:
    """Why a content is not a valid ballot: the codes of `Problem`, in one place. Casting words
    each for the juror in the juror's language; the verifier and the command print `ENGLISH`."""

    NOT_OBJECT = "not_object"
    ABSTAIN_NOT_TRUE = "abstain_not_true"
    SHAPE = "shape"  # params: form
    NOT_NOMINEE = "not_nominee"  # nominee
    REPEATED = "repeated"  # nominee
    UNSORTED = "unsorted"
    TOO_MANY = "too_many"  # max
    EMPTY = "empty"
    SCORE_NOT_INTEGER = "score_not_integer"  # nominee, score
    SCORE_BELOW = "score_below"  # nominee, min
    SCORE_ABOVE = "score_above"  # nominee, max
    UNKNOWN_METHOD = "unknown_method"  # method
    NOT_SEALED = "not_sealed"


# The auditor's words (str.format, with the params), as the verifier names a bad ballot.
ENGLISH = {
    Code.NOT_OBJECT: "the ballot is not an object",
    Code.ABSTAIN_NOT_TRUE: 'an abstention is {{"abstain": true}}',
    Code.SHAPE: "the ballot is not of the form {form}",
    Code.NOT_NOMINEE: "not a nominee of the category: {nominee}",
    Code.REPEATED: "{nominee} is chosen twice",
    Code.UNSORTED: "the approved ids are not sorted",
    Code.TOO_MANY: "more than {max} approvals",
    Code.EMPTY: "the ballot names no nominee",
    Code.SCORE_NOT_INTEGER: "the score of {nominee} is not a whole number",
    Code.SCORE_BELOW: "the score of {nominee} is below {min}",
    Code.SCORE_ABOVE: "the score of {nominee} is above {max}",
    Code.UNKNOWN_METHOD: "unknown method {method}",
    Code.NOT_SEALED: 'only a sealed round\'s record marks a ballot {{"invalid": true}}',
}
CODES = frozenset(ENGLISH)


@dataclass(frozen=True)
class Problem:
    """Why a content is not a valid ballot: a `code` (one of `Code`) with its `params`, which
    each caller says in its own words; `str()` is the English of `ENGLISH`."""

    code: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return ENGLISH[self.code].format(**self.params)


@dataclass(frozen=True)
class BallotRules:
    """What a ballot in one category may contain."""

    method: str
    nominees: frozenset[str]
    max_choices: int | None = None
    score_min: int | None = None
    score_max: int | None = None
    sealed: bool = False
    """The rules of a sealed round's record, which may hold `{"invalid": true}`; never those of
    a cast."""


def new_tracker() -> str:
    """16 random bytes in hex: the ballot's id, shown once to the juror."""
    return secrets.token_hex(16)


def is_abstention(content: Any) -> bool:
    return type(content) is dict and len(content) == 1 and content.get("abstain") is True


def is_invalid(content: Any) -> bool:
    """A sealed record's mark of a ballot that was invalid once decrypted."""
    return type(content) is dict and len(content) == 1 and content.get("invalid") is True


def plainly_valid(content: Any, rules: BallotRules) -> bool:
    """A quick yes for the common valid ballot: a ranking, an approval, an abstention; False
    means "ask `problem`", not "invalid". Verifying a million-ballot record spends most of its
    time here. Ids are checked by being nominees: nominees are strings, and nothing else equals
    a string."""
    if type(content) is not dict or len(content) != 1:
        return False
    if rules.method in RANKED:
        ids = content.get("ranking")
        if not ids:  # no ranking, or an empty one
            return content.get("abstain") is True
    elif rules.method == "approval":
        ids = content.get("approve")
        if ids is None:
            return content.get("abstain") is True
        if type(ids) is not list or (
            rules.max_choices is not None and len(ids) > rules.max_choices
        ):
            return False
        try:
            if ids != sorted(ids):
                return False
        except TypeError:  # ids of mixed types cannot even be sorted
            return False
    else:
        return rules.method in SCORED and content.get("abstain") is True
    if type(ids) is not list:
        return False
    try:
        distinct = set(ids)
    except TypeError:  # unhashable items: certainly not ids
        return False
    return len(distinct) == len(ids) and distinct <= rules.nominees


def problem(content: Any, rules: BallotRules) -> Problem | None:
    """Why `content` is not a valid ballot under `rules`, or None when it is (or, under a sealed
    record's rules, when it is the mark of a ballot that was not)."""
    if rules.method not in METHODS:
        return Problem(Code.UNKNOWN_METHOD, {"method": rules.method})
    if type(content) is not dict:
        return Problem(Code.NOT_OBJECT)
    if "abstain" in content:
        if content["abstain"] is not True:
            return Problem(Code.ABSTAIN_NOT_TRUE)
        return None if len(content) == 1 else Problem(Code.SHAPE, {"form": FORMS[rules.method]})
    if "invalid" in content:
        if not rules.sealed:
            return Problem(Code.NOT_SEALED)
        return None if is_invalid(content) else Problem(Code.SHAPE, {"form": '{"invalid": true}'})
    if rules.method in SCORED:
        return _scores_problem(content, rules)
    return _ids_problem(content, rules)


def _ids_problem(content: dict, rules: BallotRules) -> Problem | None:
    """An approval or a ranking: a list of distinct nominee ids."""
    key = "approve" if rules.method == "approval" else "ranking"
    ids = content.get(key)
    if len(content) != 1 or type(ids) is not list or not all(isinstance(i, str) for i in ids):
        return Problem(Code.SHAPE, {"form": FORMS[rules.method]})
    if key == "ranking" and not ids:
        return Problem(Code.EMPTY)
    seen: set[str] = set()
    for nominee in ids:
        if nominee not in rules.nominees:
            return Problem(Code.NOT_NOMINEE, {"nominee": nominee})
        if nominee in seen:
            return Problem(Code.REPEATED, {"nominee": nominee})
        seen.add(nominee)
    if key == "approve":
        if ids != sorted(ids):
            return Problem(Code.UNSORTED)
        if rules.max_choices is not None and len(ids) > rules.max_choices:
            return Problem(Code.TOO_MANY, {"max": rules.max_choices})
    return None


def _scores_problem(content: dict, rules: BallotRules) -> Problem | None:
    scores = content.get("scores")
    if len(content) != 1 or type(scores) is not dict or not all(isinstance(n, str) for n in scores):
        return Problem(Code.SHAPE, {"form": FORMS[rules.method]})
    if not scores:
        return Problem(Code.EMPTY)
    for nominee, score in scores.items():
        if nominee not in rules.nominees:
            return Problem(Code.NOT_NOMINEE, {"nominee": nominee})
        if type(score) is not int:  # bool is a subclass of int; 3.0 is a float
            return Problem(Code.SCORE_NOT_INTEGER, {"nominee": nominee, "score": score})
        if rules.score_min is not None and score < rules.score_min:
            return Problem(Code.SCORE_BELOW, {"nominee": nominee, "min": rules.score_min})
        if rules.score_max is not None and score > rules.score_max:
            return Problem(Code.SCORE_ABOVE, {"nominee": nominee, "max": rules.score_max})
    return None
