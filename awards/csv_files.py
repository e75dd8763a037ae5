"""CSV files that staff open in a spreadsheet: UTF-8 with a BOM (without one, Excel reads UTF-8
as the local code page), CRLF line ends, and no cell that a spreadsheet would run as a formula.

Excel and LibreOffice take a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
as a formula, so a drama title or a juror's name from an imported file could carry
`=HYPERLINK(...)` into a staff member's spreadsheet. Such a cell is written with a leading
apostrophe, which spreadsheets read as "this is text" (OWASP's advice on CSV injection), and
`read_cell` takes the apostrophe off again, so that an exported file imports unchanged. A value
that itself begins with apostrophes before a formula character gets one more, so the two are
exact inverses on every string.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

BOM = b"\xef\xbb\xbf"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _looks_like_formula(text: str) -> bool:
    return text.lstrip("'").startswith(FORMULA_STARTS)


def defuse(value: Any) -> Any:
    """The cell as written: a string a spreadsheet would run gets a leading apostrophe."""
    if isinstance(value, str) and _looks_like_formula(value):
        return "'" + value
    return value


def read_cell(cell: str) -> str:
    """The value a cell of a file written by `csv_bytes` stands for (the inverse of `defuse`)."""
    if cell.startswith("'") and _looks_like_formula(cell):
        return cell[1:]
    return cell


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([defuse(value) for value in row] for row in rows)
    return BOM + text.getvalue().encode("utf-8")
