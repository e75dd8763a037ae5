"""The decryption (docs/sealed-annex.md, "The decryption"): each trustee decrypts its part of
the final mix, one share D = x_j * a per ciphertext with a Chaum-Pedersen proof that D and the
trustee's verification key Y_j = x_j * G share x_j; any t checked partials then combine, by
Lagrange interpolation at 0, into the plaintext points M = b - x * a without anyone forming x.

Invariants: a partial names its round (`context`), its trustee and the box it decrypts
(`mix_sha256`, the final mix's hash), and every proof's challenge hashes its place (category,
trustee, ballot, part) besides the round, so a share is valid only where it was made. The
checker never raises on a crafted partial: every defect is a named problem.
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballots.canonical import canonical_json
from ballots.sealed.elgamal import Ciphertext
from ballots.sealed.group import (
    ORDER,
    NotAPoint,
    Point,
    base,
    hash_to_scalar,
    random_scalar,
    total,
)
from ballots.sealed.proofs import Proof, equal

DOMAIN = "awards-sealed/1/decryption"
FORMAT = "awards-sealed-partial/1"

Share = tuple[Point, Proof]
"""(D, proof): a trustee's share of one ciphertext's decryption, D = x_j * a."""

Boxes = Mapping[str, Sequence[Sequence[Ciphertext]]]
"""The final mix: per category id (in the mix's order), per ballot, per part, a ciphertext."""

_HEX = frozenset("0123456789abcdef")


def lagrange(indices: Sequence[int], j: int) -> int:
    """The Lagrange coefficient of share j at 0 for the set of shares `indices`:
    the product over m in indices, m != j, of m / (m - j), modulo ORDER."""
    if any(type(m) is not int or not 0 < m < ORDER for m in [*indices, j]):
        raise ValueError("a trustee's index is a positive integer")
    if len(set(indices)) != len(indices):
        raise ValueError("the same trustee twice")
    if j not in indices:
        raise ValueError("the trustee is not one of the set")
    numerator = denominator = 1
    for m in indices:
        if m != j:
            numerator = numerator * m % ORDER
            denominator = denominator * (m - j) % ORDER
    return numerator * pow(denominator, -1, ORDER) % ORDER


def proof_context(
    context: Mapping[str, Any], category: str | None, trustee: int, ballot: int, part: int
) -> dict[str, Any]:
    """Where a share belongs: R plus its category (None for the seed), trustee and position."""
    return {**context, "category": category, "trustee": trustee, "ballot": ballot, "part": part}


@dataclass(frozen=True)
class Partial:
    """Trustee j's partial decryption of one box: per category id (in the box's order), per
    ballot, per part, a share; and the share of the seed."""

    trustee: int
    categories: dict[str, list[list[Share]]]
    seed: Share
    context: dict[str, Any]
    mix_sha256: str

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "context": self.context,
            "trustee": self.trustee,
            "mix_sha256": self.mix_sha256,
            "categories": [
                {"id": category, "shares": [[_share_to_json(s) for s in b] for b in ballots]}
                for category, ballots in self.categories.items()
            ],
            "seed": _share_to_json(self.seed),
        }

    @classmethod
    def from_json(cls, value: Any) -> "Partial":
        """Raises ValueError for anything but a well-formed document (its proofs unchecked)."""
        if not isinstance(value, dict) or set(value) != {
            "format",
            "context",
            "trustee",
            "mix_sha256",
            "categories",
            "seed",
        }:
            raise ValueError("a partial decryption has exactly the keys of its format")
        if value["format"] != FORMAT:
            raise ValueError(f"the format is {FORMAT}")
        if not isinstance(value["context"], dict):
            raise ValueError("the context is an object")
        trustee = value["trustee"]
        if type(trustee) is not int or not 0 < trustee < ORDER:
            raise ValueError("the trustee is a positive integer")
        if not _is_sha256(value["mix_sha256"]):
            raise ValueError("mix_sha256 is 64 lowercase hex digits")
        if not isinstance(value["categories"], list):
            raise ValueError("categories is a list")
        categories: dict[str, list[list[Share]]] = {}
        for entry in value["categories"]:
            if not isinstance(entry, dict) or set(entry) != {"id", "shares"}:
                raise ValueError("a category is {id, shares}")
            category = entry["id"]
            if not isinstance(category, str) or category in categories:
                raise ValueError("a category's id is a string, listed once")
            categories[category] = [_ballot_from_json(b) for b in _list(entry["shares"])]
        return cls(
            trustee=trustee,
            categories=categories,
            seed=_share_from_json(value["seed"]),
            context=value["context"],
            mix_sha256=value["mix_sha256"],
        )


