"""Ballot content and its validity, exactly as spec/election-record.md's table says.

    any method          {"abstain": true}
    approval            {"approve": [ids]}        sorted, distinct, nominees, at most max_choices
    borda, irv, schulze {"ranking": [ids]}        best first, distinct, nominees, at least one
    score methods       {"scores": {id: int}}     nominees, each in [score_min, score_max], >= 1

Used when a juror casts, and again by the verifier on a published record.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

RANKED = frozenset({"borda", "irv", "schulze"})
SCORED = frozenset({"score_mean", "score_trimmed_mean"})
METHODS = frozenset({"approval"}) | RANKED | SCORED
ABSTAIN: dict[str, Any] = {"abstain": True}


@dataclass(frozen=True)
class BallotRules:
    """What a ballot in one category may contain."""

    method: str
    nominees: frozenset[str]
    max_choices: int | None = None
    score_min: int | None = None
    score_max: int | None = None


def new_tracker() -> str:
    """16 random bytes in hex: the ballot's id, shown once to the juror."""
    return secrets.token_hex(16)


def is_abstention(content: Mapping[str, Any]) -> bool:
    return content.get("abstain") is True and len(content) == 1


def plainly_valid(content: Any, rules: BallotRules) -> bool:
    """A quick yes for the common valid ranked or approval ballot; False means "ask `problem`",
    not "invalid". Verifying a million-ballot record spends most of its time here."""
    if type(content) is not dict or len(content) != 1:
        return False
    ids = content.get("ranking") if rules.method in RANKED else None
    if ids is None and rules.method == "approval":
        ids = content.get("approve")
        if type(ids) is not list or (
            rules.max_choices is not None and len(ids) > rules.max_choices
        ):
            return False
        try:
            if ids != sorted(ids):
                return False
        except TypeError:  # ids of mixed types cannot even be sorted
            return False
    elif not ids:
        return False
    if type(ids) is not list:
        return False
    try:
        distinct = set(ids)
    except TypeError:  # unhashable items: certainly not ids
        return False
    return len(distinct) == len(ids) and distinct <= rules.nominees


def problem(content: Any, rules: BallotRules) -> str | None:
    """Why `content` is not a valid ballot under `rules`, or None when it is."""
    if not isinstance(content, dict):
        return "content is not an object"
    if content == ABSTAIN:
        return None
    if rules.method == "approval":
        return _approval_problem(content, rules)
    if rules.method in RANKED:
        return _ranking_problem(content, rules)
    if rules.method in SCORED:
        return _scores_problem(content, rules)
    return f"unknown method {rules.method!r}"


def _id_set(value: Any) -> set[str] | None:
    """The distinct items of a list, or None when it is not a list of hashable items. Items that
    are not strings are caught later as "not a nominee", since nominee ids are strings."""
    if not isinstance(value, list):
        return None
    try:
        ids = set(value)
    except TypeError:
        return None
    return ids


def _approval_problem(content: dict, rules: BallotRules) -> str | None:
    ids = content.get("approve")
    distinct = _id_set(ids) if len(content) == 1 else None
    if distinct is None:
        return 'an approval ballot is {"approve": [ids]}'
    if unknown := distinct - rules.nominees:  # non-strings land here too: ids are strings
        return f"not a nominee of the category: {sorted(map(str, unknown))[0]}"
    if len(distinct) != len(ids):
        return "a nominee is approved twice"
    if ids != sorted(ids):
        return "approved ids are not sorted"
    if rules.max_choices is not None and len(ids) > rules.max_choices:
        return f"more than {rules.max_choices} approvals"
    return None


def _ranking_problem(content: dict, rules: BallotRules) -> str | None:
    ids = content.get("ranking")
    distinct = _id_set(ids) if len(content) == 1 else None
    if distinct is None:
        return 'a ranked ballot is {"ranking": [ids]}'
    if not ids:
        return "a ranking names at least one nominee"
    if unknown := distinct - rules.nominees:  # non-strings land here too: ids are strings
        return f"not a nominee of the category: {sorted(map(str, unknown))[0]}"
    if len(distinct) != len(ids):
        return "a nominee is ranked twice"
    return None


def _scores_problem(content: dict, rules: BallotRules) -> str | None:
    scores = content.get("scores")
    if set(content) != {"scores"} or not isinstance(scores, dict):
        return 'a score ballot is {"scores": {id: score}}'
    if not scores:
        return "a score ballot scores at least one nominee"
    if unknown := set(scores) - rules.nominees:
        return f"not a nominee of the category: {sorted(unknown)[0]}"
    for nominee, score in scores.items():
        if not isinstance(score, int) or isinstance(score, bool):
            return f"the score of {nominee} is not a whole number"
        if rules.score_min is not None and score < rules.score_min:
            return f"the score of {nominee} is below {rules.score_min}"
        if rules.score_max is not None and score > rules.score_max:
            return f"the score of {nominee} is above {rules.score_max}"
    return None


def mentioned(content: Mapping[str, Any]) -> set[str]:
    """The nominees a ballot gives anything to (approves, ranks or scores)."""
    if "approve" in content:
        return set(content["approve"])
    if "ranking" in content:
        return set(content["ranking"])
    if "scores" in content:
        return set(content["scores"])
    return set()
