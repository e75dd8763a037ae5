"""The key ceremony checked a second time, from the spec's text, with the pure-Python curve of
tests/sealed/reference_curve.py: the election key, Feldman's verification keys, the seed, the
fingerprint and every Schnorr proof. And a known answer, a ceremony whose every scalar is fixed."""

import hashlib
import json
from collections.abc import Iterator
from itertools import count
from typing import Any

import pytest

from ballots.sealed import proofs, trustee
from ballots.sealed.ceremony import check_ceremony
from tests.sealed import reference_curve as rc
from tests.sealed.test_ceremony import ROUND, Run, run

COEFFICIENT, SEED, SHARE = (f"awards-sealed/1/{d}" for d in ("coefficient", "seed", "share"))


@pytest.fixture(scope="module")
def five() -> Run:
    return run(5, 3)


@pytest.fixture(scope="module")
def three() -> Run:
    return run(3, 2)


def _sum(points: Iterator[rc.Point]) -> rc.Point:
    result: rc.Point = rc.INFINITY
    for point in points:
        result = rc.add(result, point)
    return result


def _knows(domain: str, context: Any, public: str, proof: list[str]) -> bool:
    """The spec's check of a proof of knowledge: c == H(domain, context, X, s * G - c * X)."""
    c, s = (int(v, 16) for v in proof)
    x = rc.decode(public)
    commitment = rc.add(rc.mul(s, rc.G), rc.neg(rc.mul(c, x)))
    return c == rc.challenge(domain, context, public, rc.encode(commitment))


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _derived(commitments: list[dict[str, Any]], shares: list[dict[str, Any]]) -> dict[str, Any]:
    """The fingerprinted object, derived as the spec says."""
    n = len(commitments)
    coefficients = [[rc.decode(c) for c in doc["coefficients"]] for doc in commitments]
    keys = [
        _sum(rc.mul(j**k, point) for row in coefficients for k, point in enumerate(row))
        for j in range(1, n + 1)
    ]
    seeds = [[rc.decode(p) for p in doc["seed"]["ciphertext"]] for doc in shares]
    return {
        "context": ROUND,
        "threshold": commitments[0]["threshold"],
        "election_key": rc.encode(_sum(row[0] for row in coefficients)),
        "verification_keys": [rc.encode(key) for key in keys],
        "seed": [rc.encode(_sum(s[0] for s in seeds)), rc.encode(_sum(s[1] for s in seeds))],
        "transcript_sha256": hashlib.sha256(_canonical([commitments, shares])).hexdigest(),
    }


def test_a_second_implementation_derives_and_verifies_the_same(five: Run) -> None:
    result = check_ceremony(ROUND, *five.documents())
    derived = _derived(five.commitments, five.shares)
    assert derived == {
        "context": result.context,
        "threshold": result.threshold,
        "election_key": result.election_key.hex(),
        "verification_keys": [key.hex() for key in result.verification_keys],
        "seed": result.seed.to_json(),
        "transcript_sha256": result.transcript,
    }
    fingerprint = hashlib.sha256(_canonical(derived)).hexdigest()
    assert fingerprint == result.fingerprint
    digest = hashlib.sha256(_canonical(five.commitments)).hexdigest()
    for i, (commitment, dealt) in enumerate(zip(five.commitments, five.shares, strict=True), 1):
        here = {**ROUND, "trustee": i}
        assert _knows(COEFFICIENT, here, commitment["coefficients"][0], commitment["proof"])
        assert _knows(SEED, here, dealt["seed"]["ciphertext"][0], dealt["seed"]["proof"])
        assert dealt["commitments_sha256"] == digest
    for j, confirmation in enumerate(five.confirmations, 1):
        here = {**ROUND, "trustee": j, "fingerprint": fingerprint}
        assert confirmation["verification_key"] == derived["verification_keys"][j - 1]
        assert _knows(SHARE, here, confirmation["verification_key"], confirmation["proof"])
    second = five.confirmations[1]
    elsewhere = {**ROUND, "trustee": 1, "fingerprint": fingerprint}
    assert not _knows(SHARE, elsewhere, second["verification_key"], second["proof"])


def test_a_feldman_check_by_hand(three: Run) -> None:
    """f_i(j) * G == sum_k j^k * C_ik for every share, on the reference curve."""
    for i, secrets in enumerate(three.secrets, 1):
        coefficients = [int(a, 16) for a in secrets["coefficients"]]
        points = [rc.decode(c) for c in three.commitments[i - 1]["coefficients"]]
        for j in range(1, 4):
            value = sum(a * j**k for k, a in enumerate(coefficients)) % rc.N
            expected = _sum(rc.mul(j**k, c) for k, c in enumerate(points))
            assert rc.mul(value, rc.G) == expected


@pytest.fixture
def fixed_scalars(monkeypatch: pytest.MonkeyPatch) -> None:
    """random_scalar draws 1, 2, 3, ... in the order the steps call it."""
    drawn = count(1)
    monkeypatch.setattr(trustee, "random_scalar", lambda: next(drawn))
    monkeypatch.setattr(proofs, "random_scalar", lambda: next(drawn))


@pytest.mark.usefixtures("fixed_scalars")
def test_a_known_answer() -> None:
    """A 2-of-2 ceremony where trustee 1 draws f_1 = 1 + 2x, the nonce 3 of its proof, the
    seed point 4G and its randomness 5; trustee 2 f_2 = 6 + 7x, nonce 8, seed 9G, randomness 10;
    their deals the nonces 11 and 12. So Y = 7G, x_1 = 16, x_2 = 25, and the seed is
    (15G, 13G + 15 * 7G) = (15G, 118G)."""
    done = run(2, 2)
    assert done.keys == [16, 25]
    assert done.commitments[0]["coefficients"] == [rc.encode(rc.mul(k, rc.G)) for k in (1, 2)]
    proof = done.commitments[0]["proof"]
    assert proof == [
        "895b0a5090b7d9f0dafd85ce3d1020ad5ff512801705c55eb06167744053ffc7",
        "895b0a5090b7d9f0dafd85ce3d1020ad5ff512801705c55eb06167744053ffca",
    ]
    assert _knows(COEFFICIENT, {**ROUND, "trustee": 1}, rc.encode(rc.G), proof)
    # The fingerprint binds the sealed shares, whose encryption libsodium randomises: it is
    # checked against the second implementation, not pinned.
    result = check_ceremony(ROUND, done.commitments, done.shares, done.confirmations)
    assert hashlib.sha256(_canonical(_derived(done.commitments, done.shares))).hexdigest() == (
        result.fingerprint
    )
    assert result.seed.to_json() == [rc.encode(rc.mul(k, rc.G)) for k in (15, 118)]