def decrypt_partially(
    context: dict[str, Any],
    trustee: int,
    share: int,
    boxes: Boxes,
    seed: Ciphertext,
    mix_sha256: str,
    rng: Callable[[], int] | None = None,
) -> Partial:
    """Trustee `trustee`'s shares of every ciphertext of `boxes` and of `seed`, with their proofs.
    `rng` gives the proofs' nonces (default: the CSPRNG); a test pins it for a known answer.
    Nonces are drawn in the document's order: categories, ballots, parts, then the seed."""
    nonce = rng or random_scalar
    public = base(share)

    def one(category: str | None, ballot: int, part: int, c: Ciphertext) -> Share:
        where = proof_context(context, category, trustee, ballot, part)
        return _prove_share(where, share, public, c.a, nonce())

    categories = {
        category: [[one(category, i, k, c) for k, c in enumerate(b)] for i, b in enumerate(ballots)]
        for category, ballots in boxes.items()
    }
    return Partial(
        trustee=trustee,
        categories=categories,
        seed=one(None, 0, 0, seed),
        context=context,
        mix_sha256=mix_sha256,
    )


def _prove_share(context: Any, share: int, public: Point, a: Point, w: int) -> Share:
    """Chaum-Pedersen exactly as `proofs.prove_equal` (which `proofs.equal` checks), with the
    nonce w given and the trustee's Y_j computed once for the whole box, not per ciphertext."""
    d = share * a
    c = hash_to_scalar(
        DOMAIN, context, [public.hex(), a.hex(), d.hex()], [base(w).hex(), (w * a).hex()]
    )
    return d, Proof(c, (w + c * share) % ORDER)


def check_partial(
    context: dict[str, Any],
    verification_key: Point,
    boxes: Boxes,
    seed: Ciphertext,
    partial: Partial,
    mix_sha256: str,
) -> list[str]:
    """The problems of `partial` as trustee `partial.trustee`'s decryption of `boxes` and `seed`
    under its verification key; [] when it is valid. `boxes` and `seed` are the verifier's own
    (the checked final mix); `partial` may be anything."""
    if not isinstance(partial, Partial):
        return ["not a partial decryption"]
    problems = []
    if not _same_json(partial.context, context):
        problems.append("context: not this round's")
    if partial.mix_sha256 != mix_sha256:
        problems.append("mix_sha256: not the hash of this box")
    trustee = partial.trustee
    if type(trustee) is not int or not 0 < trustee < ORDER:
        return [*problems, "trustee: not a positive integer"]
    if not isinstance(partial.categories, dict):
        return [*problems, "categories: not a mapping"]
    ids, expected = list(partial.categories), list(boxes)
    problems += [f"category {c!r}: missing" for c in expected if c not in partial.categories]
    problems += [f"category {c!r}: not in the box" for c in ids if c not in boxes]
    if set(ids) == set(expected) and ids != expected:
        problems.append("categories: not in the box's order")

    def check(name: str, where: dict[str, Any], c: Ciphertext, s: Any) -> None:
        if not _is_share(s):
            problems.append(f"{name}: not a share and proof")
        elif not equal(DOMAIN, where, verification_key, c.a, s[0], s[1]):
            problems.append(f"{name}: the proof does not hold")

    for category in (c for c in expected if c in partial.categories):
        ballots, given = boxes[category], partial.categories[category]
        if not isinstance(given, list) or len(given) != len(ballots):
            problems.append(f"category {category!r}: not {len(ballots)} ballots")
            continue
        for i, (ballot, shares) in enumerate(zip(ballots, given, strict=True)):
            name = f"category {category!r} ballot {i}"
            if not isinstance(shares, list) or len(shares) != len(ballot):
                problems.append(f"{name}: not {len(ballot)} parts")
                continue
            for k, (c, s) in enumerate(zip(ballot, shares, strict=True)):
                check(f"{name} part {k}", proof_context(context, category, trustee, i, k), c, s)
    check("seed", proof_context(context, None, trustee, 0, 0), seed, partial.seed)
    return problems


