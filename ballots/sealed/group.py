"""The group: secp256k1, through libsecp256k1 (coincurve). Nothing here is home-made curve
arithmetic: a point is libsecp256k1's, every addition and multiplication is one of its calls.

Notation in this package is additive: `a + b` adds points, `k * p` multiplies a point by a
scalar, `base(k)` is `k * G`. A point is written (in files, in hashes) as its 33-byte compressed
SEC 1 encoding in lowercase hex; a scalar as 64 lowercase hex digits, less than ORDER.

libsecp256k1 cannot hold the point at infinity. An honest party reaches it only with
probability about 2^-256; where a crafted input leads a computation there, the call raises
`NotAPoint`, and every verifier in this package counts that as a failed check.
"""

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from coincurve import PublicKey
from coincurve._libsecp256k1 import ffi, lib
from coincurve.context import GLOBAL_CONTEXT

from ballots.canonical import canonical_json

ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
"""n, the order of the group (and of G)."""


class NotAPoint(ValueError):
    """Not a valid point of the group: bad encoding, or the point at infinity."""


class Point:
    __slots__ = ("_bytes", "_key")

    def __init__(self, key: PublicKey, encoded: bytes | None = None) -> None:
        self._key = key
        # The compressed encoding, once made: a ballot's points are written and hashed often.
        self._bytes = encoded

    @classmethod
    def from_bytes(cls, data: bytes) -> "Point":
        if len(data) != 33 or data[0] not in (2, 3):
            raise NotAPoint("a point is 33 bytes of compressed SEC 1 encoding")
        raw = ffi.new("secp256k1_pubkey *")
        if not lib.secp256k1_ec_pubkey_parse(_CTX, raw, data, 33):
            raise NotAPoint("not on the curve")
        return _point(raw, bytes(data))

    @classmethod
    def from_hex(cls, text: Any) -> "Point":
        if not isinstance(text, str) or len(text) != 66:
            raise NotAPoint("a point is 66 hex digits")
        try:
            data = bytes.fromhex(text)
        except ValueError as exc:
            raise NotAPoint("not hex") from exc
        if data.hex() != text:
            raise NotAPoint("hex must be lowercase")
        return cls.from_bytes(data)

    def to_bytes(self) -> bytes:
        if self._bytes is None:
            out, size = ffi.new("unsigned char[33]"), ffi.new("size_t *", 33)
            lib.secp256k1_ec_pubkey_serialize(
                _CTX, out, size, self._key.public_key, lib.SECP256K1_EC_COMPRESSED
            )
            self._bytes = bytes(ffi.buffer(out, 33))
        return self._bytes

    def hex(self) -> str:
        return self.to_bytes().hex()

    def __add__(self, other: "Point") -> "Point":
        return total((self, other))

    def __neg__(self) -> "Point":
        raw = _copy(self._key)
        lib.secp256k1_ec_pubkey_negate(_CTX, raw)
        return _point(raw)

    def __sub__(self, other: "Point") -> "Point":
        return total((self, -other))

    def __rmul__(self, k: int) -> "Point":
        k %= ORDER
        if k == 0:
            raise NotAPoint("the point at infinity")
        raw = _copy(self._key)
        if not lib.secp256k1_ec_pubkey_tweak_mul(_CTX, raw, k.to_bytes(32, "big")):
            raise NotAPoint("the point at infinity")
        return _point(raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def __repr__(self) -> str:
        return f"Point({self.hex()})"


def base(k: int) -> Point:
    """k * G."""
    k %= ORDER
    if k == 0:
        raise NotAPoint("the point at infinity")
    raw = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_create(_CTX, raw, k.to_bytes(32, "big")):
        raise NotAPoint("the point at infinity")
    return _point(raw)


# libsecp256k1 called directly, without coincurve's wrappers, which parse, check and copy again
# on every call: a point's arithmetic costs half as much (the ballots of a round make 10^5 calls).
_CTX = GLOBAL_CONTEXT.ctx


def _copy(key: PublicKey) -> Any:
    """A copy of the point for libsecp256k1 to change in place (points themselves never
    change)."""
    raw = ffi.new("secp256k1_pubkey *")
    ffi.memmove(raw, key.public_key, 64)
    return raw


def _point(raw: Any, encoded: bytes | None = None) -> Point:
    key = PublicKey.__new__(PublicKey)
    key.public_key = raw
    key.context = GLOBAL_CONTEXT
    return Point(key, encoded)


G = base(1)


def total(points: Iterable[Point]) -> Point:
    """The sum of one or more points, in one call of libsecp256k1."""
    given = list(points)
    if not given:
        raise NotAPoint("the sum of no points is the point at infinity")
    if len(given) == 1:
        return given[0]
    keys = [p._key.public_key for p in given]
    raw = ffi.new("secp256k1_pubkey *")
    if not lib.secp256k1_ec_pubkey_combine(
        _CTX, raw, ffi.new("secp256k1_pubkey *[]", keys), len(keys)
    ):
        raise NotAPoint("the sum is the point at infinity")
    return _point(raw)


def weighted_sum(scalars: Sequence[int], points: Sequence[Point]) -> Point:
    """sum(k_i * P_i), the multi-exponentiation of the proofs."""
    return total(k * p for k, p in zip(scalars, points, strict=True))


def random_scalar() -> int:
    """Uniform in [1, ORDER - 1], from the operating system's CSPRNG."""
    return 1 + secrets.randbelow(ORDER - 1)


def scalar_hex(k: int) -> str:
    return f"{k % ORDER:064x}"


def scalar_from_hex(text: Any) -> int:
    """A scalar as written in a file: 64 lowercase hex digits, less than ORDER."""
    if not isinstance(text, str) or len(text) != 64 or text.lower() != text:
        raise ValueError("a scalar is 64 lowercase hex digits")
    try:
        k = int(text, 16)
    except ValueError as exc:
        raise ValueError("a scalar is 64 lowercase hex digits") from exc
    if k >= ORDER:
        raise ValueError("a scalar is less than the group's order")
    return k


def hash_to_scalar(domain: str, *values: Any) -> int:
    """The Fiat-Shamir challenge: SHA-512 of the canonical JSON of [domain, *values], reduced
    modulo ORDER (512 bits reduced modulo a 256-bit order: a bias below 2^-256). `values` are
    JSON values (points and scalars as their hex), so a second implementation hashes the same
    bytes from the published files alone."""
    digest = hashlib.sha512(canonical_json([domain, *values])).digest()
    return int.from_bytes(digest, "big") % ORDER


@lru_cache(maxsize=64)
def generators(domain: str, count: int) -> tuple[Point, ...]:
    """`count` independent generators whose discrete logarithms nobody knows: the i-th is the
    point with even y whose x is SHA-256(canonical JSON of [domain, i, j]) for the least j
    (from 0) that gives an x on the curve (try-and-increment; each j succeeds with chance 1/2)."""
    return tuple(_hash_to_point(domain, i) for i in range(count))


def _hash_to_point(domain: str, index: int) -> Point:
    for attempt in range(256):
        x = hashlib.sha256(canonical_json([domain, index, attempt])).digest()
        try:
            return Point.from_bytes(b"\x02" + x)
        except NotAPoint:
            continue
    raise NotAPoint("no point found")  # chance 2^-256


EMBED_BYTES = 30
"""How many bytes of data one point carries (`embed`)."""


def embed(data: bytes) -> Point:
    """The point with even y whose x is 0x00 || data || k, for the least k (0 to 255) that gives
    an x on the curve: `data` is EMBED_BYTES long. The leading zero byte keeps x below the field
    prime whatever the data, so any 30 bytes can be carried (Koblitz's method)."""
    if len(data) != EMBED_BYTES:
        raise ValueError(f"a point carries exactly {EMBED_BYTES} bytes")
    for k in range(256):
        try:
            return Point.from_bytes(b"\x02\x00" + data + bytes([k]))
        except NotAPoint:
            continue
    raise NotAPoint("no point found")  # chance 2^-256


def unembed(point: Point) -> bytes | None:
    """The data `embed` put in a point; None for a point whose x does not start with a zero
    byte (no ballot's point, though a crafted ciphertext can decrypt to one). The y parity is
    ignored: P and -P carry the same data."""
    x = point.to_bytes()[1:]
    if x[0] != 0:
        return None
    return x[1 : 1 + EMBED_BYTES]
