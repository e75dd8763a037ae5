"""Results that a ceremony can read (issue 11, "Fractions"): votes and a percentage for approval,
a mean to two decimals for scores, points for Borda, the count round by round for IRV, the
pairwise wins for Schulze; never the results file's exact fractions ("5/6", "185/2"). The
terminal, the HTML report and the public page say it with the same words (one module)."""

import re

import pytest

from tests.factories import run_cli
from tests.results.sample import category, write_record

FRACTION = re.compile(r"(?<![\d/-])\d+/\d+(?![\d/])")


def _approval() -> dict:
    # 12 jurors voted: a approved by 10; b by 5 of the 10 not recused from it; c and d by none.
    contents = [{"approve": ["a", "b"]}] * 5 + [{"approve": ["a"]}] * 5 + [{"approve": []}] * 2
    return category(
        "approval", "approval", ["a", "b", "c", "d"], contents, max_choices=2, recused={"b": 2}
    )


def _scores() -> dict:
    contents = [{"scores": {"a": 90, "b": 70}}, {"scores": {"a": 95, "b": 71}}] * 3
    return category("scores", "score_mean", ["a", "b"], contents, score_min=0, score_max=100)


def _borda() -> dict:
    contents = [{"ranking": ["a", "b", "c"]}] * 4 + [{"ranking": ["b", "a", "c"]}] * 2
    return category("borda", "borda", ["a", "b", "c"], contents)


def _irv() -> dict:
    # Round 1: a 3, b 2, c 2 (of 7): c is out (by lot against b); round 2: a 3 + 1, b 2 + 1.
    contents = (
        [{"ranking": ["a"]}] * 3
        + [{"ranking": ["b", "a"]}] * 2
        + [{"ranking": ["c", "a"]}]
        + [{"ranking": ["c", "b"]}]
    )
    return category("irv", "irv", ["a", "b", "c"], contents)


def _schulze() -> dict:
    contents = [{"ranking": ["a", "b", "c"]}] * 3 + [{"ranking": ["c", "a", "b"]}] * 2
    return category("schulze", "schulze", ["a", "b", "c"], contents)


@pytest.fixture
def record(tmp_path):
    return write_record(tmp_path, [_approval(), _scores(), _borda(), _irv(), _schulze()])


def _tally(settings, tmp_path, *args: str) -> str:
    done = run_cli(settings, tmp_path, "tally", *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _section(text: str, start: str, end: str | None) -> str:
    return text[text.index(start) : text.index(end) if end else None]


def _check_values(text: str) -> None:
    """What every output says of the five categories, whatever its layout."""
    approval = _section(text, "奖项approval", "奖项scores")
    assert "10 票（83%）" in approval
    assert "5 票（50%）" in approval
    assert "2 位评委回避" in approval  # 50% is of the 10 who could approve b, not of 12
    assert "0 票（0%）" in approval
    scores = _section(text, "奖项scores", "奖项borda")
    assert "平均 92.50 分" in scores
    assert "平均 70.50 分" in scores
    borda = _section(text, "奖项borda", "奖项irv")
    assert "10 分" in borda  # a: 4 ballots x 2 + 2 x 1
    assert "8 分" in borda
    irv = _section(text, "奖项irv", "奖项schulze")
    assert "第 1 轮" in irv
    assert "第 2 轮" in irv
    assert "淘汰" in irv
    schulze = _section(text, "奖项schulze", None)
    assert "两两对比" in schulze
    assert FRACTION.search(text) is None, FRACTION.search(text)


def test_the_terminal_says_votes_shares_means_points_and_rounds(settings, tmp_path, record):
    _check_values(_tally(settings, tmp_path, "--record", str(record)))


def test_the_html_report_says_the_same(settings, tmp_path, record):
    report = tmp_path / "report.html"
    _tally(settings, tmp_path, "--record", str(record), "--html", str(report))
    html = report.read_text(encoding="utf-8")
    body = re.sub(r"<[^>]+>", " ", html.split("<body>", 1)[1])
    _check_values(re.sub(r"[ \n]+", " ", body).replace("（ ", "（").replace(" ）", "）"))
    # The pairwise table: how many ballots put the row's nominee above the column's.
    row = (
        r'<th scope="row"><span class="key">1</span> 剧a</th>\s*<td>—</td>\s*<td class="win">5</td>'
    )
    assert re.search(row, html)


def test_the_exact_fraction_stays_in_the_results_file(settings, tmp_path, record):
    shown = _tally(settings, tmp_path, "--record", str(record), "--json", "--full")
    assert '"value":"185/2"' in shown


@pytest.mark.parametrize("level", ["ranking", "winners"])
def test_below_counts_no_value_is_said(settings, tmp_path, level):
    """A `ranking` category shows its order, a `winners` one its winners, neither a value, a
    pairwise table or a round of a count."""
    categories = [{**c, "disclosure": level} for c in (_approval(), _irv(), _schulze())]
    record = write_record(tmp_path, categories)
    report = tmp_path / "report.html"
    out = _tally(settings, tmp_path, "--record", str(record), "--html", str(report))
    for text in (out, report.read_text(encoding="utf-8")):
        assert not re.search(r"\d+ 票|分", text.replace("平均分", ""))
        assert "两两对比" not in text
        assert "第 1 轮" not in text
        assert "获奖者：剧a" in text
        assert ("名次" in text) == (level == "ranking")
