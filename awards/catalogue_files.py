"""Importing and exporting the catalogue as CSV (UTF-8 with or without BOM, or GB18030) and XLSX.

Imports are all or nothing: every row is checked first, and a file with any bad row writes nothing
and reports each problem with its line number, column and reason. Exported files import again
unchanged (the headers are the first accepted spelling of each column).
"""

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from zipfile import BadZipFile

import openpyxl
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.csv_files import csv_bytes, read_cell
from awards.dramas import DramaForm, add_dramas, existing_titles
from awards.errors import DomainError
from awards.forms import Fields
from awards.i18n import N_, _
from awards.models import Category, Drama, Nominee, Season
from awards.rounds import FROZEN, frozen_categories

Progress = Callable[[int, int], None]

DRAMA_COLUMNS: dict[str, tuple[str, ...]] = {
    "title": ("剧名", "title"),
    "title_en": ("英文名", "title_en", "english title"),
    "kind": ("类型", "kind", "type"),
    "companies": ("出品公司", "companies", "production companies"),
    "broadcaster": ("播出平台", "broadcaster", "platform"),
    "episodes": ("集数", "episodes"),
    "first_aired_on": ("首播日期", "first_aired_on", "first aired"),
    "synopsis": ("简介", "synopsis"),
}
NOMINEE_COLUMNS: dict[str, tuple[str, ...]] = {
    "category": ("奖项代码", "category"),
    "title": ("剧名", "title"),
    "person_name": ("姓名", "person_name", "person"),
    "person_role": ("角色", "person_role", "role"),
}
KIND_LABELS = {"tv": "电视剧", "web": "网络剧", "other": "其他"}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str


