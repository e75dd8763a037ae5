"""A deliberately simple secp256k1 in pure Python, for the tests' second verifiers only: affine
coordinates, textbook formulas, no libsecp256k1. A check that passes with `ballots.sealed` and
with this agrees across two implementations of the group; it is far too slow (and not constant
time) for anything but tests."""

import hashlib
import json

P = 2**256 - 2**32 - 977
N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
GX = 0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798
GY = 0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8
INFINITY = None
G = (GX, GY)

Point = tuple[int, int] | None


def add(p: Point, q: Point) -> Point:
    if p is None:
        return q
    if q is None:
        return p
    (x1, y1), (x2, y2) = p, q
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    doubling = p == q
    slope = 3 * x1 * x1 * pow(2 * y1, -1, P) if doubling else (y2 - y1) * pow(x2 - x1, -1, P)
    x3 = (slope * slope - x1 - x2) % P
    return (x3, (slope * (x1 - x3) - y1) % P)


def neg(p: Point) -> Point:
    return None if p is None else (p[0], (-p[1]) % P)


def mul(k: int, p: Point) -> Point:
    result: Point = None
    k %= N
    while k:
        if k & 1:
            result = add(result, p)
        p = add(p, p)
        k >>= 1
    return result


def decode(text: str) -> Point:
    """A point from its 66 hex digits (compressed SEC 1); raises ValueError off the curve."""
    data = bytes.fromhex(text)
    if len(data) != 33 or data[0] not in (2, 3):
        raise ValueError("not a compressed point")
    x = int.from_bytes(data[1:], "big")
    if x >= P:
        raise ValueError("x beyond the field")
    y = pow((x**3 + 7) % P, (P + 1) // 4, P)
    if (y * y - x**3 - 7) % P:
        raise ValueError("not on the curve")
    if y % 2 != data[0] - 2:
        y = P - y
    return (x, y)


def encode(p: Point) -> str:
    if p is None:
        raise ValueError("the point at infinity has no encoding")
    return (bytes([2 + p[1] % 2]) + p[0].to_bytes(32, "big")).hex()


def challenge(domain: str, *values: object) -> int:
    """H of the spec, written again from its text."""
    text = json.dumps([domain, *values], sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return int.from_bytes(hashlib.sha512(text.encode()).digest(), "big") % N
