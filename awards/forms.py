"""Parsing form and file input into typed values, with one message per bad field.

Every parser collects all problems before failing, so a person sees every mistake at once.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from awards.errors import FormInvalid
from awards.i18n import _

CODE_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
_DATE_RE = re.compile(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?")


class Fields:
    """Reads one submitted form (or one imported row); `finish()` raises with every error."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> Any:
        value = self.data.get(name)
        return value.strip() if isinstance(value, str) else value

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = False, max_length: int = 200) -> str:
        value = self.raw(name)
        value = "" if value is None else str(value).strip()
        if required and not value:
            self.fail(name, _("This field is required."))
        elif len(value) > max_length:
            self.fail(name, _("At most %(n)s characters.", n=max_length))
        elif any(ord(ch) < 32 and ch not in "\n\r\t" for ch in value):
            self.fail(name, _("Contains control characters."))
        return value

    def code(self, name: str) -> str:
        value = self.text(name, required=True, max_length=64)
        if value and not CODE_RE.fullmatch(value):
            self.fail(name, _("Use 1-64 letters, digits, dots, dashes or underscores."))
        return value

    def integer(
        self, name: str, *, required: bool = False, minimum: int = 0, maximum: int = 1_000_000
    ) -> int | None:
        value = self.raw(name)
        if value is None or value == "":
            if required:
                self.fail(name, _("This field is required."))
            return None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        try:
            number = int(str(value))
        except ValueError:
            self.fail(name, _("Enter a whole number."))
            return None
        if not minimum <= number <= maximum:
            self.fail(name, _("Enter a number from %(lo)s to %(hi)s.", lo=minimum, hi=maximum))
            return None
        return number

    def choice(self, name: str, choices: Mapping[str, str], *, required: bool = True) -> str:
        """`choices` maps every accepted spelling to its stored value."""
        value = self.text(name, required=required)
        if not value:
            return ""
        found = choices.get(value) or choices.get(value.lower())
        if found is None:
            self.fail(name, _("Unknown value “%(value)s”.", value=value))
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
            self.fail(name, _("Enter a date as YYYY-MM-DD."))
            return None

    def finish(self) -> None:
        if self.errors:
            raise FormInvalid(dict(self.errors), dict(self.data))
