"""A prover for the tests that may lie: the spec's prover ("The mixes") generalised from a
permutation to any matrix, so that a test can build the classic attacks on a shuffle proof and
see each refused by the one equation that is there to stop it.

`committed` (C) is the matrix the commitments hold, c_j = r_j G + Σ_i C[i][j] h_i; `used` (B) is
the one the rest of the proof follows, u'_i = Σ_j B[i][j] u_j; the outputs must satisfy
Σ_i B[i][j] e'_i = e_j + (ρ_j G, ρ_j Y) pair by pair, for the `rho` given. With C = B a
permutation matrix this is the honest prover. `fake_chain` makes ĉ_N = r̂ G + (u_1 ... u_N) h
directly, the links before it random, as a prover would who cannot make the product hold.
"""

from typing import Any

from ballots.sealed.elgamal import Ciphertext
from ballots.sealed.group import ORDER, G, Point, base, random_scalar, total
from ballots.sealed.shuffle import (
    ShuffleProof,
    _batch,
    _challenge,
    _generators,
    _statement,
)

Matrix = list[list[int]]


def permutation_matrix(psi: list[int]) -> Matrix:
    """B[i][j] = 1 when output i is input ψ(i) = j."""
    return [[int(psi[i] == j) for j in range(len(psi))] for i in range(len(psi))]


def prove(
    key: Point,
    inputs: list[list[Ciphertext]],
    outputs: list[list[Ciphertext]],
    committed: Matrix,
    used: Matrix,
    rho: list[list[int]],
    context: Any,
    fake_chain: bool = False,
) -> ShuffleProof:
    n, width = len(inputs), len(inputs[0])
    h, hs = _generators(n)
    r = [random_scalar() for _ in range(n)]
    commitments = [
        total([base(r[j]), *(committed[i][j] * hs[i] for i in range(n) if committed[i][j])])
        for j in range(n)
    ]
    statement = _statement(context, key, inputs, outputs, commitments)
    u = _batch(statement, n)
    u_used = [sum(used[i][j] * u[j] for j in range(n)) % ORDER for i in range(n)]

    r_hat = [random_scalar() for _ in range(n)]
    chain: list[Point] = []
    for i in range(n):
        chain.append(base(r_hat[i]) + u_used[i] * (chain[-1] if chain else h))
    v = [1] * n
    for i in range(n - 1, 0, -1):
        v[i - 1] = u_used[i] * v[i] % ORDER
    r_hat_sum = sum(x * y for x, y in zip(r_hat, v, strict=True)) % ORDER
    if fake_chain:
        u_product = 1
        for x in u:
            u_product = u_product * x % ORDER
        chain[-1] = base(r_hat[-1]) + u_product * h
        r_hat_sum = r_hat[-1]

    r_bar = sum(r) % ORDER
    r_tilde = sum(x * y for x, y in zip(r, u, strict=True)) % ORDER
    r_prime = [sum(rho[j][k] * u[j] for j in range(n)) % ORDER for k in range(width)]

    w1, w2, w3 = random_scalar(), random_scalar(), random_scalar()
    w4 = [random_scalar() for _ in range(width)]
    w_hat = [random_scalar() for _ in range(n)]
    w_prime = [random_scalar() for _ in range(n)]
    t1, t2 = base(w1), base(w2)
    t3 = total([base(w3), *(x * p for x, p in zip(w_prime, hs, strict=True))])
    t4 = tuple(
        (
            total([-w4[k] * G, *(w_prime[i] * outputs[i][k].a for i in range(n))]),
            total([-w4[k] * key, *(w_prime[i] * outputs[i][k].b for i in range(n))]),
        )
        for k in range(width)
    )
    previous = [h, *chain][:-1]
    t_hat = tuple(base(w_hat[i]) + w_prime[i] * previous[i] for i in range(n))
    c = _challenge(context, statement, chain, t1, t2, t3, t4, t_hat)
    return ShuffleProof(
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
        s_prime=tuple((w_prime[i] - c * u_used[i]) % ORDER for i in range(n)),
    )
