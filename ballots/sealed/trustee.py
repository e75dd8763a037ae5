"""A trustee's three steps of the key ceremony (`ballots.sealed.ceremony` has the documents and
their public checks): `begin` commits to a polynomial, `deal` seals its values to the other
trustees, `accept` opens the values dealt to this trustee, checks them and confirms.

What each step returns to keep is a dict of hex for the trustee's key file
(`ballots.sealed.keyfile`): until `accept`, the polynomial, the box key and the seed point;
after it, the share of the election key alone (the rest is no longer needed, and whoever steals
a key file should find as little in it as possible). The only module of the ceremony that needs
PyNaCl: the shares travel in libsodium sealed boxes (X25519, XSalsa20-Poly1305).
"""

from collections.abc import Mapping, Sequence
from typing import Any

import nacl.exceptions
import nacl.public

from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.ceremony import (
    COEFFICIENT_DOMAIN,
    COMMITMENT_FORMAT,
    CONFIRMATION_FORMAT,
    SEED_DOMAIN,
    SHARE_DOMAIN,
    SHARES_FORMAT,
    CeremonyError,
    Dealer,
    checked_commitments,
    feldman,
    public_parts,
)
from ballots.sealed.elgamal import Ciphertext, encrypt
from ballots.sealed.group import ORDER, NotAPoint, Point, base, random_scalar, scalar_hex, total
from ballots.sealed.proofs import prove_knowledge


