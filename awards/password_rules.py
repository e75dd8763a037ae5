"""What a juror's (and a staff member's) new password must be: 12 to 128 characters and not on
the common-password list shipped in awards/data (30,000 passwords from zxcvbn's frequency list,
MIT licence, plus common Chinese ones)."""

from functools import cache
from pathlib import Path

from awards.errors import FormInvalid
from awards.i18n import _

MIN_LENGTH = 12
MAX_LENGTH = 128
_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in _LIST.read_text().splitlines() if line.strip())


def password_problem(password: str) -> str | None:
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return _("Use %(lo)s to %(hi)s characters.", lo=MIN_LENGTH, hi=MAX_LENGTH)
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) <= 2:
        return _("This password is too common. Choose another.")
    return None


def check_new_password(password: str, repeated: str | None = None, field: str = "password") -> None:
    if problem := password_problem(password):
        raise FormInvalid({field: problem})
    if repeated is not None and repeated != password:
        raise FormInvalid({"password_repeat": _("The passwords do not match.")})