def combine(
    partials: Sequence[Partial], boxes: Boxes, seed: Ciphertext
) -> tuple[dict[str, list[list[Point | None]]], Point]:
    """The plaintext points of `boxes` and `seed`, M = b - sum over j in S of
    lagrange(S, j) * D_j, S the trustees of `partials` (every one given is used). Correct for t
    or more checked partials of one box (`check_partial`); fewer give unrelated points. Raises
    ValueError for a trustee given twice, partials of different rounds or boxes, or a shape not
    the box's (NotAPoint if the seed decrypts to the point at infinity). A ballot's part that
    decrypts to the point at infinity, which no content encodes to, is None."""
    if not partials:
        raise ValueError("no partial decryptions")
    trustees = [p.trustee for p in partials]
    if len(set(trustees)) != len(trustees):
        raise ValueError("a trustee's partial decryption given twice")
    first = partials[0]
    if any(
        p.mix_sha256 != first.mix_sha256 or not _same_json(p.context, first.context)
        for p in partials
    ):
        raise ValueError("partial decryptions of different rounds or boxes")
    coefficients = [lagrange(trustees, j) for j in trustees]

    def plaintext(c: Ciphertext, shares: Sequence[Share]) -> Point | None:
        removed = total(k * d for k, (d, _) in zip(coefficients, shares, strict=True))
        # M = O: a juror's browser may encrypt the point at infinity (b = r * Y), which carries
        # no content; the count records the ballot invalid rather than fail for everyone.
        return None if c.b == removed else c.b - removed

    for p in partials:
        if list(p.categories) != list(boxes) or any(
            [len(s) for s in p.categories[category]] != [len(b) for b in ballots]
            for category, ballots in boxes.items()
        ):
            raise ValueError(f"trustee {p.trustee}'s partial decryption is not of this box")
    categories = {
        category: [
            [
                plaintext(c, [p.categories[category][i][k] for p in partials])
                for k, c in enumerate(ballot)
            ]
            for i, ballot in enumerate(ballots)
        ]
        for category, ballots in boxes.items()
    }
    seed_point = plaintext(seed, [p.seed for p in partials])
    if seed_point is None:  # the trustees' seed, never a juror's
        raise NotAPoint("the seed decrypts to the point at infinity")
    return categories, seed_point


def _share_to_json(share: Share) -> list[Any]:
    return [share[0].hex(), share[1].to_json()]


def _share_from_json(value: Any) -> Share:
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError("a share is [D, proof]")
    return Point.from_hex(value[0]), Proof.from_json(value[1])


def _ballot_from_json(value: Any) -> list[Share]:
    return [_share_from_json(s) for s in _list(value)]


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("expected a list")
    return value


def _is_sha256(value: Any) -> bool:
    return isinstance(value, str) and len(value) == 64 and set(value) <= _HEX


def _is_share(value: Any) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], Point)
        and isinstance(value[1], Proof)
        and all(type(k) is int and 0 <= k < ORDER for k in (value[1].challenge, value[1].response))
    )


def _same_json(one: Any, other: Any) -> bool:
    """Equal as the canonical JSON that the challenges hash (1 and true differ there)."""
    try:
        return canonical_json(one) == canonical_json(other)
    except (TypeError, ValueError):
        return False
