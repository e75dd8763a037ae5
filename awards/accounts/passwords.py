"""argon2id password hashing, off the event loop and bounded.

Hashing costs tens of milliseconds of CPU and 64 MiB of memory; it runs in worker threads, at most
`max_concurrent_hashes` at once per process, so a burst of logins cannot starve the server.
Unknown accounts are checked against a dummy hash so that they take as long as a wrong password.

Passwords are NFKC-normalised before hashing and checking: a full-width "１２３" (what a Chinese
input method types in full-width mode) is the password "123", on every device.
"""

import unicodedata
from enum import IntEnum

import anyio
import anyio.to_thread
from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from awards.settings import Argon2Params


def normalise(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


class Match(IntEnum):
    """False-y when the password is wrong. `LEGACY`: it matched only as typed, not normalised (a
    hash made before passwords were normalised), and should be hashed again."""

    NO = 0
    YES = 1
    LEGACY = 2


class Passwords:
    def __init__(self, params: Argon2Params, max_concurrent: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            type=Type.ID,
        )
        self._max_concurrent = max_concurrent
        self._limiter: anyio.CapacityLimiter | None = None
        self._dummy_hash = self._hasher.hash("not a real password")

    def _limit(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self._max_concurrent)
        return self._limiter

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(normalise(password))

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self.hash_sync, password, limiter=self._limit())

    def _matches(self, stored: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _verify(self, stored: str | None, password: str) -> Match:
        if stored is not None and not stored.startswith("$argon2"):
            stored = None  # a marker such as "no password yet" costs a hash like any other
        normal = normalise(password)
        if self._matches(stored or self._dummy_hash, normal):
            return Match.YES if stored is not None else Match.NO
        if stored is not None and normal != password and self._matches(stored, password):
            return Match.LEGACY
        return Match.NO

    async def verify(self, stored: str | None, password: str) -> Match:
        """Whether `password` matches; `stored=None` (no such account) costs the same, fails."""
        return await anyio.to_thread.run_sync(self._verify, stored, password, limiter=self._limit())

    def needs_rehash(self, stored: str) -> bool:
        return self._hasher.check_needs_rehash(stored)
