"""The sigma proofs, made non-interactive by Fiat-Shamir: Schnorr's proof of knowledge of a
discrete logarithm, and Chaum-Pedersen's proof that two discrete logarithms are equal.

Every proof is written (challenge, response) and checked by recomputing the commitment from
them and hashing again, as in the standard compact form. The challenge hashes, besides the
statement, a `context`: a JSON value naming what the proof is about (round, category, position,
trustee), so that a proof made for one place is refused in every other. `domain` names the kind
of proof. Both are chosen by the caller; the spec lists them.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ballots.sealed.group import (
    ORDER,
    NotAPoint,
    Point,
    base,
    hash_to_scalar,
    random_scalar,
    scalar_from_hex,
    scalar_hex,
)


@dataclass(frozen=True, slots=True)
class Proof:
    challenge: int
    response: int

    def to_json(self) -> list[str]:
        return [scalar_hex(self.challenge), scalar_hex(self.response)]

    @classmethod
    def from_json(cls, value: Any) -> "Proof":
        if not isinstance(value, list) or len(value) != 2:
            raise ValueError("a proof is [challenge, response]")
        return cls(scalar_from_hex(value[0]), scalar_from_hex(value[1]))


def prove_knowledge(domain: str, context: Any, secret: int) -> Proof:
    """Schnorr: the prover knows x with X = x * G."""
    public = base(secret)
    w = random_scalar()
    c = hash_to_scalar(domain, context, public.hex(), base(w).hex())
    return Proof(c, (w + c * secret) % ORDER)


def knows(domain: str, context: Any, public: Point, proof: Proof) -> bool:
    """s * G - c * X is the commitment whose hash is c."""
    try:
        commitment = base(proof.response) - proof.challenge * public
    except NotAPoint:
        return False
    return proof.challenge == hash_to_scalar(domain, context, public.hex(), commitment.hex())


def prove_equal(domain: str, context: Any, secret: int, other_base: Point) -> tuple[Point, Proof]:
    """Chaum-Pedersen: X = x * G and Y = x * B share x. Returns (Y, proof); X is the prover's
    public key (a trustee's verification key), B a ciphertext's first part, Y its share of the
    decryption."""
    public, partner = base(secret), secret * other_base
    w = random_scalar()
    c = hash_to_scalar(
        domain,
        context,
        [public.hex(), other_base.hex(), partner.hex()],
        [base(w).hex(), (w * other_base).hex()],
    )
    return partner, Proof(c, (w + c * secret) % ORDER)


def equal(
    domain: str, context: Any, public: Point, other_base: Point, partner: Point, proof: Proof
) -> bool:
    c, s = proof.challenge, proof.response
    try:
        first = base(s) - c * public
        second = s * other_base - c * partner
    except NotAPoint:
        return False
    return c == hash_to_scalar(
        domain,
        context,
        [public.hex(), other_base.hex(), partner.hex()],
        [first.hex(), second.hex()],
    )


@dataclass(frozen=True, slots=True)
class VectorProof:
    """Knowledge of every x_k with X_k = x_k * G, under one challenge."""

    challenge: int
    responses: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "challenge": scalar_hex(self.challenge),
            "responses": [scalar_hex(s) for s in self.responses],
        }

    @classmethod
    def from_json(cls, value: Any) -> "VectorProof":
        if not isinstance(value, dict) or set(value) != {"challenge", "responses"}:
            raise ValueError("a proof is {challenge, responses}")
        if not isinstance(value["responses"], list):
            raise ValueError("responses is a list")
        return cls(
            scalar_from_hex(value["challenge"]),
            tuple(scalar_from_hex(s) for s in value["responses"]),
        )


def prove_knowledge_all(
    domain: str,
    context: Any,
    secrets: Sequence[int],
    publics: Sequence[Point],
    statement: Any,
    nonces: Sequence[tuple[int, Point]] | None = None,
) -> VectorProof:
    """The randomness of every ciphertext of an encrypted ballot: X_k are the ciphertexts'
    first parts, so whoever made the ballot knows what it encrypts, and a ballot copied from
    another place (another tracker, category or round) fails, because the context differs.

    `publics` are the X_k = x_k * G, which the caller has just computed for the ciphertexts:
    computing them again here would cost a third of a ballot's encryption. (X_k that are not
    the secrets' only make a proof that fails.) `statement` is the whole of what is proved
    about (the ciphertexts, both their parts): hashed too, so that no part of it can be changed
    under the same proof (the weak Fiat-Shamir of the Helios attacks, where a ciphertext's
    second part could be shifted and the shifted ballot's decryption told its vote)."""
    if len(publics) != len(secrets):
        raise ValueError("one public point per secret")
    if nonces is None:  # else (w, w * G) made ahead of time, each used once (`elgamal.Pad`)
        nonces = [(w, base(w)) for w in (random_scalar() for _ in secrets)]
    if len(nonces) != len(secrets):
        raise ValueError("one nonce per secret")
    c = hash_to_scalar(
        domain, context, statement, [x.hex() for x in publics], [t.hex() for _w, t in nonces]
    )
    return VectorProof(
        c, tuple((w + c * x) % ORDER for (w, _t), x in zip(nonces, secrets, strict=True))
    )


def knows_all(
    domain: str, context: Any, publics: Sequence[Point], proof: VectorProof, statement: Any
) -> bool:
    if len(publics) != len(proof.responses) or not publics:
        return False
    c = proof.challenge
    try:
        commitments = [base(s) - c * x for s, x in zip(proof.responses, publics, strict=True)]
    except NotAPoint:
        return False
    return c == hash_to_scalar(
        domain, context, statement, [x.hex() for x in publics], [t.hex() for t in commitments]
    )
