"""The trustees' key ceremony: Pedersen's distributed key generation (joint Feldman VSS), with a
Schnorr proof of knowledge of each trustee's constant term against rogue keys, run offline by
exchanging three JSON documents that the server only relays (docs/sealed-annex.md, "The key
ceremony"). This module holds the documents' public checks and what the ceremony establishes;
a trustee's own steps, which handle its secrets, are in `ballots.sealed.trustee`.

Trustee i commits to a polynomial f_i of degree t-1 (C_ik = a_ik * G), deals f_i(j) to each
other trustee j, sealed to j's box key, with an encrypted seed point, and confirms the
fingerprint once every share for it passed Feldman's check. The election key is
Y = sum_i C_i0: nobody ever holds its private key x = sum_i f_i(0); trustee j holds
x_j = sum_i f_i(j), and any t of the x_j give x back by Lagrange interpolation
(`ballots.sealed.decryption.lagrange`).

`check_ceremony` needs coincurve alone (no PyNaCl): the server and the auditor check everything
but the sealed shares, which only their recipients can open, and did, if they confirmed.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.elgamal import Ciphertext
from ballots.sealed.group import ORDER, NotAPoint, Point, total, weighted_sum
from ballots.sealed.proofs import Proof, knows

T = TypeVar("T")

COMMITMENT_FORMAT = "awards-trustee-commitment/1"
SHARES_FORMAT = "awards-trustee-shares/1"
CONFIRMATION_FORMAT = "awards-trustee-confirmation/1"
COEFFICIENT_DOMAIN = "awards-sealed/1/coefficient"
SEED_DOMAIN = "awards-sealed/1/seed"
SHARE_DOMAIN = "awards-sealed/1/share"

_HEADER = {"format", "context", "trustee"}
_FIELDS = {
    COMMITMENT_FORMAT: _HEADER
    | {"name", "threshold", "trustees", "box_key", "coefficients", "proof"},
    SHARES_FORMAT: _HEADER | {"commitments_sha256", "shares", "seed"},
    CONFIRMATION_FORMAT: _HEADER | {"election_key", "fingerprint", "verification_key", "proof"},
}
_KINDS = {
    COMMITMENT_FORMAT: "commitment",
    SHARES_FORMAT: "shares document",
    CONFIRMATION_FORMAT: "confirmation",
}
BOX_KEY_BYTES = 32
SEALED_SHARE_BYTES = 80  # 32 bytes of scalar + libsodium's sealed box: ephemeral key, tag


class CeremonyError(ValueError):
    """The ceremony cannot go on: `problems` lists (trustee, what is wrong with its part), with
    None for a fault that no single trustee's document shows."""

    def __init__(self, problems: Sequence[tuple[int | None, str]]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(_describe(who, what) for who, what in self.problems))

    @property
    def at_fault(self) -> list[int]:
        return sorted({who for who, _ in self.problems if who is not None})


def _describe(who: int | None, what: str) -> str:
    return what if who is None else f"trustee {who}: {what}"


class _Refused(Exception):
    """One document's fault, collected into a CeremonyError by its caller."""


@dataclass(frozen=True)
class Ceremony:
    """What a completed ceremony establishes, as the round's annex publishes it."""

    context: dict[str, Any]
    threshold: int
    names: tuple[str, ...]
    election_key: Point
    verification_keys: tuple[Point, ...]  # trustee j's at index j - 1
    seed: Ciphertext  # the sum of the trustees' seed ciphertexts
    fingerprint: str
    transcript: str  # transcript_sha256 of the commitments and shares

    @property
    def trustees(self) -> int:
        return len(self.names)


def fingerprint(
    context: Mapping[str, Any],
    threshold: int,
    election_key: Point,
    verification_keys: Sequence[Point],
    seed: Ciphertext,
    transcript: str,
) -> str:
    """What every trustee confirms and the round's manifest shows. `transcript` (the hash of
    the commitments and shares documents, `transcript_sha256`) binds every byte of the two
    phases, those no proof covers too (names, box keys, the sealed shares), so that no part of
    the published ceremony can be changed after the trustees confirmed it."""
    return sha256_hex(
        canonical_json(
            {
                "context": context,
                "threshold": threshold,
                "election_key": election_key.hex(),
                "verification_keys": [key.hex() for key in verification_keys],
                "seed": seed.to_json(),
                "transcript_sha256": transcript,
            }
        )
    )


