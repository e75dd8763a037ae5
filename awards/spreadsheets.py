"""Reading an uploaded table (CSV: UTF-8 with or without BOM, or GB18030; or XLSX) within limits.

A file comes from a staff member's computer, so it is read as hostile input:

- XML is parsed with entity expansion off: openpyxl reads it through defusedxml when that is
  installed (this module refuses to load otherwise), so an entity bomb or an external entity
  is refused instead of expanded or fetched;
- an XLSX file is a zip: the sizes its parts declare are added up before anything is read, and
  the bytes actually unpacked are counted as well (the declarations can lie), against
  `Settings.import_max_unzipped_bytes`; a 7.7 MB file once unpacked to 107 MB of XML;
- no more than `Settings.import_max_rows` rows are read, and only the columns the header names;
- a malformed file (a cut zip, XML that is not well-formed, a workbook without a worksheet) is
  refused with a message, whatever openpyxl raises about it.

Reading is plain CPU work without the database: callers run it in a worker thread before their
writing transaction begins (`read_in_thread`), so that neither the event loop nor SQLite's write
lock waits for it.
"""

import csv
import hashlib
import io
import logging
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio.to_thread
import openpyxl
import openpyxl.xml
from defusedxml import DefusedXmlException

from awards.csv_files import read_cell
from awards.errors import DomainError
from awards.i18n import N_, Message
from awards.settings import Settings
from ballots.canonical import gc_paused

if not openpyxl.xml.DEFUSEDXML:  # OPENPYXL_DEFUSEDXML=False, or defusedxml missing
    raise ImportError("openpyxl must parse XML through defusedxml (see awards.spreadsheets)")

logger = logging.getLogger(__name__)
T = TypeVar("T")
_MAX_PARTS = 1000  # a workbook has a dozen; each costs a central directory entry to parse
_CHUNK = 1 << 16
_DAMAGED = N_("The file is not a readable XLSX workbook: it is damaged or incomplete.")
# What to do instead, for the files Excel makes that this reader does not take.
_XLS = N_(
    "This is an old Excel workbook (.xls). Open it in Excel, choose File › Save As, pick"
    " “Excel Workbook (*.xlsx)” and upload the new file."
)
_UTF16 = N_(
    "This file is UTF-16 text (Excel's “Unicode Text”). Open it in Excel, choose File › Save"
    " As, pick “CSV UTF-8 (Comma delimited) (*.csv)” and upload the new file."
)
_NOT_TEXT = N_(
    "This file is neither UTF-8 nor GB18030 text, nor an XLSX workbook. In Excel, choose File ›"
    " Save As and pick “CSV UTF-8 (Comma delimited) (*.csv)” or “Excel Workbook (*.xlsx)”."
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # how .xls (and other old Office) files begin


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    message: str | Message
    value: str = ""
    """The cell as the file has it, quoted beside the message so that staff find it."""


class ImportRejected(DomainError):
    status_code = 422

    def __init__(self, errors: Sequence[RowError]) -> None:
        super().__init__(N_("The file was not imported: %(n)s problems."), n=len(errors))
        self.errors = list(errors)


def _refused(message: Message) -> ImportRejected:
    return ImportRejected([RowError(1, "", message)])


@dataclass(frozen=True)
class Limits:
    max_rows: int
    max_unzipped_bytes: int

    @classmethod
    def of(cls, settings: Settings) -> "Limits":
        return cls(settings.import_max_rows, settings.import_max_unzipped_bytes)


@dataclass(frozen=True)
class Table:
    """A file's rows as {field: cell}, each with the line number a person sees in the file."""

    headers: dict[str, str]  # field -> header as written in the file
    rows: list[tuple[int, dict[str, Any]]]
    source: str  # "name sha256:…", for the audit log


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def read_in_thread(work: Callable[..., T], *args: Any) -> T:
    """Run a reader in a worker thread: the event loop goes on serving requests meanwhile.
    The cyclic garbage collector pauses while it runs: reading makes a few objects per cell,
    and each full collection they set off held the interpreter lock, and so the event loop,
    for up to 0.1 s at a time."""

    def paused() -> T:
        with gc_paused():
            return work(*args)

    return await anyio.to_thread.run_sync(paused)


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # what Excel saves as "Unicode text"
        raise _refused(Message(_UTF16))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise _refused(Message(_NOT_TEXT)) from None


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[Any]]]:
    text = _decode(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        for row in reader:
            yield start, [read_cell(cell) for cell in row]
            start = reader.line_num + 1
    except csv.Error as exc:
        raise _refused(Message("The file cannot be read: %(why)s", why=exc)) from None


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse an archive that is damaged or would unpack to more than the limit, before
    openpyxl reads any of it."""
    too_large = _refused(
        Message(
            "The workbook would unpack to more than %(n)s bytes"
            " (AWARDS_IMPORT_MAX_UNZIPPED_BYTES).",
            n=f"{limits.max_unzipped_bytes:,}",
        )
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            if len(parts) > _MAX_PARTS:
                raise _refused(Message("The workbook has more than %(n)s parts.", n=_MAX_PARTS))
            if sum(part.file_size for part in parts) > limits.max_unzipped_bytes:
                raise too_large
            unpacked = 0
            for part in parts:
                with archive.open(part) as stream:
                    while chunk := stream.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > limits.max_unzipped_bytes:
                            raise too_large
    except ImportRejected:
        raise
    except Exception as exc:  # BadZipFile, zlib.error, EOFError, NotImplementedError...
        logger.info("unreadable zip: %s", type(exc).__name__)
        raise _refused(Message(_DAMAGED)) from None


class _XlsxRows:
    """openpyxl's rows, with whatever it raises on a malformed workbook turned into one
    message: its exceptions are not a closed set (KeyError for a missing part, ParseError,
    TypeError from an attribute of the wrong type...)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, max_col_of: Callable[[list[Any]], int]) -> Iterator[tuple[int, list[Any]]]:
        try:
            workbook = openpyxl.load_workbook(io.BytesIO(self.data), read_only=True, data_only=True)
        except Exception as exc:
            raise self._damaged(exc) from None
        try:
            if not workbook.worksheets:
                raise _refused(Message("The workbook has no worksheet."))
            sheet = workbook.worksheets[0]
            rows = sheet.iter_rows(values_only=True)
            header = self._next(rows)
            if header is None:
                return
            yield 1, ["" if cell is None else cell for cell in header]
            max_col = max_col_of(list(header))
            if max_col == 0:
                return
            rows = sheet.iter_rows(min_row=2, max_col=max_col, values_only=True)
            for number, row in enumerate(self._each(rows), start=2):
                yield number, ["" if cell is None else cell for cell in row]
        finally:
            workbook.close()

    def _next(self, rows: Iterator[Any]) -> Any:
        try:
            return next(rows, None)
        except Exception as exc:
            raise self._damaged(exc) from None

    def _each(self, rows: Iterator[Any]) -> Iterator[Any]:
        while True:
            try:
                row = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise self._damaged(exc) from None
            yield row

    @staticmethod
    def _damaged(exc: Exception) -> ImportRejected:
        if isinstance(exc, ImportRejected):
            return exc
        logger.info("unreadable workbook: %s", type(exc).__name__)
        cause: BaseException | None = exc
        while cause is not None:  # openpyxl wraps what defusedxml raises in a ValueError
            if isinstance(cause, DefusedXmlException):
                return _refused(Message("The workbook declares XML entities, which are refused."))
            cause = cause.__cause__ or cause.__context__
        return _refused(Message(_DAMAGED))