def begin(
    context: Mapping[str, Any], *, trustee: int, trustees: int, threshold: int, name: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Trustee `trustee`'s commitment document, and its secrets. These include the commitment's
    hash, so that `deal` and `accept` notice if the commitment they are given as this trustee's
    is not the one it published."""
    if not 1 <= threshold <= trustees or not 1 <= trustee <= trustees:
        raise ValueError("1 <= threshold <= trustees and 1 <= trustee <= trustees")
    coefficients = [random_scalar() for _ in range(threshold)]
    box = nacl.public.PrivateKey.generate()
    commitment = {
        "format": COMMITMENT_FORMAT,
        "context": dict(context),
        "trustee": trustee,
        "name": name,
        "threshold": threshold,
        "trustees": trustees,
        "box_key": bytes(box.public_key).hex(),
        "coefficients": [base(a).hex() for a in coefficients],
        "proof": prove_knowledge(
            COEFFICIENT_DOMAIN, {**context, "trustee": trustee}, coefficients[0]
        ).to_json(),
    }
    secrets = {
        "coefficients": [scalar_hex(a) for a in coefficients],
        "box_secret": bytes(box).hex(),
        "seed_message": base(random_scalar()).hex(),
        # The seed ciphertext's randomness is drawn now, so that `accept` can make the same
        # ciphertext again and see that the shares document relayed as this trustee's is the
        # one it dealt: a relay could otherwise put a seed of its own choosing in every one.
        "seed_randomness": scalar_hex(random_scalar()),
        "commitment_sha256": sha256_hex(canonical_json(commitment)),
    }
    return commitment, secrets


def deal(
    context: Mapping[str, Any],
    trustee: int,
    secrets: Mapping[str, Any],
    commitments: Sequence[Any],
) -> dict[str, Any]:
    """Trustee `trustee`'s shares document, once every commitment has been checked."""
    dealers = _with_own_commitment(context, trustee, secrets, commitments)
    coefficients = [int(a, 16) for a in secrets["coefficients"]]
    sealed, unusable = {}, []
    for dealer in dealers:
        if dealer.trustee == trustee:
            continue
        share = _evaluate(coefficients, dealer.trustee).to_bytes(32, "big")
        try:
            box = nacl.public.SealedBox(nacl.public.PublicKey(dealer.box_key))
            sealed[str(dealer.trustee)] = box.encrypt(share).hex()
        except nacl.exceptions.CryptoError:  # a low-order X25519 key, say
            unusable.append((dealer.trustee, "its box key cannot receive a share"))
    if unusable:
        raise CeremonyError(unusable)
    r, seed = _own_seed(secrets, dealers)
    return {
        "format": SHARES_FORMAT,
        "context": dict(context),
        "trustee": trustee,
        "commitments_sha256": sha256_hex(canonical_json(list(commitments))),
        "shares": sealed,
        "seed": {
            "ciphertext": seed.to_json(),
            "proof": prove_knowledge(SEED_DOMAIN, {**context, "trustee": trustee}, r).to_json(),
        },
    }


def accept(
    context: Mapping[str, Any],
    trustee: int,
    secrets: Mapping[str, Any],
    commitments: Sequence[Any],
    shares: Sequence[Any],
) -> tuple[dict[str, Any], dict[str, str]]:
    """Trustee `trustee`'s confirmation, and what it keeps from then on: {"share": x_j}. Raises
    CeremonyError naming every dealer whose share for this trustee cannot be opened or fails
    Feldman's check, after the public checks of every document."""
    _with_own_commitment(context, trustee, secrets, commitments)
    dealers, ceremony = public_parts(context, commitments, shares)
    own = shares[trustee - 1]["seed"]["ciphertext"]
    if own != _own_seed(secrets, dealers)[1].to_json():
        raise CeremonyError([(trustee, "your own shares document is not the one you dealt")])
    box = nacl.public.SealedBox(nacl.public.PrivateKey(bytes.fromhex(secrets["box_secret"])))
    values = [_evaluate([int(a, 16) for a in secrets["coefficients"]], trustee)]
    faults = []
    for dealer, document in zip(dealers, shares, strict=True):
        if dealer.trustee == trustee:
            continue
        try:
            opened = box.decrypt(bytes.fromhex(document["shares"][str(trustee)]))
        except nacl.exceptions.CryptoError:
            faults.append((dealer.trustee, "its share for you cannot be opened"))
            continue
        value = int.from_bytes(opened, "big")
        if len(opened) != 32 or not _feldman_holds(value, dealer, trustee):
            faults.append((dealer.trustee, "its share for you is wrong"))
        values.append(value)
    if faults:
        raise CeremonyError(faults)
    share = sum(values) % ORDER
    share_context = {**context, "trustee": trustee, "fingerprint": ceremony.fingerprint}
    confirmation = {
        "format": CONFIRMATION_FORMAT,
        "context": dict(context),
        "trustee": trustee,
        "election_key": ceremony.election_key.hex(),
        "fingerprint": ceremony.fingerprint,
        "verification_key": base(share).hex(),
        "proof": prove_knowledge(SHARE_DOMAIN, share_context, share).to_json(),
    }
    return confirmation, {"share": scalar_hex(share)}


def _own_seed(secrets: Mapping[str, Any], dealers: Sequence[Dealer]) -> tuple[int, Ciphertext]:
    """The seed ciphertext this trustee deals, and its randomness: always the same for the same
    commitments."""
    election_key = total(dealer.coefficients[0] for dealer in dealers)
    r = int(secrets["seed_randomness"], 16)
    return r, encrypt(election_key, Point.from_hex(secrets["seed_message"]), r)


def _with_own_commitment(
    context: Mapping[str, Any],
    trustee: int,
    secrets: Mapping[str, Any],
    commitments: Sequence[Any],
) -> list[Dealer]:
    """The checked commitments, among which this trustee's is exactly the one it published."""
    dealers = checked_commitments(context, commitments)
    own = commitments[trustee - 1] if 1 <= trustee <= len(commitments) else None
    if sha256_hex(canonical_json(own)) != secrets["commitment_sha256"]:
        raise CeremonyError([(trustee, "this is not the commitment you published")])
    return dealers


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    """f(x) = sum_k a_k x^k modulo ORDER, by Horner's rule."""
    value = 0
    for a in reversed(coefficients):
        value = (value * x + a) % ORDER
    return value


def _feldman_holds(value: int, dealer: Dealer, j: int) -> bool:
    """f_i(j) * G == sum_k j^k * C_ik."""
    try:
        return value < ORDER and base(value) == feldman(dealer.coefficients, j)
    except NotAPoint:  # a share of 0, or commitments that give trustee j the point at infinity
        return False
