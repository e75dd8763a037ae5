"""What every new password must be, a juror's or a staff member's: `MIN_LENGTH` to `MAX_LENGTH`
characters (the forms are given the two numbers, never write their own) and not on the
common-password list shipped in awards/accounts/data (30,000 passwords from zxcvbn's frequency
list, MIT licence, plus common Chinese ones), judged after NFKC normalisation, as it will be
hashed (so a full-width "１２３４５６７８９０１２" is the common "123456789012")."""

from functools import cache
from itertools import pairwise
from pathlib import Path

from awards.accounts.passwords import normalise
from awards.errors import FormInvalid
from awards.i18n import Message

MIN_LENGTH = 12
MAX_LENGTH = 128
_LIST = Path(__file__).resolve().parent / "data" / "common-passwords.txt"


@cache
def common_passwords() -> frozenset[str]:
    return frozenset(line.strip() for line in _LIST.read_text().splitlines() if line.strip())


def password_problem(password: str) -> Message | None:
    password = normalise(password)
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        return Message("Use %(lo)s to %(hi)s characters.", lo=MIN_LENGTH, hi=MAX_LENGTH)
    folded = password.casefold()
    if folded in common_passwords() or len(set(folded)) <= 2 or _is_run(folded):
        return Message("This password is too common. Choose another.")
    return None


def _is_run(text: str) -> bool:
    """A counted run such as "123456789012", "987654321098" or "abcdefghijkl": digits wrap
    around 9 to 0, as people type them, so a long run is never on any list."""
    if text.isascii() and text.isdigit():
        steps = {(int(b) - int(a)) % 10 for a, b in pairwise(text)}
        return steps in ({1}, {9})
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return steps in ({1}, {-1})


def check_new_password(password: str, repeated: str | None = None, field: str = "password") -> None:
    if problem := password_problem(password):
        raise FormInvalid({field: problem})
    if repeated is not None and repeated != password:
        raise FormInvalid({"password_repeat": Message("The passwords do not match.")})
