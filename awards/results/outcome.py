"""What a category's count decided, read from its results: who goes forward (a final round's
winners; a nomination round's shortlist) and which ties mattered.

The counting marks every nominee that shared its value with another (`by_lot`), because the lot
ordered them. Most such ties decide nothing: two nominees tied for first who both win, or the
nominees tied at 0 votes at the bottom. A tie *matters* when it straddles the cut, the last place
that goes forward (the winners; in a nomination round the category's shortlist size), and only
then has the lot decided something a reader needs to know ("lot"); every other tie is a tie
("tied"). Without quorum nobody goes forward, so no lot matters.
"""

from typing import Any

LOT, TIED = "lot", "tied"


def _candidates(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The places that can go forward: a nominee without a value (every juror recused from it,
    no score left) never wins, and so never makes a shortlist either. IRV gives no values."""
    irv = result["method"] == "irv"
    return [p for p in result["ranking"] if irv or p["value"] is not None]


def cut(kind: str, result: dict[str, Any], shortlist_size: int | None) -> int:
    """How many of the ranking go forward.

    A final round: its winners. A nomination round: the first `shortlist_size` of those with a
    value, as the final round's shortlist is proposed (all of them where no size is set)."""
    if not result["quorum_met"]:
        return 0
    if kind == "nomination":
        ranked = len(_candidates(result))
        return ranked if shortlist_size is None else min(shortlist_size, ranked)
    return len(result["winners"])


def forward(kind: str, result: dict[str, Any], places: int) -> list[str]:
    """The nominees who go forward, best first."""
    if kind == "nomination":
        return [p["nominee"] for p in _candidates(result)[:places]]
    return list(result["winners"])


def ties(
    method: str, ranking: list[dict[str, Any]], places: int, details: dict[str, Any]
) -> list[str | None]:
    """For each place of the ranking: LOT, TIED or None (see the module's docstring)."""
    if method == "irv":
        return _runoff_ties(ranking, places, details)
    spans: dict[str, list[int]] = {}
    for p in ranking:
        if p["value"] is not None:  # nominees without a value are not ranked by one
            spans.setdefault(p["value"], []).append(p["rank"])
    marks: list[str | None] = []
    for p in ranking:
        span = spans.get(p["value"], []) if p["value"] is not None else []
        if len(span) < 2:
            marks.append(None)
        elif min(span) <= places < max(span):
            marks.append(LOT)
        else:
            marks.append(TIED)
    return marks


def _runoff_ties(
    ranking: list[dict[str, Any]], places: int, details: dict[str, Any]
) -> list[str | None]:
    """IRV places are not tied by value. The lot decided a winning place where the count for it
    ended with two nominees tied and the lot put one out: both are marked. (A lot between
    nominees with the fewest votes earlier in a count shows in its rounds; whether it changed
    the winner only another count could say.)"""
    drawn: set[str] = set()
    for count in details.get("counts", [])[:places]:
        last = count["rounds"][-1] if count["rounds"] else {}
        votes = last.get("votes", {})
        if "eliminated" in last and len(votes) == 2 and len(set(votes.values())) == 1:
            drawn |= set(votes)
    return [LOT if p["nominee"] in drawn else None for p in ranking]
