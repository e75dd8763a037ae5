"""ElGamal encryption in the group, the ciphertexts the board and the shuffles hold.

A ciphertext of the point M under the election key H = x * G, with randomness r, is the pair
(a, b) = (r * G, M + r * H); re-encrypting adds (s * G, s * H); whoever knows x recovers
M = b - x * a. A ballot is a vector of such ciphertexts, one per point of its encoding
(`ballots.sealed.encoding`), written in files as [[a, b], ...] in hex.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ballots.sealed.group import Point, base


@dataclass(frozen=True, slots=True)
class Ciphertext:
    a: Point
    b: Point

    def to_json(self) -> list[str]:
        return [self.a.hex(), self.b.hex()]

    @classmethod
    def from_json(cls, value: Any) -> "Ciphertext":
        """Raises ValueError (NotAPoint) for anything but a pair of valid points."""
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError("a ciphertext is a pair of points")
        return cls(Point.from_hex(value[0]), Point.from_hex(value[1]))


def encrypt(key: Point, message: Point, r: int) -> Ciphertext:
    return Ciphertext(base(r), message + r * key)


@dataclass(frozen=True, slots=True)
class Pad:
    """What one encryption and its share of a ballot's proof need that does not depend on the
    message: the randomness r with r * G and r * Y, and the proof's nonce w with w * G. Made
    ahead of time (as ElectionGuard precomputes its exponentials), so that encrypting a ballot
    at the cast is additions and a hash; each pad is used once, and then dropped."""

    r: int
    r_base: Point
    r_key: Point
    w: int
    w_base: Point


def make_pad(key: Point, rng: Callable[[], int]) -> Pad:
    r, w = rng(), rng()
    return Pad(r, base(r), r * key, w, base(w))


def encrypt_with(pad: Pad, message: Point) -> Ciphertext:
    return Ciphertext(pad.r_base, message + pad.r_key)


def reencrypt(key: Point, c: Ciphertext, s: int) -> Ciphertext:
    return Ciphertext(c.a + base(s), c.b + s * key)


def vector_to_json(vector: list[Ciphertext]) -> list[list[str]]:
    return [c.to_json() for c in vector]


def vector_from_json(value: Any) -> list[Ciphertext]:
    if not isinstance(value, list):
        raise ValueError("a ballot is a list of ciphertexts")
    return [Ciphertext.from_json(c) for c in value]
