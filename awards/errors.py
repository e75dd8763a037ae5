"""Domain errors. Raised by domain code, turned into HTTP answers in one table in `awards.app`.

Messages are English msgids, translated when shown (see awards/i18n.py); `params` fill them in.
A form's messages per field are `Message`s, translated where the form is shown again.
"""

from typing import Any

from awards.i18n import N_, Message


class DomainError(Exception):
    status_code = 400

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


class NotFound(DomainError):
    status_code = 404


class NotAllowed(DomainError):
    status_code = 403


class Conflict(DomainError):
    status_code = 409


class Busy(DomainError):
    """The database stayed locked for longer than the busy timeout."""

    status_code = 503


class FormInvalid(DomainError):
    """Input that fails validation: one message per field, nothing written."""

    status_code = 422

    def __init__(
        self, errors: "dict[str, str | Message]", values: dict[str, Any] | None = None
    ) -> None:
        super().__init__(N_("Please correct the marked fields."))
        self.errors = errors
        self.values = values or {}
