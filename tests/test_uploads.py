"""Issue 9 (inputs): uploaded spreadsheets. XLSX is read with entity expansion off (defusedxml),
a malformed file is a 422 with a message, never a 500, and a file over the limits (rows, or the
bytes its zip would unpack to) is refused before it is read whole, naming the limit."""

import io
import zipfile
from dataclasses import replace

import openpyxl
import pytest
from litestar.testing import TestClient

from awards.app import create_app
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, make_season, run_db
from tests.test_form_input import table_counts

SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
BOMB = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
    + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
        for i in range(1, 9)
    )
    + "]>"
    + SHEET_HEAD
    + '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol8;</t></is></c></row></sheetData></worksheet>'
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>'
    + SHEET_HEAD
    + '<row r="1"><c r="A1" t="inlineStr"><is><t>&secret;</t></is></c></row>'
    + "</sheetData></worksheet>"
)


def workbook(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


VALID = workbook([["剧名", "类型"], ["归队", "电视剧"]])


def rezipped(parts: dict[str, bytes | None], source: bytes = VALID) -> bytes:
    """`source` with some parts replaced or added (None: left out), deflated."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(out, "w") as zout:
        names = zin.namelist()
        for name in names + [n for n in parts if n not in names]:
            content = parts[name] if name in parts else zin.read(name)
            if content is not None:
                zout.writestr(name, content, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def with_shared_strings(xml: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(VALID)) as z:
        types = z.read("[Content_Types].xml").decode()
    override = (
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" />'
    )
    return rezipped(
        {
            "[Content_Types].xml": types.replace("</Types>", override + "</Types>").encode(),
            "xl/sharedStrings.xml": xml.encode(),
        }
    )


def _workbook_xml_without_sheets() -> bytes:
    with zipfile.ZipFile(io.BytesIO(VALID)) as z:
        xml = z.read("xl/workbook.xml").decode()
    start, end = xml.index("<sheets>"), xml.index("</sheets>") + len("</sheets>")
    return (xml[:start] + "<sheets/>" + xml[end:]).encode()


ENTITIES = "工作簿中声明了 XML 实体，不予接受。"
DAMAGED = "文件不是可读取的 XLSX 工作簿：文件已损坏或不完整。"
NO_SHEET = "工作簿中没有工作表。"
MALFORMED = {
    "truncated sheet XML": (
        rezipped({SHEET: (SHEET_HEAD + '<row r="1"><c r="A1"').encode()}),
        DAMAGED,
    ),
    "sheet XML that is not XML": (rezipped({SHEET: b"\x00\x01 not xml"}), DAMAGED),
    "no worksheet part": (rezipped({SHEET: None}), NO_SHEET),
    "a workbook without sheets": (
        rezipped({"xl/workbook.xml": _workbook_xml_without_sheets()}),
        NO_SHEET,
    ),
    "no workbook part": (rezipped({"xl/workbook.xml": None}), DAMAGED),
    "an entity-expansion bomb": (rezipped({SHEET: BOMB.encode()}), ENTITIES),
    "an external entity": (rezipped({SHEET: XXE.encode()}), ENTITIES),
    "a bomb in the shared strings": (
        with_shared_strings(BOMB.replace("worksheet", "sst").replace('<sheetData><row r="1">', "")),
        ENTITIES,
    ),
    "a zip that is cut short": (VALID[: len(VALID) // 2], DAMAGED),
    "not a zip at all": (b"PK\x03\x04" + b"\x00" * 100, DAMAGED),
}


def test_openpyxl_reads_xml_through_defusedxml():
    from openpyxl import xml

    assert xml.DEFUSEDXML is True


@pytest.fixture
def season(settings):
    return run_db(settings, make_season)


@pytest.mark.parametrize("name", MALFORMED)
def test_a_malformed_xlsx_is_refused_with_a_message(staff, settings, season, name):
    before = table_counts(settings)
    urls = [f"/staff/seasons/{season.id}/{page}/import" for page in ("dramas", "jurors")]
    for url in urls:
        content, message = MALFORMED[name]
        response = staff.upload(url, "catalogue.xlsx", content)
        assert response.status_code == 422, (name, url, response.text[-500:])
        assert message in response.text, name
        assert "root:" not in response.text  # /etc/passwd never shows
    assert table_counts(settings) == before


@pytest.fixture
def limited(settings, staff_user):
    """A staff browser on an app with small import limits."""
    small = replace(settings, import_max_rows=50, import_max_unzipped_bytes=200_000)
    with TestClient(create_app(small), base_url="http://testserver.local") as client:
        browser = Browser(client)
        assert browser.login(staff_user, STAFF_PASSWORD).status_code == 303
        yield browser


def _rows(n: int) -> list[list[object]]:
    return [["剧名", "类型"]] + [[f"剧{i}", "电视剧"] for i in range(n)]


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_file_with_too_many_rows_is_refused_naming_the_limit(limited, settings, season, kind):
    before = table_counts(settings)
    url = f"/staff/seasons/{season.id}/dramas/import"
    rows = _rows(51)
    content = (
        "\r\n".join(",".join(map(str, r)) for r in rows).encode()
        if kind == "csv"
        else workbook(rows)
    )
    response = limited.upload(url, f"many.{kind}", content)
    assert response.status_code == 422
    assert "文件超过 50 行" in response.text
    assert table_counts(settings) == before
    assert limited.upload(url, f"fifty.{kind}", workbook(_rows(50))).status_code == 303  # imported


def test_an_xlsx_that_unpacks_too_large_is_refused_naming_the_limit(limited, settings, season):
    """A 7.7 MB file that unpacked to 107 MB of XML held every request for 69 s."""
    before = table_counts(settings)
    padding = "<row/>" * 40_000  # 240 kB of XML that compresses to almost nothing
    bomb = rezipped({SHEET: (SHEET_HEAD + padding + "</sheetData></worksheet>").encode()})
    assert len(bomb) < 20_000
    response = limited.upload(f"/staff/seasons/{season.id}/dramas/import", "big.xlsx", bomb)
    assert response.status_code == 422
    assert "解压后将超过 200,000 字节" in response.text
    assert table_counts(settings) == before


@pytest.mark.filterwarnings(
    "ignore:Exception ignored in. <function SpooledTemporaryFile.__del__"
    ":pytest.PytestUnraisableExceptionWarning"
)
@pytest.mark.parametrize("part", [("", b"\xff\xfe"), ("", b"caf\xe9")])
def test_a_form_field_that_is_not_text_is_refused(staff, settings, season, part):
    """Litestar decoded it as UTF-8 and let UnicodeDecodeError through (500); the fuzzer found
    it. (The warning filter: see tests/test_form_fuzz.py.)"""
    before = table_counts(settings)
    response = staff.client.post(
        f"/staff/seasons/{season.id}/dramas/import",
        data={"_csrf_token": staff.csrf()},
        files=[("file", ("a.xlsx", VALID)), ("note", part)],
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert "表单中有一项不是按其声明的编码写成的文字。" in response.text
    assert table_counts(settings) == before
