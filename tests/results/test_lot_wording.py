"""The lot and the outcome in words (issue 11, "Lot and winner wording"): "抽签决定" only where
the lot decided who wins (in a nomination round, who makes the shortlist: the category's
shortlist size is the cut), "并列" for every other tie; the winners are 获奖者, and a nomination
round's outcome is 入围, never 获奖."""

import pytest

from tests.factories import run_cli
from tests.results.sample import category, write_record


def _approval(code: str, votes: dict[str, int], **extra) -> dict:
    """Six jurors; nominee n approved by the first votes[n] of them."""
    contents = [{"approve": sorted(n for n, v in votes.items() if i < v)} for i in range(6)]
    return category(code, "approval", list(votes), contents, max_choices=len(votes), **extra)


def _lines(settings, tmp_path, categories: list[dict], kind: str = "final") -> dict[str, str]:
    """The terminal's line of each nominee (by label)."""
    record = write_record(tmp_path, categories, kind)
    done = run_cli(settings, tmp_path, "tally", "--record", str(record))
    assert done.returncode == 0, done.stderr
    lines = {}
    for line in done.stdout.splitlines():
        for label in ("剧a", "剧b", "剧c", "剧d"):
            if f" {label} " in line and label not in lines:  # the ranking, not a count
                lines[label] = line
    return {**lines, "": done.stdout}


def test_tied_nominees_who_all_win_are_tied_not_drawn(settings, tmp_path):
    lines = _lines(
        settings, tmp_path, [_approval("c", {"a": 6, "b": 6, "c": 0, "d": 0}, winners=2)]
    )
    assert "抽签" not in lines[""]
    for label in ("剧a", "剧b", "剧c", "剧d"):
        assert "并列" in lines[label]
    assert "获奖" in lines["剧a"]
    assert "获奖" in lines["剧b"]
    assert "获奖者：剧a、剧b" in lines[""]


def test_a_tie_across_the_last_winning_place_is_drawn_and_said(settings, tmp_path):
    votes = {"a": 6, "b": 3, "c": 3, "d": 0}
    lines = _lines(settings, tmp_path, [_approval("c", votes, winners=2)])
    assert "抽签" not in lines["剧a"]
    assert "抽签决定" in lines["剧b"]
    assert "抽签决定" in lines["剧c"]
    assert "抽签" not in lines["剧d"]  # alone at the bottom: no tie at all
    assert "并列" not in lines["剧d"]


def test_without_quorum_a_tie_decides_nothing(settings, tmp_path):
    lines = _lines(settings, tmp_path, [_approval("c", {"a": 6, "b": 6, "c": 0}, quorum=7)])
    assert "抽签" not in lines[""]
    assert "并列" in lines["剧a"]
    assert "获奖者：—" in lines[""]


@pytest.mark.parametrize(("size", "drawn"), [(2, {"剧b", "剧c"}), (3, set()), (1, set())])
def test_a_nomination_round_shortlists_by_its_cut(settings, tmp_path, size, drawn):
    votes = {"a": 6, "b": 4, "c": 4, "d": 0}
    nominated = _approval("c", votes, winners=1, shortlist_size=size)
    lines = _lines(settings, tmp_path, [nominated], kind="nomination")
    assert "获奖" not in lines[""]
    assert "入围" in lines["剧a"]
    assert sum("入围" in lines[label] for label in ("剧a", "剧b", "剧c", "剧d")) == size
    for label in ("剧b", "剧c"):
        assert ("抽签决定" in lines[label]) == (label in drawn)
        assert ("并列" in lines[label]) == (label not in drawn)
    assert "入围：" in lines[""]


def test_a_runoff_ends_by_lot_only_between_the_last_two(settings, tmp_path):
    """IRV: "抽签决定" where the count ended with two nominees tied; a lot among the fewest
    earlier in the count is shown in its rounds, not beside a winner who would have won anyway."""
    even = category("even", "irv", ["a", "b"], [{"ranking": ["a"]}, {"ranking": ["b"]}] * 3)
    lines = _lines(settings, tmp_path, [even])
    assert "抽签决定" in lines["剧a"]
    assert "抽签决定" in lines["剧b"]
    early = [{"ranking": ["a"]}] * 3 + [{"ranking": ["b", "a"]}] * 2 + [{"ranking": ["c", "a"]}] * 2
    lines = _lines(settings, tmp_path, [category("early", "irv", ["a", "b", "c"], early)])
    assert "抽签决定" not in lines[""]
    assert "（抽签淘汰）" in lines[""]


def test_a_nominee_without_a_value_is_never_shortlisted(settings, tmp_path):
    """Every juror recused from d: d has no share, so it goes forward in no shortlist, even one
    without a size (which takes every nominee with a value)."""
    votes = {"a": 6, "b": 4, "c": 0, "d": 0}
    nominated = _approval("c", votes, recused={"d": 6})
    lines = _lines(settings, tmp_path, [nominated], kind="nomination")
    assert [label for label in ("剧a", "剧b", "剧c", "剧d") if "入围" in lines[label]] == [
        "剧a",
        "剧b",
        "剧c",
    ]
    assert "0 票（—）" in lines["剧d"]
