"""The group against the pure-Python reference curve, and the embedding of data in points."""

import hashlib
import json

import pytest

from ballots.sealed.group import (
    G,
    NotAPoint,
    Point,
    base,
    embed,
    generators,
    hash_to_scalar,
    random_scalar,
    scalar_from_hex,
    total,
    unembed,
)
from tests.sealed import reference_curve as ref


def test_arithmetic_agrees_with_the_reference_curve():
    for _ in range(10):
        k, j = random_scalar(), random_scalar()
        p = base(k)
        assert p.hex() == ref.encode(ref.mul(k, ref.G))
        assert (j * p).hex() == ref.encode(ref.mul(j * k, ref.G))
        assert (p + base(j)).hex() == ref.encode(ref.mul(k + j, ref.G))
        assert (p - base(j)).hex() == ref.encode(ref.mul(k - j, ref.G))
        assert total([p, p, base(j)]).hex() == ref.encode(ref.mul(2 * k + j, ref.G))


def test_the_point_at_infinity_is_refused_not_represented():
    p = base(random_scalar())
    for reach in (lambda: p - p, lambda: 0 * p, lambda: base(0), lambda: total([])):
        with pytest.raises(NotAPoint):
            reach()


@pytest.mark.parametrize(
    "text",
    ["", "02" + "00" * 32, "04" + "11" * 32, G.hex().upper(), G.hex()[:-2], 5, None, "zz" * 33],
)
def test_crafted_points_are_refused(text):
    with pytest.raises(NotAPoint):
        Point.from_hex(text)


def test_scalars_are_written_strictly():
    assert scalar_from_hex("00" * 31 + "01") == 1
    for text in ("01", "FF" * 32, "ff" * 32, 1, "g" * 64):
        with pytest.raises(ValueError, match="scalar"):
            scalar_from_hex(text)


def test_the_challenge_is_the_specs_hash():
    assert hash_to_scalar("d", {"b": 1, "a": "é"}, [G.hex()]) == ref.challenge(
        "d", {"a": "é", "b": 1}, [G.hex()]
    )
    assert hash_to_scalar("d", 1) != hash_to_scalar("e", 1)


def test_generators_follow_the_spec_and_are_distinct():
    found = generators("awards-sealed/1/test", 4)
    assert len(set(found)) == 4
    for i, point in enumerate(found):
        x, j = None, 0
        while x is None:
            text = json.dumps(["awards-sealed/1/test", i, j], separators=(",", ":"))
            candidate = "02" + hashlib.sha256(text.encode()).hexdigest()
            try:
                ref.decode(candidate)
                x = candidate
            except ValueError:
                j += 1
        assert point.hex() == x


def test_embedding_carries_any_thirty_bytes_and_nothing_else():
    for data in (bytes(30), b"\xff" * 30, bytes(range(30))):
        point = embed(data)
        assert unembed(point) == data
        assert unembed(-point) == data  # the y parity carries nothing
        assert point.hex().startswith("0200")
        ref.decode(point.hex())
    with pytest.raises(ValueError, match="30 bytes"):
        embed(b"short")


def test_a_point_without_the_zero_byte_carries_no_data():
    point = Point.from_hex(G.hex())  # x of G starts 79
    assert unembed(point) is None
