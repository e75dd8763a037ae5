"""Catalogue files: CSV in three encodings and XLSX, all or nothing with every bad row reported,
and exports that import again unchanged."""

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from awards.catalogue import files as catalogue_files
from awards.models import Drama, Nominee, Season
from awards.settings import Settings
from awards.spreadsheets import Limits
from tests.factories import make_category, make_drama, make_season, run_cli, run_db

LIMITS = Limits.of(Settings())
HEADER = "剧名,英文名,类型,出品公司,播出平台,集数,首播日期,简介"
ROWS = [
    "归队,Return,电视剧,甲公司；乙公司,央视一套,30,2024-04-25,老兵归队",
    "小日子,,tv,丙公司,湖南卫视,32,2024/3/11,",
    "边水往事,,网络剧,丁公司,优酷,,,",
    '"凡人歌","Ordinary People",电视剧,"戊公司、己公司",央视八套,34,2024年8月27日,"多行\n简介"',
]


def csv_bytes(rows: list[str], encoding: str = "utf-8", bom: bool = False) -> bytes:
    data = "\r\n".join([HEADER, *rows]).encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def xlsx_bytes(header: list[str], rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def season(settings):
    return run_db(settings, make_season)


def _import(settings, season, filename: str, data: bytes) -> int:
    async def work(s):
        current = await s.get(Season, season.id)
        file = catalogue_files.read_dramas(filename, data, LIMITS)
        return await catalogue_files.import_dramas(s, current, file, "test")

    return run_db(settings, work)


def _dramas(settings) -> dict[str, Drama]:
    return {d.title: d for d in run_db(settings, lambda s: s.scalars(select(Drama)), write=False)}


@pytest.mark.parametrize(
    ("filename", "data"),
    [
        ("utf8.csv", csv_bytes(ROWS)),
        ("bom.csv", csv_bytes(ROWS, bom=True)),
        ("gb.csv", csv_bytes(ROWS, encoding="gb18030")),
    ],
)
def test_csv_imports_in_every_encoding(settings, season, filename, data):
    assert _import(settings, season, filename, data) == 4
    dramas = _dramas(settings)
    assert dramas["归队"].company_list == ["甲公司", "乙公司"]
    assert dramas["归队"].title_en == "Return"
    assert str(dramas["小日子"].first_aired_on) == "2024-03-11"
    assert dramas["边水往事"].kind == "web"
    assert dramas["边水往事"].episodes is None
    assert dramas["凡人歌"].company_list == ["戊公司", "己公司"]
    assert dramas["凡人歌"].synopsis == "多行\n简介"


def test_xlsx_imports_with_typed_cells(settings, season):
    from datetime import datetime

    data = xlsx_bytes(
        ["title", "kind", "companies", "episodes", "first_aired_on"],
        [
            ["六姊妹", "TV", "庚公司", 40, datetime(2025, 1, 20)],  # noqa: DTZ001  (XLSX dates are naive),
            ["城中之城", "电视剧", None, 40.0, None],
        ],
    )
    assert _import(settings, season, "list.xlsx", data) == 2
    dramas = _dramas(settings)
    assert str(dramas["六姊妹"].first_aired_on) == "2025-01-20"
    assert dramas["城中之城"].episodes == 40


BAD_CASES = [
    (",,电视剧,甲,,,,", 2, "剧名", "此项必填。"),
    ("好剧,,电影,甲,,,,", 2, "类型", "无法识别的值“电影”。"),
    ("好剧,,电视剧,甲,,,2024-13-01,", 2, "首播日期", "请按 YYYY-MM-DD 格式填写日期。"),
    ("好剧,,电视剧,甲,,三十,,", 2, "集数", "请填写整数。"),
    ("已有剧,,电视剧,甲,,,,", 2, "剧名", "剧目库中已有此剧名。"),
]


@pytest.mark.parametrize(("row", "line", "column", "message"), BAD_CASES)
def test_a_bad_row_imports_nothing_and_is_reported(settings, season, row, line, column, message):
    run_db(settings, lambda s: make_drama(s, season, "已有剧"))
    with pytest.raises(catalogue_files.ImportRejected) as rejected:
        _import(settings, season, "bad.csv", csv_bytes([row, ROWS[0]]))
    shown = [(e.line, e.column, str(e.message)) for e in rejected.value.errors]
    assert (line, column, message) in shown
    assert set(_dramas(settings)) == {"已有剧"}


def test_every_bad_row_is_reported_with_its_line(settings, season):
    rows = [ROWS[0], ",,电视剧,,,,,", ROWS[1], "归队,,电视剧,,,,,", "x,,y,,,,2024-99-99,"]
    with pytest.raises(catalogue_files.ImportRejected) as rejected:
        _import(settings, season, "many.csv", csv_bytes(rows))
    found = {(e.line, e.column, str(e.message)) for e in rejected.value.errors}
    assert found == {
        (3, "剧名", "此项必填。"),
        (5, "剧名", "与第 2 行的剧名重复。"),
        (6, "类型", "无法识别的值“y”。"),
        (6, "首播日期", "请按 YYYY-MM-DD 格式填写日期。"),
    }
    assert _dramas(settings) == {}


def test_line_numbers_count_multiline_cells(settings, season):
    rows = ['"甲剧",,电视剧,,,,,"第一行\n第二行\n第三行"', ",,电视剧,,,,,"]
    with pytest.raises(catalogue_files.ImportRejected) as rejected:
        _import(settings, season, "multi.csv", csv_bytes(rows))
    assert [e.line for e in rejected.value.errors] == [5]


def test_missing_columns_and_unreadable_files(settings, season):
    with pytest.raises(catalogue_files.ImportRejected) as rejected:
        _import(settings, season, "x.csv", "名字,类别\n归队,电视剧".encode())
    assert {e.column for e in rejected.value.errors} == {"剧名", "类型"}
    with pytest.raises(catalogue_files.ImportRejected):
        _import(settings, season, "x.xlsx", b"PK\x03\x04 not really a workbook")
    with pytest.raises(catalogue_files.ImportRejected):
        _import(settings, season, "x.csv", b"")


def _export(settings, season, fmt: str) -> bytes:
    async def work(s):
        return await catalogue_files.export_dramas(s, await s.get(Season, season.id), fmt)

    return run_db(settings, work, write=False)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_round_trips(settings, season, fmt):
    # Titles a spreadsheet would run as formulas; "''@x" is the text "'@x" (see csv_files).
    formulas = ['"=1+1",,其他,,,,,', "+86 热线,,其他,,,,,", "''@x,,其他,,,,,"]
    _import(settings, season, "seed.csv", csv_bytes([*ROWS, *formulas]))
    assert {"=1+1", "+86 热线", "'@x"} <= set(_dramas(settings))
    exported = _export(settings, season, fmt)
    other = run_db(settings, lambda s: make_season(s, "2025"))
    assert _import(settings, other, f"again.{fmt}", exported) == 7
    if fmt == "csv":
        assert _export(settings, other, fmt) == exported
        titles = [row[0] for row in csv.reader(io.StringIO(exported.decode("utf-8-sig")))]
        assert {"'=1+1", "'+86 热线", "''@x"} <= set(titles)  # defused: text in a spreadsheet

    def by_title(season_id):
        dramas = run_db(
            settings,
            lambda s: s.scalars(select(Drama).where(Drama.season_id == season_id)),
            write=False,
        )
        return {
            d.title: (
                d.title_en,
                d.kind,
                d.companies,
                d.broadcaster,
                d.episodes,
                d.first_aired_on,
                d.synopsis,
            )
            for d in dramas
        }

    assert by_title(season.id) == by_title(other.id)
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(exported)).active
        titles = [row[0].value for row in sheet.iter_rows(min_row=2)]
        assert "=1+1" in titles  # kept as text, never turned into a formula
        assert all(row[0].data_type == "s" for row in sheet.iter_rows(min_row=2))