class ImportRejected(DomainError):
    status_code = 422

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(N_("The file was not imported: %(n)s problems."), n=len(errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class Table:
    """A file's rows as {field: cell}, each with the line number a person sees in the file."""

    headers: dict[str, str]  # field -> header as written in the file
    rows: list[tuple[int, dict[str, Any]]]


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    reader = csv.reader(io.StringIO(_decode(data), newline=""))
    start = 1
    for row in reader:
        yield start, [read_cell(cell) for cell in row]
        start = reader.line_num + 1


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield number, ["" if cell is None else cell for cell in row]
    finally:
        workbook.close()


def read_table(
    filename: str,
    data: bytes,
    columns: dict[str, tuple[str, ...]],
    required: tuple[str, ...] = ("title", "kind"),
) -> Table:
    is_xlsx = filename.lower().endswith(".xlsx") or data.startswith(b"PK\x03\x04")
    try:
        rows = iter(_xlsx_rows(data) if is_xlsx else _csv_rows(data))
        first = next(rows, None)
        if first is None:
            raise ImportRejected([RowError(1, "", _("The file is empty."))])
        spellings = {s.casefold(): field for field, names in columns.items() for s in names}
        positions: dict[str, int] = {}
        headers: dict[str, str] = {}
        for index, header in enumerate(first[1]):
            field = spellings.get(str(header).strip().casefold())
            if field and field not in positions:
                positions[field], headers[field] = index, str(header).strip()
        body = []
        for line, cells in rows:
            if all(str(cell).strip() == "" for cell in cells):
                continue
            body.append(
                (line, {f: cells[i] if i < len(cells) else "" for f, i in positions.items()})
            )
    except ImportRejected:
        raise
    except (UnicodeDecodeError, csv.Error, OSError, ValueError, KeyError, BadZipFile) as exc:
        raise ImportRejected(
            [RowError(1, "", _("The file cannot be read: %(why)s", why=exc))]
        ) from exc
    missing = [
        names[0] for field, names in columns.items() if field in required and field not in positions
    ]
    if missing:
        raise ImportRejected(
            [
                RowError(1, name, _("The header row has no column “%(c)s”.", c=name))
                for name in missing
            ]
        )
    return Table(headers, body)


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def import_dramas(
    session: AsyncSession,
    season: Season,
    filename: str,
    data: bytes,
    actor: str,
    progress: Progress | None = None,
) -> int:
    table = read_table(filename, data, DRAMA_COLUMNS)
    taken = await existing_titles(session, season.id)
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    forms: list[DramaForm] = []
    for done, (line, row) in enumerate(table.rows, start=1):
        fields = Fields(row)
        form = DramaForm.read(fields)
        for field, message in fields.errors.items():
            errors.append(RowError(line, table.headers.get(field, field), message))
        column = table.headers["title"]
        if form.title in taken:
            errors.append(RowError(line, column, _("This title is already in the catalogue.")))
        elif form.title and form.title in seen:
            errors.append(
                RowError(line, column, _("Same title as line %(n)s.", n=seen[form.title]))
            )
        seen.setdefault(form.title, line)
        forms.append(form)
        if progress and done % 500 == 0:
            progress(done, len(table.rows))
    if errors:
        raise ImportRejected(errors)
    count = await add_dramas(
        session, season.id, forms, actor, source=f"{filename} sha256:{file_digest(data)}"
    )
    if progress:
        progress(len(table.rows), len(table.rows))
    return count


async def import_nominees(
    session: AsyncSession, season: Season, filename: str, data: bytes, actor: str
) -> int:
    table = read_table(filename, data, NOMINEE_COLUMNS, required=("category", "title"))
    categories = {
        c.code: c
        for c in await session.scalars(select(Category).where(Category.season_id == season.id))
    }
    dramas = dict(
        (
            await session.execute(select(Drama.title, Drama.id).where(Drama.season_id == season.id))
        ).all()
    )
    existing = set(
        (
            await session.execute(
                select(Nominee.category_id, Nominee.drama_id, Nominee.person_name)
                .join(Category)
                .where(Category.season_id == season.id)
            )
        ).all()
    )
    frozen = await frozen_categories(session, [c.id for c in categories.values()])
    errors: list[RowError] = []
    rows: list[dict[str, Any]] = []
    seen: dict[tuple[int, int, str], int] = {}
    for line, row in table.rows:
        fields = Fields(row)
        code = fields.text("category", required=True, max_length=64)
        title = fields.text("title", required=True)
        person = fields.text("person_name", max_length=100)
        role = fields.text("person_role", max_length=100)
        category, drama_id = categories.get(code), dramas.get(title)
        if code and category is None:
            fields.fail("category", _("No category “%(c)s” in this season.", c=code))
        elif category is not None and category.id in frozen:
            fields.fail("category", _(FROZEN, round=frozen[category.id]))
        if title and drama_id is None:
            fields.fail("title", _("No drama titled “%(t)s” in this season's catalogue.", t=title))
        if category is not None and category.subject == "person" and not person:
            fields.fail("person_name", _("This category nominates people: enter the name."))
        if category is not None and category.subject == "work" and person:
            fields.fail("person_name", _("This category nominates works: leave the name empty."))
        if not fields.errors and category is not None and drama_id is not None:
            key = (category.id, drama_id, person)
            if key in existing:
                fields.fail("title", _("This nominee is already in the category."))
            elif key in seen:
                fields.fail("title", _("Same nominee as line %(n)s.", n=seen[key]))
            seen.setdefault(key, line)
            rows.append(
                {
                    "category_id": category.id,
                    "drama_id": drama_id,
                    "person_name": person,
                    "person_role": role,
                }
            )
        for field, message in fields.errors.items():
            errors.append(RowError(line, table.headers.get(field, field), message))
    if errors:
        raise ImportRejected(errors)
    if rows:
        await session.execute(Nominee.__table__.insert(), rows)
    await audit.record(
        session,
        actor=actor,
        action="nominee.imported",
        object_type="season",
        object_id=season.id,
        changes={"source": f"{filename} sha256:{file_digest(data)}", "count": len(rows)},
    )
    return len(rows)


def _drama_cells(drama: Drama) -> list[Any]:
    return [
        drama.title,
        drama.title_en or "",
        KIND_LABELS[drama.kind],
        "；".join(drama.company_list),
        drama.broadcaster,
        drama.episodes if drama.episodes is not None else "",
        drama.first_aired_on.isoformat() if drama.first_aired_on else "",
        drama.synopsis,
    ]


def _text_cell(sheet: Any, value: Any) -> Any:
    """openpyxl stores a string that starts with "=" as a formula; keep every title plain text."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value)
        cell.data_type = "s"
        return cell
    return value


async def export_dramas(session: AsyncSession, season: Season, fmt: str) -> bytes:
    """The season's catalogue as CSV (see `awards.csv_files`) or XLSX."""
    dramas = await session.scalars(
        select(Drama).where(Drama.season_id == season.id).order_by(Drama.title, Drama.id)
    )
    header = [names[0] for names in DRAMA_COLUMNS.values()]
    rows = [_drama_cells(d) for d in dramas]
    if fmt == "xlsx":
        workbook = openpyxl.Workbook(write_only=True)
        sheet = workbook.create_sheet("dramas")
        sheet.append(header)
        for row in rows:
            sheet.append([_text_cell(sheet, value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()
    return csv_bytes(header, rows)
