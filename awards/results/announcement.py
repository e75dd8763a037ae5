"""Announcing results: a terminal table (rich), a CSV file per category, and an HTML report with a
bar chart per category (inline SVG, no CDN), in Chinese or English.

Every announcement shows each category as the public results page does (`publication`): by its
disclosure level, and only its winners below the small-jury threshold. The auditor's full report
is asked for explicitly (`awards tally --full`).
"""

from fractions import Fraction
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rich.console import Console
from rich.table import Table
from rich.text import Text

from awards import i18n
from awards.csv_files import csv_bytes
from awards.results.publication import PublicCategory
from awards.settings import TEMPLATES_DIR
from ballots.record import ElectionRecord


def print_results(console: Console, categories: list[PublicCategory]) -> None:
    for category in categories:
        title = f"{category.name} ({category.method})"
        if category.ranking:
            table = Table(title=title, title_justify="left")
            columns = ["名次", "候选", *(["得分"] if category.shows_values else []), "抽签", "获奖"]
            for column in columns:
                table.add_column(column)
            for place in category.ranking:
                value = [place["value"] or "—"] if category.shows_values else []
                table.add_row(
                    str(place["rank"]),
                    place["label"],
                    *value,
                    "是" if place["by_lot"] else "",
                    "★" if place["winner"] else "",
                )
            console.print(table)
        else:
            console.print(Text(title, style="bold"))  # labels are text, never rich markup
            console.print("获奖：" + ("、".join(w["label"] for w in category.winners) or "—"))
        quorum = "达到法定票数" if category.quorum_met else "未达法定票数，不产生获奖者"
        if category.shows_values:
            quorum = f"有效票 {category.valid}，弃权 {category.abstentions}；{quorum}"
        console.print(quorum + "\n")


def write_csv(directory: Path, categories: list[PublicCategory]) -> list[Path]:
    """One file per category: its ranking as far as it may be shown (only its winners, where
    that is all)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for category in categories:
        if category.ranking:
            rows = [
                [
                    place["rank"],
                    place["nominee"],
                    place["label"],
                    place["value"] if place["value"] is not None else "",
                    place["by_lot"],
                    place["winner"],
                ]
                for place in category.ranking
            ]
        else:
            rows = [["", w["nominee"], w["label"], "", "", True] for w in category.winners]
        header = ["rank", "nominee", "label", "value", "by_lot", "winner"]
        path = directory / f"{category.id}.csv"  # ids are checked against the spec's pattern
        path.write_bytes(csv_bytes(header, rows))
        written.append(path)
    return written


def _number(value: str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def html_report(record: ElectionRecord, categories: list[PublicCategory], locale: str) -> str:
    """A self-contained page: no script, no external resource."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    i18n.set_locale(locale)
    # jinja2.ext.i18n adds this method to the environment at run time; Environment's
    # types do not declare it.
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    shown = []
    for category in categories:
        values = [_number(p["value"]) for p in category.ranking]
        top = max((v for v in values if v is not None), default=Fraction(0)) or Fraction(1)
        bars = [
            {**place, "width": 0 if v is None or top <= 0 else max(0.0, float(v / top)) * 300}
            for place, v in zip(category.ranking, values, strict=True)
        ]
        shown.append({"category": category, "bars": bars})
    return env.get_template("report/announcement.html").render(
        record=record, categories=shown, lang="zh-CN" if locale == "zh_CN" else "en"
    )
