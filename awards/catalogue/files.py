"""Importing and exporting the catalogue as CSV (UTF-8 with or without BOM, or GB18030) and XLSX.

Imports are all or nothing: every row is checked first, and a file with any bad row writes nothing
and reports each problem with its line number, column and reason. A file is read and its rows
checked by `read_*` functions, without the database, in a worker thread (`awards.spreadsheets`);
`import_*` then checks what needs the database and writes. Exported files import again
unchanged (the headers are the first accepted spelling of each column).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import openpyxl
from openpyxl.cell import WriteOnlyCell
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit, collation
from awards.audit import Action
from awards.catalogue.dramas import DRAMA_KINDS, DramaForm, add_dramas, existing_titles
from awards.csv_files import csv_bytes
from awards.forms import Fields
from awards.i18n import Message
from awards.models import Category, Drama, Nominee, Season
from awards.spreadsheets import ImportRejected, Limits, RowError, Table, read_table, row_errors
from awards.voting.rounds import frozen_categories

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


@dataclass(frozen=True)
class DramaFile:
    """A catalogue file read and checked row by row (`read_dramas`): what is left to check
    needs the database (`import_dramas`)."""

    table: Table
    forms: list[tuple[int, DramaForm]]
    errors: list[RowError]


def read_dramas(
    filename: str, data: bytes, limits: Limits, progress: Progress | None = None
) -> DramaFile:
    """Read a catalogue file and check each row and each title against the others: plain CPU
    work, for a worker thread (see `awards.spreadsheets`)."""
    table = read_table(filename, data, DRAMA_COLUMNS, limits)
    seen: dict[str, int] = {}
    errors: list[RowError] = []
    forms: list[tuple[int, DramaForm]] = []
    column = table.headers["title"]
    for done, (line, row) in enumerate(table.rows, start=1):
        fields = Fields(row)
        form = DramaForm.read(fields)
        errors += row_errors(table, line, row, fields.errors)
        if form.title and form.title in seen:
            same = Message("Same title as line %(n)s.", n=seen[form.title])
            errors.append(RowError(line, column, same, form.title))
        seen.setdefault(form.title, line)
        forms.append((line, form))
        if progress and done % 500 == 0:
            progress(done, len(table.rows))
    if progress:
        progress(len(table.rows), len(table.rows))
    return DramaFile(table, forms, errors)


async def import_dramas(session: AsyncSession, season: Season, file: DramaFile, actor: str) -> int:
    """Add the dramas of a file read by `read_dramas`, all or nothing."""
    taken = await existing_titles(session, season.id)
    column = file.table.headers["title"]
    errors = file.errors + [
        RowError(line, column, Message("This title is already in the catalogue."), form.title)
        for line, form in file.forms
        if form.title in taken
    ]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    return await add_dramas(
        session, season.id, [form for _line, form in file.forms], actor, source=file.table.source
    )


def read_nominees(filename: str, data: bytes, limits: Limits) -> Table:
    return read_table(filename, data, NOMINEE_COLUMNS, limits, required=("category", "title"))


async def import_nominees(session: AsyncSession, season: Season, table: Table, actor: str) -> int:
    categories = {
        c.code: c
        for c in await session.scalars(select(Category).where(Category.season_id == season.id))
    }
    dramas = dict(
        (await session.execute(select(Drama.title, Drama.id).where(Drama.season_id == season.id)))
        .tuples()
        .all()
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
            fields.fail("category", Message("No category “%(c)s” in this season.", c=code))
        elif category is not None and category.id in frozen:
            fields.fail("category", frozen[category.id])
        if title and drama_id is None:
            fields.fail(
                "title", Message("No drama titled “%(t)s” in this season's catalogue.", t=title)
            )
        if category is not None and category.subject == "person" and not person:
            fields.fail("person_name", Message("This category nominates people: enter the name."))
        if category is not None and category.subject == "work" and person:
            fields.fail(
                "person_name", Message("This category nominates works: leave the name empty.")
            )
        if not fields.errors and category is not None and drama_id is not None:
            key = (category.id, drama_id, person)
            if key in existing:
                fields.fail("title", Message("This nominee is already in the category."))
            elif key in seen:
                fields.fail("title", Message("Same nominee as line %(n)s.", n=seen[key]))
            seen.setdefault(key, line)
            rows.append(
                {
                    "category_id": category.id,
                    "drama_id": drama_id,
                    "person_name": person,
                    "person_role": role,
                }
            )
        errors += row_errors(table, line, row, fields.errors)
    if errors:
        raise ImportRejected(errors)
    if rows:
        await session.execute(Nominee.__table__.insert(), rows)
    await audit.record_import(
        session,
        actor=actor,
        action=Action.NOMINEE_IMPORTED,
        season_id=season.id,
        source=table.source,
        count=len(rows),
    )
    return len(rows)


def _drama_cells(drama: Drama) -> list[Any]:
    return [
        drama.title,
        drama.title_en or "",
        DRAMA_KINDS[drama.kind].file_label,
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


def table_bytes(fmt: str, sheet_name: str, header: list[str], rows: list[list[Any]]) -> bytes:
    """A table as CSV (see `awards.csv_files`) or XLSX."""
    if fmt != "xlsx":
        return csv_bytes(header, rows)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append(header)
    for row in rows:
        sheet.append([_text_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def blank_file(
    columns: dict[str, tuple[str, ...]], fmt: str, sheet_name: str, chinese: bool
) -> bytes:
    """A file to fill in for an import: its header row only, in Chinese (each column's first
    spelling) or in English (its second); the importer reads both."""
    return table_bytes(
        fmt, sheet_name, [names[0 if chinese else 1] for names in columns.values()], []
    )


async def export_dramas(session: AsyncSession, season: Season, fmt: str) -> bytes:
    """The season's catalogue as CSV or XLSX, in the order of `awards.collation`."""
    dramas = collation.by_name(
        await session.scalars(select(Drama).where(Drama.season_id == season.id)),
        lambda d: d.title,
    )
    header = [names[0] for names in DRAMA_COLUMNS.values()]
    return table_bytes(fmt, "dramas", header, [_drama_cells(d) for d in dramas])
