"""CSV files and English (issue 11, "Exports" and "English"): Chinese headings, 是/否 and the
category's name in Chinese mode; in English mode (`--lang en`) English headings and the English
names entered for categories (name_en) and dramas (title_en), frozen at opening, in the terminal,
the CSV files and the report alike."""

import csv
import io

from tests.factories import run_cli
from tests.results.sample import category, write_record


def _record(tmp_path):
    contents = [{"approve": ["a"]}] * 5 + [{"approve": ["b"]}]
    english = {"": "Outstanding TV Drama", "a": "The Return"}  # b has no English title
    return write_record(
        tmp_path,
        [
            category(
                "best-drama",
                "approval",
                ["a", "b"],
                contents,
                max_choices=1,
                name="年度优秀电视剧",
                english=english,
            )
        ],
    )


def _csv(folder) -> list[list[str]]:
    [path] = folder.glob("*.csv")
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_csv_in_chinese(settings, tmp_path):
    folder = tmp_path / "csv"
    done = run_cli(
        settings, tmp_path, "tally", "--record", str(_record(tmp_path)), "--csv", str(folder)
    )
    assert done.returncode == 0, done.stderr
    header, first, second = _csv(folder)
    assert header == ["奖项", "名次", "候选编号", "候选", "结果", "数值", "并列", "获奖"]
    assert first == ["年度优秀电视剧", "1", "a", "剧a", "5 票（83%）", "5", "", "是"]
    assert second[-1] == "否"
    assert "True" not in done.stdout + str(first + second)


def test_english_everywhere_with_the_english_names(settings, tmp_path):
    folder, report = tmp_path / "csv", tmp_path / "report.html"
    record = str(_record(tmp_path))
    args = (
        "tally",
        "--record",
        record,
        "--lang",
        "en",
        "--csv",
        str(folder),
        "--html",
        str(report),
    )
    done = run_cli(settings, tmp_path, *args)
    assert done.returncode == 0, done.stderr
    for text in (done.stdout, report.read_text(encoding="utf-8").split("<body>")[1]):
        assert "Outstanding TV Drama" in text
        assert "The Return" in text
        assert "剧b" in text  # no English title: the Chinese one
        assert "年度优秀电视剧" not in text
        assert "5 votes (83%)" in text
        assert "Winners: The Return" in text
        for chinese in ("票", "获奖", "有效", "名次"):
            assert chinese not in text, chinese
    header, first, second = _csv(folder)
    assert header == [
        "Category",
        "Rank",
        "Nominee id",
        "Nominee",
        "Result",
        "Number",
        "Tie",
        "Winner",
    ]
    assert first == [
        "Outstanding TV Drama",
        "1",
        "a",
        "The Return",
        "5 votes (83%)",
        "5",
        "",
        "yes",
    ]
    assert second[-1] == "no"