def transcript_sha256(commitments: Sequence[Any], shares: Sequence[Any]) -> str:
    """SHA-256 of the canonical JSON of [commitments, shares], each list in trustee order."""
    return sha256_hex(canonical_json([list(commitments), list(shares)]))


# -- the public checks -----------------------------------------------------------------------


def check_ceremony(
    context: Mapping[str, Any],
    commitments: Sequence[Any],
    shares: Sequence[Any],
    confirmations: Sequence[Any],
) -> Ceremony:
    """The ceremony the documents (each list in trustee order) establish, or CeremonyError
    listing every fault they show. Checks everything but the sealed shares, which only their
    recipients can open (and did, if they confirmed)."""
    ceremony = public_parts(context, commitments, shares)[1]

    def check(j: int, document: dict[str, Any]) -> None:
        _check_confirmation(context, j, document, ceremony)

    _checked(context, confirmations, ceremony.trustees, CONFIRMATION_FORMAT, check)
    return ceremony


@dataclass(frozen=True)
class Dealer:
    """A trustee's commitment document, checked."""

    trustee: int
    name: str
    box_key: bytes
    coefficients: tuple[Point, ...]


def public_parts(
    context: Mapping[str, Any], commitments: Sequence[Any], shares: Sequence[Any]
) -> tuple[list[Dealer], Ceremony]:
    """The checked commitments, and the keys, seed and fingerprint derived from them and from
    the checked shares documents."""
    dealers = checked_commitments(context, commitments)
    digest = sha256_hex(canonical_json(list(commitments)))

    def check(i: int, document: dict[str, Any]) -> Ciphertext:
        return _check_shares(context, i, len(dealers), digest, document)

    seeds = _checked(context, shares, len(dealers), SHARES_FORMAT, check)
    threshold = len(dealers[0].coefficients)
    try:
        election_key = total(dealer.coefficients[0] for dealer in dealers)
        keys = tuple(
            total(feldman(dealer.coefficients, j) for dealer in dealers)
            for j in range(1, len(dealers) + 1)
        )
        seed = Ciphertext(total(c.a for c in seeds), total(c.b for c in seeds))
    except NotAPoint:
        # Only crafted documents get here: a sum of points whose logarithms no single dealer
        # proved it knows (coefficients beyond the first, or the seeds' second parts).
        raise CeremonyError(
            [(None, "the commitments or the seeds sum to the point at infinity")]
        ) from None
    transcript = transcript_sha256(commitments, shares)
    fp = fingerprint(context, threshold, election_key, keys, seed, transcript)
    names = tuple(dealer.name for dealer in dealers)
    return dealers, Ceremony(
        dict(context), threshold, names, election_key, keys, seed, fp, transcript
    )


def checked_commitments(context: Mapping[str, Any], commitments: Sequence[Any]) -> list[Dealer]:
    if not commitments:
        raise CeremonyError([(None, "there are no commitments")])

    def check(i: int, document: dict[str, Any]) -> Dealer:
        return _check_commitment(context, i, len(commitments), document)

    dealers = _checked(context, commitments, len(commitments), COMMITMENT_FORMAT, check)
    if len({len(dealer.coefficients) for dealer in dealers}) > 1:
        raise CeremonyError(
            [(d.trustee, f"its threshold is {len(d.coefficients)}") for d in dealers]
        )
    return dealers


def feldman(coefficients: Sequence[Point], j: int) -> Point:
    """sum_k j^k * C_k: f(j) * G for the polynomial f whose coefficients' points are C_k."""
    return weighted_sum([pow(j, k, ORDER) for k in range(len(coefficients))], coefficients)


def _checked(
    context: Mapping[str, Any],
    documents: Sequence[Any],
    n: int,
    format: str,
    check: Callable[[int, dict[str, Any]], T],
) -> list[T]:
    """check(i, document) for each of the n documents, in order, once its header is right;
    raises CeremonyError naming every document refused, and if there are not n of them."""
    problems: list[tuple[int | None, str]] = []
    if len(documents) != n:
        problems.append((None, f"there are {len(documents)} {_KINDS[format]}s for {n} trustees"))
    results = []
    for i, document in enumerate(documents[:n], start=1):
        try:
            _check_header(context, i, format, document)
            results.append(check(i, document))
        except _Refused as refusal:
            problems.append((i, str(refusal)))
    if problems:
        raise CeremonyError(problems)
    return results


