"""Announcing results: a terminal table (rich), the results JSON, a CSV file per category, and an
HTML report with a bar chart per category (inline SVG, no CDN), in Chinese or English."""

from fractions import Fraction
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rich.console import Console
from rich.table import Table

from awards import i18n
from awards.csv_files import csv_bytes
from awards.settings import PROJECT_ROOT
from ballots.record import ElectionRecord


def _labels(record: ElectionRecord) -> dict[str, dict[str, str]]:
    return {c.id: {n["id"]: n["label"] for n in c.nominees} for c in record.categories}


def _number(value: str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def print_results(console: Console, record: ElectionRecord, results: dict[str, Any]) -> None:
    labels = _labels(record)
    names = {c.id: c.name for c in record.categories}
    for category in results["categories"]:
        winners = set(category["winners"])
        title = f"{names[category['id']]} ({category['method']})"
        table = Table(title=title, title_justify="left")
        for column in ("名次", "候选", "得分", "抽签", "获奖"):
            table.add_column(column)
        for place in category["ranking"]:
            table.add_row(
                str(place["rank"]),
                labels[category["id"]][place["nominee"]],
                place["value"] or "—",
                "是" if place["by_lot"] else "",
                "★" if place["nominee"] in winners else "",
            )
        console.print(table)
        quorum = "达到法定票数" if category["quorum_met"] else "未达法定票数，不产生获奖者"
        console.print(f"有效票 {category['valid']}，弃权 {category['abstentions']}；{quorum}\n")


def write_csv(directory: Path, record: ElectionRecord, results: dict[str, Any]) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    labels = _labels(record)
    written = []
    for category in results["categories"]:
        rows = [
            [
                place["rank"],
                place["nominee"],
                labels[category["id"]][place["nominee"]],
                place["value"] if place["value"] is not None else "",
                place["by_lot"],
                place["nominee"] in category["winners"],
            ]
            for place in category["ranking"]
        ]
        path = directory / f"{category['id']}.csv"
        path.write_bytes(csv_bytes(["rank", "nominee", "label", "value", "by_lot", "winner"], rows))
        written.append(path)
    return written


def html_report(record: ElectionRecord, results: dict[str, Any], locale: str) -> str:
    """A self-contained page: no script, no external resource."""
    env = Environment(
        loader=FileSystemLoader(PROJECT_ROOT / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    i18n.set_locale(locale)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)
    labels = _labels(record)
    categories = []
    for record_category, category in zip(record.categories, results["categories"], strict=True):
        values = [_number(p["value"]) for p in category["ranking"]]
        top = max((v for v in values if v is not None), default=Fraction(0)) or Fraction(1)
        bars = [
            {
                **place,
                "label": labels[category["id"]][place["nominee"]],
                "width": 0 if value is None or top <= 0 else max(0.0, float(value / top)) * 300,
                "winner": place["nominee"] in category["winners"],
            }
            for place, value in zip(category["ranking"], values, strict=True)
        ]
        categories.append({"record": record_category, "result": category, "bars": bars})
    return env.get_template("report/announcement.html").render(
        record=record, categories=categories, lang="zh-CN" if locale == "zh_CN" else "en"
    )
