"""Parsing form and file input into typed values, with one message per bad field.

This is the one reader of submitted values: every form field (and, through `parse_id`, every id
in a path) goes through it, so that the rules hold everywhere at once:

- a single-valued field sent twice is refused (a form dict holds a list then), never turned
  into the text "['a', 'b']"; lists are read only by `ids` and `texts`, with a cap on their count;
- ids are ASCII digits without sign or leading zero, from 1 to 2**31-1 (`str.isdigit()` takes
  `²` and `٣`, `int()` takes `+1`, `1_0` and ` 1`);
- text has a length cap and no control characters (newlines only where asked for), nor the
  bidirectional controls that make a name read differently from what it is.

Every parser collects all problems before failing, so a person sees every mistake at once.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from litestar.datastructures import UploadFile
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.errors import FormInvalid
from awards.i18n import Message

CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
ID_MAX = 2**31 - 1  # the range of SQLite's and PostgreSQL's integer ids
_ID_RE = re.compile(r"[1-9][0-9]{0,9}")
_INTEGER_RE = re.compile(r"-?[0-9]{1,15}")
_DATE_RE = re.compile(r"([0-9]{4})[-/.年]([0-9]{1,2})[-/.月]([0-9]{1,2})日?")
# Control characters (Unicode's Cc) and the bidirectional marks, embeddings and isolates.
_BIDI = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"
_LINE_CONTROLS = rf"\x00-\x1f\x7f-\x9f\u2028\u2029{_BIDI}"
_BAD_LINE = re.compile(f"[{_LINE_CONTROLS}]")
# The same rule for query parameters, which Litestar checks (as a `pattern`) before the handler:
# PostgreSQL refuses a NUL in a search (DataError, a 500).
PLAIN_LINE = f"^[^{_LINE_CONTROLS}]*$"
_BAD_TEXT = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{_BIDI}]")  # newlines, tabs kept
# What a cell of an imported file may hold besides text (openpyxl's numbers, dates and booleans).
_SCALARS = (str, int, float, date)


def parse_integer(text: str) -> int | None:
    """A whole number in ASCII digits (an optional minus, at most 15 digits), or None."""
    return int(text) if _INTEGER_RE.fullmatch(text) else None


def parse_id(value: object) -> int | None:
    """A database id as links and forms write it, or None."""
    if isinstance(value, str) and _ID_RE.fullmatch(value):
        number = int(value)
        if number <= ID_MAX:
            return number
    return None


class Fields:
    """Reads one submitted form (or one imported row); `finish()` raises with every error."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str | Message] = {}

    def fail(self, name: str, message: str | Message) -> None:
        self.errors.setdefault(name, message)

    def raw(self, name: str) -> Any:
        """The field's one value (stripped if text), or None when absent or refused."""
        value = self.data.get(name)
        if isinstance(value, list):
            self.fail(name, Message("Send this field only once."))
            return None
        if value is not None and not isinstance(value, _SCALARS):
            self.fail(name, Message("This field cannot be read."))  # an uploaded file, say
            return None
        return value.strip() if isinstance(value, str) else value

    def _many(self, name: str, max_count: int) -> list[str]:
        value = self.data.get(name)
        values = [] if value is None else value if isinstance(value, list) else [value]
        if not all(isinstance(v, _SCALARS) for v in values):
            self.fail(name, Message("This field cannot be read."))
            return []
        if len(values) > max_count:
            self.fail(name, Message("Choose at most %(n)s.", n=max_count))
            return []
        return [str(v) for v in values]

    def _checked_text(
        self, name: str, value: str, *, required: bool, max_length: int, multiline: bool
    ) -> str:
        if required and not value:
            self.fail(name, Message("This field is required."))
        elif len(value) > max_length:
            self.fail(name, Message("At most %(n)s characters.", n=max_length))
        elif not multiline and ("\n" in value or "\r" in value):
            self.fail(name, Message("Line breaks are not allowed here: put it on one line."))
        elif (_BAD_TEXT if multiline else _BAD_LINE).search(value):
            self.fail(name, Message("Contains control characters."))
        else:
            return value
        return ""

    def text(
        self, name: str, *, required: bool = False, max_length: int = 200, multiline: bool = False
    ) -> str:
        value = self.raw(name)
        value = "" if value is None else str(value).strip()
        return self._checked_text(
            name, value, required=required, max_length=max_length, multiline=multiline
        )

    def secret(self, name: str, *, max_length: int = 1024) -> str:
        """A password as typed: not stripped, nothing refused but length and repetition (the
        password rules say what a new one may hold)."""
        value = self.data.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            self.raw(name)  # says why
            return ""
        if len(value) > max_length:
            self.fail(name, Message("At most %(n)s characters.", n=max_length))
            return ""
        return value

    def texts(self, name: str, *, max_count: int = 100, max_length: int = 200) -> list[str]:
        """A list field (checkboxes): each value stripped and checked; empty ones dropped."""
        found = []
        for value in self._many(name, max_count):
            value = self._checked_text(
                name, value.strip(), required=False, max_length=max_length, multiline=False
            )
            if value:
                found.append(value)
        return found

    def code(self, name: str) -> str:
        value = self.text(name, required=True, max_length=64)
        if value and not CODE_RE.fullmatch(value):
            self.fail(name, Message("Use 1-64 letters, digits, dots, dashes or underscores."))
        return value

    def upload(self, name: str) -> UploadFile | None:
        """One uploaded file with a name (a multipart form's file field)."""
        value = self.data.get(name)
        if isinstance(value, UploadFile) and value.filename:
            return value
        self.fail(name, Message("Choose a CSV or XLSX file."))
        return None

    def flag(self, name: str) -> bool:
        """A checkbox: ticked when sent with a value."""
        return bool(self.raw(name))

    def id(self, name: str, *, required: bool = True) -> int | None:
        if self.raw(name) in (None, ""):  # absent, empty, or refused with its reason
            if required:
                self.fail(name, Message("This field is required."))
            return None
        number = parse_id(self.data[name])  # as sent: " 1" is not an id
        if number is None:
            self.fail(name, Message("This is not one of the choices offered."))
        return number

    def ids(self, name: str, *, max_count: int = 1000) -> list[int]:
        """The ids of a list field (checkboxes), in order, each once."""
        found: dict[int, None] = {}
        for value in self._many(name, max_count):
            number = parse_id(value)
            if number is None:
                self.fail(name, Message("This is not one of the choices offered."))
                return []
            found[number] = None
        return list(found)

    def integer(
        self, name: str, *, required: bool = False, minimum: int = 0, maximum: int = 1_000_000
    ) -> int | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, Message("This field is required."))
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and (parsed := parse_integer(value)) is not None:
            number = parsed
        else:
            self.fail(name, Message("Enter a whole number."))
            return None
        if not minimum <= number <= maximum:
            self.fail(
                name, Message("Enter a number from %(lo)s to %(hi)s.", lo=minimum, hi=maximum)
            )
            return None
        return number

    def choice(self, name: str, choices: Mapping[str, str], *, required: bool = True) -> str:
        """`choices` maps every accepted spelling to its stored value."""
        value = self.text(name, required=required)
        if not value:
            return ""
        found = choices.get(value) or choices.get(value.lower())
        if found is None:
            self.fail(name, Message("Unknown value “%(value)s”.", value=value[:50]))
            return ""
        return found

    def date(self, name: str) -> date | None:
        value = self.raw(name)
        if value is None or value == "":
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        match = _DATE_RE.fullmatch(str(value).strip())
        try:
            if match is None:
                raise ValueError
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            self.fail(name, Message("Enter a date as YYYY-MM-DD."))
            return None

    def finish(self) -> None:
        if self.errors:
            raise FormInvalid(dict(self.errors), dict(self.data))


async def ensure_free(
    session: AsyncSession,
    holder: Select[tuple[int]],
    field: str,
    message: Message,
    *,
    own_id: int | None = None,
    values: dict[str, Any] | None = None,
) -> None:
    """Refuse a form whose `field` (a code, a title, an e-mail address) another row holds
    already: `holder` selects that row's id. `own_id` is the row being edited, which keeps its
    own. The unique constraint behind each is the last word; this is what a person reads."""
    other = await session.scalar(holder)
    if other is not None and other != own_id:
        raise FormInvalid({field: message}, values)
