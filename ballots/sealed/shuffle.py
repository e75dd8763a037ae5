"""The mix: a re-encryption shuffle of a category's encrypted ballots, with its proof.

The proof is Terelius and Wikström's, exactly as Haenni, Locher, Koenig and Dubuis write it in
"Pseudo-code algorithms for verifiable re-encryption mix-nets" (FC 2017, Voting workshop;
GenShuffle, GenProof, CheckProof), in additive notation. Two translations, both spelled out in
docs/sealed-annex.md, "The mixes":

- Their ciphertext (pk^r m, g^r) is our (a, b) = (r * G, M + r * Y) read backwards, so their
  t4 = (t41, t42) (key part, generator part) is our t4 = [generator part, key part].
- Their ballot is one ciphertext, ours a vector of `w`: every component is re-encrypted with its
  own randomness and the same permutation, so t4 and s4 become one per component (as Verificatum
  does for wide ciphertexts) while everything about the permutation stays as it is.

The responses are the paper's, s = ω - c x (checked as t = s G + c X), the opposite sign to
ballots.sealed.proofs; openCHVote, by the same authors, has the same. A verifier sees only the
inputs, the outputs, the key, the context and the proof. Every Fiat-Shamir challenge hashes the
context, so a proof is valid for one category, mix and round. `rng` is the only source of
randomness (the permutation too), so a test can pin it.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ballots.sealed.elgamal import Ciphertext, reencrypt, vector_to_json
from ballots.sealed.group import (
    ORDER,
    G,
    NotAPoint,
    Point,
    base,
    generators,
    hash_to_scalar,
    random_scalar,
    scalar_from_hex,
    scalar_hex,
    total,
)

DOMAIN = "awards-sealed/1/shuffle"
STATEMENT_DOMAIN = "awards-sealed/1/shuffle-statement"
BATCH_DOMAIN = "awards-sealed/1/shuffle-u"
GENERATORS_DOMAIN = "awards-sealed/1/shuffle-generators"

Ballot = Sequence[Ciphertext]

_PER_BALLOT = ("commitments", "chain", "t_hat", "s_hat", "s_prime")
_KEYS = frozenset({*_PER_BALLOT, "t1", "t2", "t3", "t4", "s1", "s2", "s3", "s4"})


@dataclass(frozen=True, slots=True)
class ShuffleProof:
    """Haenni's (c, ĉ, π = (t, s)) for N ballots of width w. Per ballot: `commitments` (c_i,
    the commitment to the permutation), `chain` (ĉ_i), `t_hat`, `s_hat`, `s_prime`; per
    component: `t4` (pairs [generator part, key part]) and `s4`."""

    commitments: tuple[Point, ...]
    chain: tuple[Point, ...]
    t1: Point
    t2: Point
    t3: Point
    t4: tuple[tuple[Point, Point], ...]
    t_hat: tuple[Point, ...]
    s1: int
    s2: int
    s3: int
    s4: tuple[int, ...]
    s_hat: tuple[int, ...]
    s_prime: tuple[int, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "commitments": [p.hex() for p in self.commitments],
            "chain": [p.hex() for p in self.chain],
            "t1": self.t1.hex(),
            "t2": self.t2.hex(),
            "t3": self.t3.hex(),
            "t4": [[a.hex(), b.hex()] for a, b in self.t4],
            "t_hat": [p.hex() for p in self.t_hat],
            "s1": scalar_hex(self.s1),
            "s2": scalar_hex(self.s2),
            "s3": scalar_hex(self.s3),
            "s4": [scalar_hex(s) for s in self.s4],
            "s_hat": [scalar_hex(s) for s in self.s_hat],
            "s_prime": [scalar_hex(s) for s in self.s_prime],
        }

    @classmethod
    def from_json(cls, value: Any) -> "ShuffleProof":
        """Raises ValueError unless `value` has exactly the keys of a proof, lists of one
        length per ballot and of one length per component (both zero or neither), and every
        point and scalar in its canonical hex."""
        if not isinstance(value, dict) or set(value) != _KEYS:
            raise ValueError(f"a shuffle proof has exactly the keys {sorted(_KEYS)}")
        for key in (*_PER_BALLOT, "t4", "s4"):
            if not isinstance(value[key], list):
                raise ValueError(f"{key} is a list")
        if len({len(value[key]) for key in _PER_BALLOT}) != 1:
            raise ValueError(f"{', '.join(_PER_BALLOT)} have one entry per ballot")
        if len(value["t4"]) != len(value["s4"]):
            raise ValueError("t4 and s4 have one entry per component of a ballot")
        if (len(value["commitments"]) == 0) != (len(value["t4"]) == 0):
            raise ValueError("a shuffle of ballots has components; a shuffle of none has none")
        if not all(isinstance(pair, list) and len(pair) == 2 for pair in value["t4"]):
            raise ValueError("each entry of t4 is a pair of points")
        return cls(
            commitments=_points(value["commitments"]),
            chain=_points(value["chain"]),
            t1=Point.from_hex(value["t1"]),
            t2=Point.from_hex(value["t2"]),
            t3=Point.from_hex(value["t3"]),
            t4=tuple((Point.from_hex(a), Point.from_hex(b)) for a, b in value["t4"]),
            t_hat=_points(value["t_hat"]),
            s1=scalar_from_hex(value["s1"]),
            s2=scalar_from_hex(value["s2"]),
            s3=scalar_from_hex(value["s3"]),
            s4=_scalars(value["s4"]),
            s_hat=_scalars(value["s_hat"]),
            s_prime=_scalars(value["s_prime"]),
        )


def _points(values: list[Any]) -> tuple[Point, ...]:
    return tuple(Point.from_hex(v) for v in values)


def _scalars(values: list[Any]) -> tuple[int, ...]:
    return tuple(scalar_from_hex(v) for v in values)


def shuffle(
    key: Point,
    ballots: Sequence[Ballot],
    context: dict[str, Any],
    rng: Callable[[], int] = random_scalar,
) -> tuple[list[list[Ciphertext]], ShuffleProof]:
    """GenShuffle then GenProof: the ballots re-encrypted under `key` and permuted, and the
    proof that they are. Raises ValueError for ballots of different widths (or of none)."""
    n, width = len(ballots), _width(ballots)
    if width is None:
        raise ValueError("the ballots of a shuffle all have the same width, at least 1")
    psi = _permutation(n, rng)
    # r'_{j,k} belongs to input j: Haenni's r' is indexed by the input, e' by the output.
    rerandom = [[rng() for _ in range(width)] for _ in range(n)]
    outputs = [
        [reencrypt(key, c, s) for c, s in zip(ballots[j], rerandom[j], strict=True)] for j in psi
    ]
    h, hs = _generators(n)

    # GenPermutationCommitment: c_{ψ(i)} = r_{ψ(i)} G + h_i.
    r = [0] * n
    commitments: list[Point] = [G] * n
    for i, j in enumerate(psi):
        r[j] = rng()
        commitments[j] = base(r[j]) + hs[i]

    statement = _statement(context, key, ballots, outputs, commitments)
    u = _batch(statement, n)
    u_out = [u[j] for j in psi]  # Haenni's u'

    # GenCommitmentChain from ĉ_0 = h: ĉ_i = r̂_i G + u'_i ĉ_{i-1}.
    r_hat = [rng() for _ in range(n)]
    chain: list[Point] = []
    for i in range(n):
        chain.append(base(r_hat[i]) + u_out[i] * (chain[-1] if chain else h))

    v = [1] * n  # v_i = u'_{i+1} ... u'_N
    for i in range(n - 1, 0, -1):
        v[i - 1] = u_out[i] * v[i] % ORDER
    r_bar = sum(r) % ORDER
    r_hat_sum = sum(x * y for x, y in zip(r_hat, v, strict=True)) % ORDER
    r_tilde = sum(x * y for x, y in zip(r, u, strict=True)) % ORDER
    r_prime = [sum(rerandom[j][k] * u[j] for j in range(n)) % ORDER for k in range(width)]

    w1, w2, w3 = rng(), rng(), rng()
    w4 = [rng() for _ in range(width)]
    w_hat = [rng() for _ in range(n)]
    w_prime = [rng() for _ in range(n)]

    t1, t2 = base(w1), base(w2)
    t3 = total([base(w3), *(x * p for x, p in zip(w_prime, hs, strict=True))])
    t4 = tuple(
        (
            total([base(-w4[k]), *(x * out[k].a for x, out in zip(w_prime, outputs, strict=True))]),
            total([-w4[k] * key, *(x * out[k].b for x, out in zip(w_prime, outputs, strict=True))]),
        )
        for k in range(width)
    )
    t_hat = tuple(
        base(w_hat[i]) + w_prime[i] * previous for i, previous in enumerate([h, *chain][:-1])
    )

    c = _challenge(context, statement, chain, t1, t2, t3, t4, t_hat)
    proof = ShuffleProof(
        commitments=tuple(commitments),
        chain=tuple(chain),
        t1=t1,
        t2=t2,
        t3=t3,
        t4=t4,
        t_hat=t_hat,
        s1=(w1 - c * r_bar) % ORDER,
        s2=(w2 - c * r_hat_sum) % ORDER,
        s3=(w3 - c * r_tilde) % ORDER,
        s4=tuple((w4[k] - c * r_prime[k]) % ORDER for k in range(width)),
        s_hat=tuple((w_hat[i] - c * r_hat[i]) % ORDER for i in range(n)),
        s_prime=tuple((w_prime[i] - c * u_out[i]) % ORDER for i in range(n)),
    )
    return outputs, proof


def check_shuffle(
    key: Point,
    inputs: Sequence[Ballot],
    outputs: Sequence[Ballot],
    proof: ShuffleProof,
    context: dict[str, Any],
) -> bool:
    """CheckProof: True when `outputs` is a re-encryption of a permutation of `inputs` under
    `key`, as `proof` shows in `context`. Every sum is taken whole, as in the paper, so a term
    that is the point at infinity (libsecp256k1's absent point: None here) drops out; a
    recomputed commitment at infinity cannot equal the proof's, so the proof fails."""
    n, width = len(inputs), _width([*inputs, *outputs])
    if width is None or len(outputs) != n:
        return False
    if any(len(getattr(proof, name)) != n for name in _PER_BALLOT):
        return False
    if len(proof.t4) != width or len(proof.s4) != width:
        return False
    h, hs = _generators(n)
    statement = _statement(context, key, inputs, outputs, proof.commitments)
    u = _batch(statement, n)
    c = _challenge(
        context, statement, proof.chain, proof.t1, proof.t2, proof.t3, proof.t4, proof.t_hat
    )
    u_product = 1
    for x in u:
        u_product = u_product * x % ORDER
    c_bar = _combination([*((1, p) for p in proof.commitments), *((-1, p) for p in hs)])
    c_hat = _combination([(1, proof.chain[-1] if n else h), (-u_product, h)])
    c_tilde = _combination(zip(u, proof.commitments, strict=True))
    previous = [h, *proof.chain][:-1]  # ĉ_0 .. ĉ_{N-1}

    def by_s_prime(points: Iterable[Point]) -> list[tuple[int, Point | None]]:
        return list(zip(proof.s_prime, points, strict=True))

    expected: list[tuple[Point, Point | None]] = [
        (proof.t1, _combination([(c, c_bar), (proof.s1, G)])),
        (proof.t2, _combination([(c, c_hat), (proof.s2, G)])),
        (proof.t3, _combination([(c, c_tilde), (proof.s3, G), *by_s_prime(hs)])),
    ]
    for i in range(n):
        t_hat = [(c, proof.chain[i]), (proof.s_hat[i], G), (proof.s_prime[i], previous[i])]
        expected.append((proof.t_hat[i], _combination(t_hat)))
    if any(given != computed for given, computed in expected):
        return False
    for k in range(width):
        a_in = _combination((x, ballot[k].a) for x, ballot in zip(u, inputs, strict=True))
        b_in = _combination((x, ballot[k].b) for x, ballot in zip(u, inputs, strict=True))
        a_out = by_s_prime(ballot[k].a for ballot in outputs)
        b_out = by_s_prime(ballot[k].b for ballot in outputs)
        t4_a = _combination([(c, a_in), (-proof.s4[k], G), *a_out])
        t4_b = _combination([(c, b_in), (-proof.s4[k], key), *b_out])
        if proof.t4[k] != (t4_a, t4_b):
            return False
    return True


def _width(ballots: Sequence[Ballot]) -> int | None:
    """The common width of the ballots (0 for none); None when they differ or one is empty."""
    widths = {len(ballot) for ballot in ballots}
    if not widths:
        return 0
    if len(widths) != 1 or 0 in widths:
        return None
    return widths.pop()


def _permutation(n: int, rng: Callable[[], int]) -> list[int]:
    """GenPermutation (Knuth's shuffle): ψ(i) for i = 0 .. n-1. Reducing a scalar modulo
    n - i biases the draw by less than n / 2^255."""
    remaining = list(range(n))
    psi = []
    for i in range(n):
        k = i + rng() % (n - i)
        psi.append(remaining[k])
        remaining[k] = remaining[i]
    return psi


def _generators(n: int) -> tuple[Point, tuple[Point, ...]]:
    """Haenni's h and h_1 .. h_N."""
    points = generators(GENERATORS_DOMAIN, n + 1)
    return points[0], points[1:]


def _statement(
    context: dict[str, Any],
    key: Point,
    inputs: Sequence[Ballot],
    outputs: Sequence[Ballot],
    commitments: Sequence[Point],
) -> str:
    """The one digest of everything the u_i depend on, so the inputs are hashed once, not N
    times."""
    return scalar_hex(
        hash_to_scalar(
            STATEMENT_DOMAIN,
            context,
            key.hex(),
            [vector_to_json(list(ballot)) for ballot in inputs],
            [vector_to_json(list(ballot)) for ballot in outputs],
            [p.hex() for p in commitments],
        )
    )


def _batch(statement: str, n: int) -> list[int]:
    """u_1 .. u_N (Haenni's Hash((e, e', c), i))."""
    return [hash_to_scalar(BATCH_DOMAIN, statement, i) for i in range(1, n + 1)]


def _challenge(
    context: dict[str, Any],
    statement: str,
    chain: Sequence[Point],
    t1: Point,
    t2: Point,
    t3: Point,
    t4: Sequence[tuple[Point, Point]],
    t_hat: Sequence[Point],
) -> int:
    """Haenni's c = Hash(y, t); the statement digest stands for e, e', c and pk in y."""
    return hash_to_scalar(
        DOMAIN,
        context,
        statement,
        [p.hex() for p in chain],
        t1.hex(),
        t2.hex(),
        t3.hex(),
        [[a.hex(), b.hex()] for a, b in t4],
        [p.hex() for p in t_hat],
    )


def _combination(terms: Iterable[tuple[int, Point | None]]) -> Point | None:
    """The sum of k * P over the terms, in one libsecp256k1 call; None (the point at infinity)
    stands for itself, in a term or as the sum, and a term with k = 0 is infinity too."""
    points = [_times(k % ORDER, p) for k, p in terms if p is not None and k % ORDER]
    if not points:
        return None
    try:
        return total(points)
    except NotAPoint:
        return None


def _times(k: int, p: Point) -> Point:
    """k * P, without a multiplication for the coefficients 1 and -1 of the plain sums."""
    if k == 1:
        return p
    if k == ORDER - 1:
        return -p
    return k * p
