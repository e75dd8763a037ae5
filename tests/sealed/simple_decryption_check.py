"""A second checker of partial decryptions, written from docs/sealed-annex.md ("The decryption")
alone: it reads the published JSON, does its arithmetic with tests/sealed/reference_curve.py and
shares no code with ballots.sealed, so a test that finds it agreeing with `check_partial` on
honest and tampered partials finds the spec, the proofs and the checker in step. Slow (pure
Python): for the tests' small boxes only."""

import re
from typing import Any

from tests.sealed import reference_curve as curve

DOMAIN = "awards-sealed/1/decryption"
KEYS = {"format", "context", "trustee", "mix_sha256", "categories", "seed"}
SCALAR = re.compile(r"[0-9a-f]{64}")


def partial_is_valid(
    context: dict[str, Any],
    verification_key: str,
    boxes: dict[str, list[list[list[str]]]],
    seed: list[str],
    document: Any,
    mix_sha256: str,
) -> bool:
    """Whether `document` is trustee's valid partial decryption of `boxes` (category id ->
    ballots -> parts, each [a, b] in hex, in the box's order) and `seed` ([a, b])."""
    if not isinstance(document, dict) or set(document) != KEYS:
        return False
    trustee = document["trustee"]
    if (
        document["format"] != "awards-sealed-partial/1"
        or document["context"] != context
        or document["mix_sha256"] != mix_sha256
        or type(trustee) is not int
        or trustee < 1
    ):
        return False
    categories = document["categories"]
    if not isinstance(categories, list) or [
        c.get("id") if isinstance(c, dict) else None for c in categories
    ] != list(boxes):
        return False
    places = []
    for entry in categories:
        if set(entry) != {"id", "shares"}:
            return False
        ballots, shares = boxes[entry["id"]], entry["shares"]
        if not isinstance(shares, list) or len(shares) != len(ballots):
            return False
        for i, (ballot, parts) in enumerate(zip(ballots, shares, strict=True)):
            if not isinstance(parts, list) or len(parts) != len(ballot):
                return False
            places += [
                (entry["id"], i, k, c, s)
                for k, (c, s) in enumerate(zip(ballot, parts, strict=True))
            ]
    places.append((None, 0, 0, seed, document["seed"]))
    key = curve.decode(verification_key)
    return all(
        share_is_valid(
            {**context, "category": cat, "trustee": trustee, "ballot": i, "part": k},
            key,
            curve.decode(ciphertext[0]),
            share,
        )
        for cat, i, k, ciphertext, share in places
    )


def share_is_valid(where: dict[str, Any], key: curve.Point, a: curve.Point, share: Any) -> bool:
    """[D, [c, s]] with c == H(domain, where, [Y, a, D], [s*G - c*Y, s*a - c*D])."""
    if not isinstance(share, list) or len(share) != 2:
        return False
    text, proof = share
    if not isinstance(proof, list) or len(proof) != 2:
        return False
    if not all(isinstance(v, str) and SCALAR.fullmatch(v) for v in proof):
        return False
    c, s = (int(v, 16) for v in proof)
    if c >= curve.N or s >= curve.N:
        return False
    if not isinstance(text, str):
        return False
    try:
        d = curve.decode(text)
    except ValueError:
        return False
    if curve.encode(d) != text:  # uppercase hex, say
        return False
    first = curve.add(curve.mul(s, curve.G), curve.neg(curve.mul(c, key)))
    second = curve.add(curve.mul(s, a), curve.neg(curve.mul(c, d)))
    if first is None or second is None:
        return False
    statement = [curve.encode(key), curve.encode(a), text]
    return c == curve.challenge(
        DOMAIN, where, statement, [curve.encode(first), curve.encode(second)]
    )


def lagrange(indices: list[int], j: int) -> int:
    result = 1
    for m in indices:
        if m != j:
            result = result * m * pow(m - j, -1, curve.N) % curve.N
    return result


def combine(
    documents: list[dict[str, Any]], ciphertext: list[str], where: tuple[str, int, int] | None
) -> str:
    """M = b - sum over j of lagrange(S, j) * D_j for one ciphertext [a, b]; `where` is
    (category id, ballot, part), or None for the seed."""
    trustees = [d["trustee"] for d in documents]
    total = None
    for document in documents:
        if where is None:
            share = document["seed"]
        else:
            category, ballot, part = where
            entry = next(c for c in document["categories"] if c["id"] == category)
            share = entry["shares"][ballot][part]
        weighted = curve.mul(lagrange(trustees, document["trustee"]), curve.decode(share[0]))
        total = curve.add(total, weighted)
    return curve.encode(curve.add(curve.decode(ciphertext[1]), curve.neg(total)))
