"""Issue 11: the rules of the shortlist review (awards.voting.shortlist), over results documents
as the tally writes them."""

import pytest

from awards.voting.shortlist import ALL, LOT, chosen, propose


def _config(*nominees: str, quorum: int = 1) -> dict:
    return {
        "id": "best",
        "name": "年度优秀电视剧",
        "quorum": quorum,
        "nominees": [{"id": n, "label": n.upper()} for n in nominees],
    }


def _result(values: dict[str, str | None], method: str = "approval", valid: int = 4) -> dict:
    """A ranking as the tally writes it: by value, ties (and no value) in the lot's order, which
    here is the order the values are given in."""
    order = sorted(values, key=lambda n: (values[n] is None, -_number(values[n])))
    shared = list(values.values())
    return {
        "id": "best",
        "method": method,
        "valid": valid,
        "abstentions": 0,
        "quorum_met": True,
        "ranking": [
            {"nominee": n, "rank": i, "value": values[n], "by_lot": shared.count(values[n]) > 1}
            for i, n in enumerate(order, start=1)
        ],
        "winners": [],
        "details": {"lot": list(values), "approvals": {}},
    }


def _number(value: str | None) -> float:
    if value is None:
        return 0
    top, _, bottom = value.partition("/")
    return int(top) / int(bottom or 1)


def test_a_clear_cut_takes_the_first_of_the_ranking():
    values = {"a": "3/4", "b": "1/2", "c": "1/4"}
    proposal = propose(_config("a", "b", "c"), _result(values), 2, "full")
    assert proposal.tie == []
    assert proposal.cut == 2
    assert chosen(proposal, carry=False, tie=None) == ["a", "b"]


def test_a_tie_across_the_cut_needs_a_choice_and_names_the_lot():
    values = {"a": "3/4", "c": "1/2", "b": "1/2", "d": "1/4"}  # lot order: c before b
    proposal = propose(_config("a", "b", "c", "d"), _result(values), 2, "full")
    assert [(e.nominee, e.lot, e.inside) for e in proposal.tie] == [("c", 1, True), ("b", 2, False)]
    with pytest.raises(ValueError, match="tie"):
        chosen(proposal, carry=False, tie=None)
    assert chosen(proposal, carry=False, tie=LOT) == ["a", "c"]
    assert chosen(proposal, carry=False, tie=ALL) == ["a", "c", "b"]


def test_a_tie_inside_the_cut_is_no_tie_at_the_cut():
    values = {"a": "3/4", "b": "3/4", "c": "1/4"}
    proposal = propose(_config("a", "b", "c"), _result(values), 2, "full")
    assert proposal.tie == []
    assert chosen(proposal, carry=False, tie=None) == ["a", "b"]


def test_a_category_that_missed_its_quorum_goes_forward_only_when_carried():
    result = _result({"a": "1", "b": "0"}, valid=1) | {"quorum_met": False}
    proposal = propose(_config("a", "b", quorum=3), result, 1, "full")
    assert chosen(proposal, carry=False, tie=None) == []
    assert chosen(proposal, carry=True, tie=None) == ["a"]


def test_a_nominee_without_a_value_never_makes_the_cut():
    values = {"a": "1/2", "b": None, "c": None}
    proposal = propose(_config("a", "b", "c"), _result(values), 2, "full")
    assert proposal.tie == []  # those without a value tie among themselves, out of the race
    assert chosen(proposal, carry=False, tie=None) == ["a"]
    assert propose(_config("a", "b", "c"), _result(values), None, "full").cut == 1


def test_without_a_shortlist_size_every_nominee_goes_forward():
    proposal = propose(_config("a", "b"), _result({"a": "1", "b": "1"}), None, "full")
    assert proposal.tie == []
    assert chosen(proposal, carry=False, tie=None) == ["a", "b"]


def test_irv_has_no_values_to_tie_and_cuts_its_count_order():
    result = _result({"a": None, "b": None, "c": None}, method="irv")
    proposal = propose(_config("a", "b", "c"), result, 2, "full")
    assert proposal.tie == []
    assert chosen(proposal, carry=False, tie=None) == ["a", "b"]


def test_approvals_are_shown_as_votes():
    result = _result({"a": "3/4", "b": "1/4"})
    result["details"]["approvals"] = {"a": 3, "b": 1}
    proposal = propose(_config("a", "b"), result, 1, "full")
    assert [(e.label, e.votes) for e in proposal.entries] == [("A", 3), ("B", 1)]


def test_the_ranking_level_withholds_the_values_and_keeps_the_tie():
    values = {"a": "3/4", "c": "1/2", "b": "1/2", "d": "1/4"}
    result = _result(values)
    result["details"]["approvals"] = {"a": 3, "b": 2, "c": 2, "d": 1}
    proposal = propose(_config("a", "b", "c", "d"), result, 2, "ranking")
    assert proposal.valid is None
    assert [(e.nominee, e.rank, e.value, e.votes) for e in proposal.entries] == [
        ("a", 1, None, None),
        ("c", 2, None, None),
        ("b", 3, None, None),
        ("d", 4, None, None),
    ]
    assert [(e.nominee, e.lot) for e in proposal.tie] == [("c", 1), ("b", 2)]


def test_the_winners_level_names_the_cut_and_the_tied_outside_it_only():
    values = {"d": "3/4", "c": "1/2", "b": "1/2", "a": "1/4", "e": "1/2"}  # lot: c, b, e
    proposal = propose(_config("a", "b", "c", "d", "e"), _result(values), 2, "winners")
    assert proposal.valid is None
    assert [(e.nominee, e.rank, e.value, e.lot) for e in proposal.entries] == [
        ("c", None, None, None),  # inside, by name: not which of them is tied
        ("d", None, None, None),
        ("b", None, None, None),  # tied outside the cut, by name: not the lot's order
        ("e", None, None, None),
        ("a", None, None, None),
    ]
    assert [e.nominee for e in proposal.tie] == ["b", "e"]
    assert chosen(proposal, carry=False, tie=LOT) == ["c", "d"]
    assert chosen(proposal, carry=False, tie=ALL) == ["c", "d", "b", "e"]