def test_upload_form_imports_and_reports(staff, settings, season):
    page = staff.get(f"/staff/seasons/{season.id}/dramas/import")
    assert page.status_code == 200
    assert "剧名" in page.text
    bad = staff.upload(
        f"/staff/seasons/{season.id}/dramas/import", "bad.csv", csv_bytes([",,电影,,,,,"])
    )
    assert bad.status_code == 422
    assert "未导入任何数据" in bad.text
    assert "无法识别的值“电影”。" in bad.text
    assert _dramas(settings) == {}
    good = staff.upload(f"/staff/seasons/{season.id}/dramas/import", "good.csv", csv_bytes(ROWS))
    assert good.status_code == 303
    assert "已导入剧目：新增 4 部。" in staff.get(good.headers["location"]).text
    assert len(_dramas(settings)) == 4
    exported = staff.get(f"/staff/seasons/{season.id}/dramas/export/xlsx")
    assert exported.status_code == 200
    assert exported.headers["content-disposition"] == 'attachment; filename="dramas-2024.xlsx"'
    assert staff.get(f"/staff/seasons/{season.id}/dramas/export/pdf").status_code == 422


def test_nominee_import(settings, season):
    async def build(s):
        current = await s.get(Season, season.id)
        await make_drama(s, current, "归队")
        await make_drama(s, current, "小日子")
        await make_category(s, current, "best-drama")
        await make_category(
            s, current, "best-actor", subject="person", method="irv", max_choices=None
        )

    run_db(settings, build)
    header = "奖项代码,剧名,姓名,角色\n"
    good = header + "best-drama,归队,,\nbest-drama,小日子,,\nbest-actor,归队,演员甲,主演\n"
    bad = header + (
        "best-drama,归队,,\nnope,归队,,\nbest-actor,不存在,甲,\nbest-actor,归队,,\nbest-drama,归队,,\n"
    )

    async def run(s, text):
        table = catalogue_files.read_nominees("n.csv", text.encode(), LIMITS)
        return await catalogue_files.import_nominees(s, await s.get(Season, season.id), table, "t")

    with pytest.raises(catalogue_files.ImportRejected) as rejected:
        run_db(settings, lambda s: run(s, bad))
    assert [(e.line, e.column) for e in rejected.value.errors] == [
        (3, "奖项代码"),
        (4, "剧名"),
        (5, "姓名"),
        (6, "剧名"),
    ]
    assert (
        run_db(settings, lambda s: s.scalar(select(func.count()).select_from(Nominee)), write=False)
        == 0
    )
    assert run_db(settings, lambda s: run(s, good)) == 3