def _check_header(context: Mapping[str, Any], i: int, format: str, document: Any) -> None:
    kind = _KINDS[format]
    if not isinstance(document, dict) or document.get("format") != format:
        raise _Refused(f"its {kind} is not an {format} document")
    if set(document) != _FIELDS[format]:
        raise _Refused(f"its {kind} has not exactly the fields {sorted(_FIELDS[format])}")
    if canonical_json(document["context"]) != canonical_json(context):
        raise _Refused(f"its {kind} belongs to another round")
    if not _is_int(document["trustee"], i):
        raise _Refused(f"the {kind} in its place is trustee {document['trustee']!r}'s")


def _check_commitment(
    context: Mapping[str, Any], i: int, n: int, document: dict[str, Any]
) -> Dealer:
    threshold = document["threshold"]
    if not _is_int(document["trustees"], n):
        raise _Refused(f"its commitment counts {document['trustees']!r} trustees, not {n}")
    if not _is_int(threshold) or not 1 <= threshold <= n:
        raise _Refused("its threshold is not between 1 and the number of trustees")
    if not isinstance(document["name"], str):
        raise _Refused("its name is not a string")
    box_key = _hex_bytes(document["box_key"], BOX_KEY_BYTES, "its box key")
    written = document["coefficients"]
    if not isinstance(written, list) or len(written) != threshold:
        raise _Refused(f"it does not commit to {threshold} coefficients")
    try:
        coefficients = tuple(Point.from_hex(c) for c in written)
        proof = Proof.from_json(document["proof"])
    except ValueError:
        raise _Refused("its coefficients or its proof are not well formed") from None
    if not knows(COEFFICIENT_DOMAIN, {**context, "trustee": i}, coefficients[0], proof):
        raise _Refused("its proof of knowledge of its constant term does not hold")
    return Dealer(i, document["name"], box_key, coefficients)


def _check_shares(
    context: Mapping[str, Any], i: int, n: int, digest: str, document: dict[str, Any]
) -> Ciphertext:
    if document["commitments_sha256"] != digest:
        raise _Refused("it dealt against other commitments than these")
    sealed = document["shares"]
    if not isinstance(sealed, dict) or set(sealed) != {str(j) for j in range(1, n + 1) if j != i}:
        raise _Refused("it does not deal one share to each other trustee")
    for j, share in sealed.items():
        _hex_bytes(share, SEALED_SHARE_BYTES, f"its share for trustee {j}")
    seed = document["seed"]
    if not isinstance(seed, dict) or set(seed) != {"ciphertext", "proof"}:
        raise _Refused("its seed is not {ciphertext, proof}")
    try:
        ciphertext = Ciphertext.from_json(seed["ciphertext"])
        proof = Proof.from_json(seed["proof"])
    except ValueError:
        raise _Refused("its seed is not well formed") from None
    if not knows(SEED_DOMAIN, {**context, "trustee": i}, ciphertext.a, proof):
        raise _Refused("its proof of knowledge of its seed's randomness does not hold")
    return ciphertext


def _check_confirmation(
    context: Mapping[str, Any], j: int, document: dict[str, Any], ceremony: Ceremony
) -> None:
    key = ceremony.verification_keys[j - 1]
    if document["election_key"] != ceremony.election_key.hex():
        raise _Refused("it confirms another election key")
    if document["fingerprint"] != ceremony.fingerprint:
        raise _Refused("it confirms another fingerprint")
    if document["verification_key"] != key.hex():
        raise _Refused("its verification key is not the one the commitments give it")
    try:
        proof = Proof.from_json(document["proof"])
    except ValueError:
        raise _Refused("its proof is not well formed") from None
    share_context = {**context, "trustee": j, "fingerprint": ceremony.fingerprint}
    if not knows(SHARE_DOMAIN, share_context, key, proof):
        raise _Refused("its proof of knowledge of its share does not hold")


def _hex_bytes(value: Any, length: int, what: str) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * length:
        raise _Refused(f"{what} is not {length} bytes in hex")
    try:
        data = bytes.fromhex(value)
    except ValueError:
        raise _Refused(f"{what} is not {length} bytes in hex") from None
    if data.hex() != value:
        raise _Refused(f"{what} is not in lowercase hex")
    return data


def _is_int(value: Any, *equal_to: int) -> bool:
    """A JSON integer (not a boolean, which Python counts as one), equal to each of equal_to."""
    return type(value) is int and all(value == other for other in equal_to)
