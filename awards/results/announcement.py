"""Announcing results: a terminal table (rich), a CSV file per category, and an HTML report with a
bar chart per category (inline SVG, no CDN), in Chinese or English.

Every announcement shows each category as the public results page does (`publication`): by its
disclosure level, and only its winners below the small-jury threshold. The auditor's full report
is asked for explicitly (`awards tally --full`).
"""

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from rich.console import Console
from rich.table import Table
from rich.text import Text

from awards import i18n
from awards.csv_files import csv_bytes
from awards.i18n import N_, Message
from awards.results import display
from awards.results.publication import PublicCategory
from awards.settings import TEMPLATES_DIR
from ballots.record import ElectionRecord


def print_results(console: Console, categories: list[PublicCategory]) -> None:
    """The terminal's announcement, in the current locale."""
    for category in categories:
        shown = display.view(category)
        title = str(Message("%(name)s (%(method)s)", name=category.name, method=shown.method))
        if shown.has_ranking:
            table = Table(title=title, title_justify="left")
            headings = [
                Message("Rank"),
                Message("Nominee"),
                *([Message("Result")] if shown.shows_values else []),
                Message("Tie"),
                shown.outcome_label,
            ]
            for heading in headings:
                table.add_column(str(heading))
            for row in shown.rows:
                result = [_result_text(row)] if shown.shows_values else []
                table.add_row(
                    str(row.rank),
                    row.label,
                    *result,
                    str(row.tie or ""),
                    str(shown.outcome_label) if row.advances else "",
                )
            console.print(table)
        else:
            console.print(Text(title, style="bold"))  # labels are text, never rich markup
        console.print(str(shown.forward))
        for grid in shown.grids:
            console.print(_grid_table(grid))
        for line in [*shown.summary, *shown.notes]:
            console.print(str(line))
        console.print()


def _result_text(row: display.Row) -> str:
    if row.note:
        return str(Message("%(result)s; %(note)s", result=row.result, note=row.note))
    return str(row.result or "—")


def _grid_table(grid: display.Grid) -> Table:
    table = Table(title=str(grid.title), title_justify="left", caption=str(grid.note or ""))
    table.add_column("")
    for column in grid.columns:
        table.add_column(str(column))
    for key, label, cells in grid.rows:
        table.add_row(f"{key} {label}" if key else label, *(_cell(c) for c in cells))
    return table


def _cell(cell: Any) -> Text:
    """A table's cell; a pairwise win in bold, as the report shows it."""
    if isinstance(cell, dict):
        return Text(cell["text"], style="bold" if cell["win"] else "")
    return Text(str(cell))


CSV_HEADINGS = (
    N_("Category"),
    N_("Rank"),
    N_("Nominee id"),
    N_("Nominee"),
    N_("Result"),
    N_("Number"),
    N_("Tie"),
)


def write_csv(directory: Path, categories: list[PublicCategory]) -> list[Path]:
    """One file per category, headed in the current locale: its ranking as far as it may be
    shown (only its winners, where that is all), whether each goes forward as 是/否 (yes/no)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    yes, no = str(Message("yes")), str(Message("no"))
    for category in categories:
        shown = display.view(category)
        if shown.has_ranking:
            rows = [
                [
                    category.name,
                    row.rank,
                    row.nominee,
                    row.label,
                    _result_text(row) if shown.shows_values else "",
                    row.number,
                    str(row.tie or ""),
                    yes if row.advances else no,
                ]
                for row in shown.rows
            ]
        else:
            rows = [
                [category.name, "", w["nominee"], w["label"], "", "", "", yes]
                for w in category.forward
            ]
        header = [*(str(Message(h)) for h in CSV_HEADINGS), str(shown.outcome_label)]
        path = directory / f"{category.id}.csv"  # ids are checked against the spec's pattern
        path.write_bytes(csv_bytes(header, rows))
        written.append(path)
    return written


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
    return env.get_template("report/announcement.html").render(
        record=record,
        views=[display.view(c) for c in categories],
        lang="zh-CN" if locale == "zh_CN" else "en",
    )