def test_cli_import_and_export(settings, season, tmp_path):
    source = tmp_path / "dramas.csv"
    source.write_bytes(csv_bytes([",,电影,,,,,"]))
    failed = run_cli(settings, tmp_path, "import", "dramas", str(source), "--season", "2024")
    assert failed.returncode == 1
    assert "未导入任何内容" in failed.stderr
    assert "第 2 行" in failed.stderr
    source.write_bytes(csv_bytes(ROWS))
    done = run_cli(settings, tmp_path, "import", "dramas", str(source), "--season", "2024")
    assert done.returncode == 0, done.stderr
    target = tmp_path / "out.xlsx"
    exported = run_cli(settings, tmp_path, "export", "dramas", str(target), "--season", "2024")
    assert exported.returncode == 0, exported.stderr
    assert openpyxl.load_workbook(target).active.max_row == 5


def test_a_csv_download_names_its_charset_once(staff, settings, season):
    """Litestar appends `; charset=utf-8` to a text media type that already names it, which gave
    `text/csv; charset=utf-8; charset=utf-8` (issue 11)."""
    staff.upload(f"/staff/seasons/{season.id}/dramas/import", "good.csv", csv_bytes(ROWS))
    exported = staff.get(f"/staff/seasons/{season.id}/dramas/export/csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
