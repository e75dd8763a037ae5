"""The classic attacks on a shuffle proof, each of which changes votes and satisfies every
equation of "The mixes" but one: both verifiers refuse each, so no equation is there for show
(remove any one from check_shuffle and one of these tests fails)."""

import pytest

from ballots.sealed.elgamal import Ciphertext, encrypt, reencrypt
from ballots.sealed.group import ORDER, G, base, embed, random_scalar
from tests.sealed.cheating_prover import Matrix, permutation_matrix, prove
from tests.sealed.test_shuffle import CONTEXT, KEY, as_json, ballots, both_verify, decrypt

HALF = pow(2, -1, ORDER)
WIDTH = 2


def times(k: int, c: Ciphertext) -> Ciphertext:
    return Ciphertext(k * c.a, k * c.b)


def plus(c: Ciphertext, d: Ciphertext) -> Ciphertext:
    return Ciphertext(c.a + d.a, c.b + d.b)


def verifies(inputs: list, outputs: list, committed: Matrix, used: Matrix, rho: list, **kw) -> bool:
    proof = prove(KEY, inputs, outputs, committed, used, rho, CONTEXT, **kw)
    return both_verify(as_json(inputs), as_json(outputs), proof.to_json(), CONTEXT)


def permuted() -> tuple[list, list, Matrix, list]:
    """An honest mix of three ballots: inputs, outputs, its permutation matrix, the ρ."""
    inputs = ballots(3, WIDTH, seed="attacks")
    psi = [2, 0, 1]
    rho = [[random_scalar() for _ in range(WIDTH)] for _ in inputs]
    outputs = [[reencrypt(KEY, c, s) for c, s in zip(inputs[j], rho[j], strict=True)] for j in psi]
    return inputs, outputs, permutation_matrix(psi), rho


def test_the_cheating_prover_is_the_honest_one_for_a_permutation() -> None:
    inputs, outputs, matrix, rho = permuted()
    assert verifies(inputs, outputs, matrix, matrix, rho)


def scaled() -> tuple[list, list, Matrix, list]:
    """B = diag(2, 1/2, 1): the first vote halved, the second doubled. The product of the
    B u is the product of the u, so the chain holds; the rows do not sum to 1."""
    inputs = ballots(3, WIDTH, seed="attacks")
    matrix = [[2, 0, 0], [0, HALF, 0], [0, 0, 1]]
    rho = [[random_scalar() for _ in range(WIDTH)] for _ in inputs]
    outputs = []
    for j, (ballot, randomness) in enumerate(zip(inputs, rho, strict=True)):
        undo = pow(matrix[j][j], -1, ORDER)
        pairs = zip(ballot, randomness, strict=True)
        outputs.append([times(undo, reencrypt(KEY, c, s)) for c, s in pairs])
    assert decrypt(outputs[0]) != decrypt(inputs[0])
    return inputs, outputs, matrix, rho


def test_t1_stops_a_matrix_whose_rows_do_not_sum_to_one() -> None:
    inputs, outputs, matrix, rho = scaled()
    assert not verifies(inputs, outputs, matrix, matrix, rho)


def test_t3_stops_challenges_that_are_not_the_committed_permutation_of_u() -> None:
    inputs, outputs, matrix, rho = scaled()
    identity = permutation_matrix([0, 1, 2])
    assert not verifies(inputs, outputs, identity, matrix, rho)


def averaged() -> tuple[list, list, Matrix, list]:
    """Two equal inputs, B = [[1/2, 1/2], [1/2, 1/2]]: the rows sum to 1 and the mean of the
    outputs is a re-encryption of the input, but the votes become M + D and M - D."""
    same = ballots(1, WIDTH, seed="attacks")[0]
    rho = [random_scalar() for _ in range(WIDTH)]
    moved = [encrypt(KEY, embed(b"moved".ljust(30)), 1) for _ in range(WIDTH)]
    base_out = [reencrypt(KEY, c, s) for c, s in zip(same, rho, strict=True)]
    outputs = [
        [plus(c, d) for c, d in zip(base_out, moved, strict=True)],
        [plus(c, times(-1, d)) for c, d in zip(base_out, moved, strict=True)],
    ]
    matrix = [[HALF, HALF], [HALF, HALF]]
    return [same, same], outputs, matrix, [rho, rho]


def test_t2_stops_a_matrix_whose_product_is_wrong() -> None:
    inputs, outputs, matrix, rho = averaged()
    assert not verifies(inputs, outputs, matrix, matrix, rho)


def test_the_chain_links_stop_a_chain_made_up_to_end_at_the_right_product() -> None:
    inputs, outputs, matrix, rho = averaged()
    assert not verifies(inputs, outputs, matrix, matrix, rho, fake_chain=True)


@pytest.mark.parametrize("part", ["a", "b"])
def test_t4_stops_an_output_that_is_not_a_re_encryption(part: str) -> None:
    inputs, outputs, matrix, rho = permuted()
    c = outputs[0][1]
    outputs[0][1] = Ciphertext(c.a + G, c.b) if part == "a" else Ciphertext(c.a, c.b + G)
    assert decrypt(outputs[0]) != decrypt(inputs[2])
    assert not verifies(inputs, outputs, matrix, matrix, rho)


def test_a_re_encryption_under_another_key_is_refused() -> None:
    inputs, _, matrix, rho = permuted()
    other = base(12345)
    psi = [2, 0, 1]
    outputs = [
        [reencrypt(other, c, s) for c, s in zip(inputs[j], rho[j], strict=True)] for j in psi
    ]
    assert not verifies(inputs, outputs, matrix, matrix, rho)
