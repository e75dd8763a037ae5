"""Imports explain themselves (issue 11): a file Excel made in a form the importer does not
take says how to save it instead, a bad row quotes the cell, and staff can start from a blank
file with the expected headers."""

import io
import re

import openpyxl
import pytest

from awards.catalogue import files as catalogue_files
from awards.settings import Settings
from awards.spreadsheets import Limits
from tests.factories import make_season, run_cli, run_db

LIMITS = Limits.of(Settings())
# The first bytes of every .xls workbook (an OLE2 compound file), then some of its sectors.
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"\x09\x08\x10\x00" * 100
UNICODE_TEXT = "剧名\t类型\r\n归队\t电视剧\r\n".encode("utf-16")  # Excel's "Unicode Text"


@pytest.fixture
def season(settings):
    return run_db(settings, make_season)


@pytest.mark.parametrize(
    ("filename", "data", "says"),
    [
        ("catalogue.xls", XLS, "这是旧版 Excel 工作簿（.xls）"),
        ("renamed.csv", XLS, "这是旧版 Excel 工作簿（.xls）"),  # the bytes say what it is
        ("unicode.txt", UNICODE_TEXT, "这是 UTF-16 文本文件（Excel 的“Unicode 文本”）"),
        ("unicode.csv", "剧名,类型\n".encode("utf-16-be"), "既不是 UTF-8 或 GB18030"),
    ],
)
def test_a_file_excel_made_in_another_form_says_how_to_save_it(staff, season, filename, data, says):
    url = f"/staff/seasons/{season.id}/dramas/import"
    response = staff.upload(url, filename, data)
    assert response.status_code == 422
    problem = response.text
    assert says in problem
    assert "另存为" in problem
    assert "codec" not in problem
    assert '<table class="errors">' not in problem  # one message for the file, not a table


def test_the_importer_says_the_same_in_english(staff, season):
    staff.get("/lang/en?next=/")
    response = staff.upload(f"/staff/seasons/{season.id}/dramas/import", "old.xls", XLS)
    assert "Save As" in response.text
    assert "Excel Workbook (*.xlsx)" in response.text


def test_a_bad_row_quotes_the_cell(staff, season):
    rows = "剧名,类型,集数,首播日期\r\n归队,电视剧,三十,\r\n小日子,电影,30,2024-13-01\r\n"
    response = staff.upload(f"/staff/seasons/{season.id}/dramas/import", "d.csv", rows.encode())
    assert response.status_code == 422
    cells = re.findall(r'<q class="cell">([^<]*)</q>', response.text)
    assert cells == ["三十", "电影", "2024-13-01"]


def test_the_cli_quotes_the_cell_too(settings, season, tmp_path):
    source = tmp_path / "d.csv"
    source.write_text("剧名,类型,集数\n归队,电视剧,三十\n", encoding="utf-8")
    done = run_cli(settings, tmp_path, "import", "dramas", str(source), "--season", "2024")
    assert done.returncode == 1
    assert "第 2 行，“集数”列 “三十”：" in done.stderr


def test_a_title_with_a_line_break_is_refused_with_a_reason():
    data = '剧名,类型\r\n"归\n队",电视剧\r\n'.encode()
    file = catalogue_files.read_dramas("d.csv", data, LIMITS)
    assert [(e.line, e.column, str(e.message)) for e in file.errors] == [
        (2, "剧名", "此项不能换行，请写在一行内。")
    ]


@pytest.mark.parametrize(
    ("what", "chinese", "english"),
    [
        ("dramas", "剧名,英文名,类型,出品公司,播出平台,集数,首播日期,简介", "title,title_en,kind"),
        ("nominees", "奖项代码,剧名,姓名,角色", "category,title,person_name,person_role"),
        ("jurors", "姓名,单位,邮箱,电话,评审组", "name,organisation,email,phone,panels"),
    ],
)
def test_staff_download_a_blank_file_with_the_headers(staff, what, chinese, english):
    csv = staff.get(f"/staff/import-templates/{what}/csv")
    assert csv.status_code == 200
    assert csv.headers["content-disposition"] == f'attachment; filename="{what}-template.csv"'
    assert csv.content.decode("utf-8-sig").startswith(chinese + "\r\n")
    xlsx = staff.get(f"/staff/import-templates/{what}/xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert ",".join(c.value for c in next(sheet.iter_rows())) == chinese
    staff.get("/lang/en?next=/")
    english_csv = staff.get(f"/staff/import-templates/{what}/csv").content.decode("utf-8-sig")
    assert english_csv.startswith(english)
    assert staff.get(f"/staff/import-templates/{what}/pdf").status_code == 404


def test_the_blank_files_import_as_they_are(staff, season):
    """Each header the blank file has is one the importer reads (and none is missing)."""
    for lang in ("zh_CN", "en"):
        staff.get(f"/lang/{lang}?next=/")
        blank = staff.get("/staff/import-templates/dramas/xlsx").content
        file = catalogue_files.read_dramas("blank.xlsx", blank, LIMITS)
        assert file.errors == []
        assert set(file.table.headers) == set(catalogue_files.DRAMA_COLUMNS)


def test_the_import_pages_link_the_blank_files(staff, season):
    for url, what in [
        (f"/staff/seasons/{season.id}/dramas/import", "dramas"),
        (f"/staff/seasons/{season.id}/nominees/import", "nominees"),
        (f"/staff/seasons/{season.id}/jury", "jurors"),
    ]:
        page = staff.get(url).text
        assert f'href="/staff/import-templates/{what}/xlsx"' in page, url
