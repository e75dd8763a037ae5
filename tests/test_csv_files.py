"""Spreadsheet CSV: no cell a spreadsheet would run as a formula, and reading undoes writing."""

import csv
import io

from hypothesis import given
from hypothesis import strategies as st

from awards.csv_files import FORMULA_STARTS, csv_bytes, defuse, read_cell

# Text weighted towards the characters that matter here.
cells = st.text(alphabet=st.sampled_from("'=+-@\t\r\n,\"a1 剧"), max_size=8) | st.text()


@given(cells)
def test_reading_undoes_defusing(value):
    assert read_cell(defuse(value)) == value


@given(cells)
def test_no_written_cell_starts_a_formula(value):
    assert not defuse(value).startswith(FORMULA_STARTS)


def test_examples():
    assert defuse('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert defuse("+86 138 0000 0000") == "'+86 138 0000 0000"
    assert defuse("'=1") == "''=1"  # an apostrophe of its own is kept
    assert defuse("归队") == "归队"
    assert defuse("it's") == "it's"
    assert defuse(-3) == -3  # numbers are numbers
    assert read_cell("'abc") == "'abc"  # not a defused formula: left alone


@given(st.lists(st.lists(cells, min_size=1, max_size=4), max_size=5))
def test_files_read_back_cell_for_cell(rows):
    data = csv_bytes(["a", "b", "c", "d"], rows)
    assert data.startswith(b"\xef\xbb\xbf")
    text = io.StringIO(data.decode("utf-8-sig"), newline="")
    header, *body = csv.reader(text)
    assert header == ["a", "b", "c", "d"]
    assert [[read_cell(cell) for cell in row] for row in body] == rows