def read_table(
    filename: str,
    data: bytes,
    columns: dict[str, tuple[str, ...]],
    limits: Limits,
    required: tuple[str, ...] = ("title", "kind"),
) -> Table:
    """The file's table; ImportRejected names what makes it unreadable."""
    spellings = {s.casefold(): field for field, names in columns.items() for s in names}
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}

    def take_header(cells: list[Any]) -> int:
        for index, header in enumerate(cells):
            field = spellings.get(str(header).strip().casefold())
            if field and field not in positions:
                positions[field], headers[field] = index, str(header).strip()
        return max(positions.values(), default=-1) + 1

    if data.startswith(_OLE2) or filename.lower().endswith(".xls"):
        raise _refused(Message(_XLS))
    is_xlsx = filename.lower().endswith(".xlsx") or data.startswith(b"PK\x03\x04")
    if is_xlsx:
        _check_zip(data, limits)
        rows = _XlsxRows(data).read(take_header)
    else:
        rows = _csv_rows(data)
    first = next(rows, None)
    if first is None:
        raise _refused(Message("The file is empty."))
    if not is_xlsx:
        take_header(first[1])
    body = []
    for count, (line, cells) in enumerate(rows, start=1):
        if count > limits.max_rows:  # empty rows count too: openpyxl makes them as it goes
            raise _refused(
                Message(
                    "The file has more than %(n)s rows (AWARDS_IMPORT_MAX_ROWS):"
                    " split it into several files.",
                    n=limits.max_rows,
                )
            )
        if all(str(cell).strip() == "" for cell in cells):
            continue
        body.append((line, {f: cells[i] if i < len(cells) else "" for f, i in positions.items()}))
    missing = [
        names[0] for field, names in columns.items() if field in required and field not in positions
    ]
    if missing:
        raise ImportRejected(
            [
                RowError(1, name, Message("The header row has no column “%(c)s”.", c=name))
                for name in missing
            ]
        )
    return Table(headers, body, f"{filename} sha256:{file_digest(data)}")


def row_errors(
    table: Table, line: int, row: dict[str, Any], errors: dict[str, Any]
) -> list[RowError]:
    """A row's errors (a field's message each, as `awards.forms.Fields` collects them), each
    under the column's header as the file spells it and with the cell it is about."""
    return [
        RowError(line, table.headers.get(field, field), message, _shown(row.get(field)))
        for field, message in errors.items()
    ]


def _shown(cell: Any) -> str:
    text = "" if cell is None else str(cell)
    return text if len(text) <= 80 else text[:79] + "…"
