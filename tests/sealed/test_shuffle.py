"""The mix (ballots.sealed.shuffle): honest shuffles verify and are permutations of
re-encryptions; every field of the proof, every output, the context, the key and the inputs are
bound (each tampering is refused, by check_shuffle and by the second verifier written from the
spec over the pure-Python curve); a pinned randomness gives a known proof."""

import hashlib
import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballots.canonical import canonical_json
from ballots.sealed.elgamal import Ciphertext, encrypt, reencrypt, vector_from_json, vector_to_json
from ballots.sealed.group import ORDER, G, Point, base, embed, scalar_hex
from ballots.sealed.shuffle import ShuffleProof, check_shuffle, shuffle
from tests.sealed import simple_shuffle_check

SECRET = 0x5EA1ED
KEY = base(SECRET)
CONTEXT = {"season": "2026", "round": "final", "category": "best-film", "mix": 0}


def pinned(seed: str) -> Callable[[], int]:
    """A reproducible stand-in for random_scalar: SHA-512 of seed/counter, in [1, ORDER - 1]."""
    counter = itertools.count()

    def draw() -> int:
        digest = hashlib.sha512(f"{seed}/{next(counter)}".encode()).digest()
        return 1 + int.from_bytes(digest, "big") % (ORDER - 1)

    return draw


def ballots(n: int, width: int, seed: str = "ballots") -> list[list[Ciphertext]]:
    draw = pinned(seed)
    return [
        [
            encrypt(KEY, embed(f"ballot {i} part {k}".encode().ljust(30)), draw())
            for k in range(width)
        ]
        for i in range(n)
    ]


def decrypt(ballot: list[Ciphertext]) -> tuple[Point, ...]:
    return tuple(c.b - SECRET * c.a for c in ballot)


def as_json(vectors: list[list[Ciphertext]]) -> list[Any]:
    return [vector_to_json(v) for v in vectors]


def both_verify(inputs: list, outputs: list, proof: dict[str, Any], context: Any) -> bool:
    """check_shuffle and the second verifier, which must agree."""
    fast = check_shuffle(
        KEY,
        [vector_from_json(v) for v in inputs],
        [vector_from_json(v) for v in outputs],
        ShuffleProof.from_json(proof),
        context,
    )
    slow = simple_shuffle_check.check(KEY.hex(), inputs, outputs, proof, context)
    assert fast == slow
    return fast


@pytest.fixture(scope="module")
def mixed() -> tuple[list, list, dict[str, Any]]:
    """Three ballots of two pairs, mixed: the JSON of the inputs, outputs and proof."""
    inputs = ballots(3, 2)
    outputs, proof = shuffle(KEY, inputs, CONTEXT)
    return as_json(inputs), as_json(outputs), proof.to_json()


@pytest.mark.parametrize(("n", "width"), [(0, 1), (1, 1), (2, 1), (5, 1), (1, 3), (2, 3), (5, 3)])
def test_an_honest_shuffle_verifies(n: int, width: int) -> None:
    inputs = ballots(n, width)
    outputs, proof = shuffle(KEY, inputs, CONTEXT)
    assert len(outputs) == n
    assert check_shuffle(KEY, inputs, outputs, proof, CONTEXT)
    assert check_shuffle(KEY, inputs, outputs, ShuffleProof.from_json(proof.to_json()), CONTEXT)


@pytest.mark.parametrize(("n", "width"), [(0, 1), (1, 1), (3, 2)])
def test_the_second_verifier_accepts_an_honest_shuffle(n: int, width: int) -> None:
    inputs = ballots(n, width)
    outputs, proof = shuffle(KEY, inputs, CONTEXT)
    assert both_verify(as_json(inputs), as_json(outputs), proof.to_json(), CONTEXT)


def test_the_outputs_are_a_permutation_of_re_encryptions() -> None:
    inputs = ballots(6, 3)
    outputs, _ = shuffle(KEY, inputs, CONTEXT)
    assert sorted(map(str, map(decrypt, outputs))) == sorted(map(str, map(decrypt, inputs)))
    before = {c.to_json()[0] for ballot in inputs for c in ballot}
    assert not before & {c.to_json()[0] for ballot in outputs for c in ballot}


def test_the_permutation_and_the_proof_change_with_the_randomness() -> None:
    inputs = ballots(8, 1)
    first, proof = shuffle(KEY, inputs, CONTEXT, rng=pinned("one"))
    second, other = shuffle(KEY, inputs, CONTEXT, rng=pinned("two"))
    assert [decrypt(b) for b in first] != [decrypt(b) for b in second]
    assert proof.to_json() != other.to_json()


def test_an_empty_shuffle_has_an_empty_proof_that_verifies_only_for_nothing() -> None:
    outputs, proof = shuffle(KEY, [], CONTEXT)
    assert outputs == []
    value = proof.to_json()
    for key in ("commitments", "chain", "t4", "t_hat", "s4", "s_hat", "s_prime"):
        assert value[key] == []
    assert both_verify([], [], value, CONTEXT)
    one = as_json(ballots(1, 1))
    assert not both_verify(one, one, value, CONTEXT)
    assert not both_verify([], one, value, CONTEXT)
    assert not both_verify([], [], _tampered(value, ("t2",)), CONTEXT)


def test_the_proof_of_an_empty_shuffle_holds_in_every_context_as_the_spec_says() -> None:
    """With N = 0 the equations do not involve the challenge (docs/sealed-annex.md)."""
    _, proof = shuffle(KEY, [], CONTEXT)
    assert both_verify([], [], proof.to_json(), {**CONTEXT, "mix": 1})


def _tampered(value: Any, path: tuple[Any, ...]) -> Any:
    """A copy of the JSON `value` with the point at `path` moved by G, or the scalar plus 1."""
    if not path:
        if len(value) == 66:
            return (Point.from_hex(value) + G).hex()
        return scalar_hex(int(value, 16) + 1)
    head, *rest = path
    if isinstance(value, dict):
        return {**value, head: _tampered(value[head], tuple(rest))}
    copy = list(value)
    copy[head] = _tampered(copy[head], tuple(rest))
    return copy


FIELDS = [
    ("commitments", 0),
    ("commitments", 2),
    ("chain", 0),
    ("chain", 2),
    ("t1",),
    ("t2",),
    ("t3",),
    ("t4", 0, 0),
    ("t4", 0, 1),
    ("t4", 1, 1),
    ("t_hat", 0),
    ("t_hat", 2),
    ("s1",),
    ("s2",),
    ("s3",),
    ("s4", 0),
    ("s4", 1),
    ("s_hat", 1),
    ("s_prime", 0),
    ("s_prime", 2),
]


@pytest.mark.parametrize("path", FIELDS, ids=lambda path: "-".join(map(str, path)))
def test_every_field_of_the_proof_is_checked(mixed: tuple, path: tuple[Any, ...]) -> None:
    inputs, outputs, proof = mixed
    assert not both_verify(inputs, outputs, _tampered(proof, path), CONTEXT)


def _swap_two(outputs: list) -> list:
    return [outputs[1], outputs[0], *outputs[2:]]


def _replace_one(outputs: list) -> list:
    """The same vote, freshly encrypted: its decryption is unchanged, the proof must not be."""
    fresh = [reencrypt(KEY, c, 7) for c in vector_from_json(outputs[0])]
    return [vector_to_json(fresh), *outputs[1:]]


def _change_one_component(outputs: list) -> list:
    ballot = vector_from_json(outputs[1])
    ballot[1] = reencrypt(KEY, ballot[1], 11)
    return [outputs[0], vector_to_json(ballot), *outputs[2:]]


def _another_vote(outputs: list) -> list:
    other = [encrypt(KEY, embed(b"stuffed".ljust(30)), 13), *vector_from_json(outputs[2])[1:]]
    return [*outputs[:2], vector_to_json(other)]


@pytest.mark.parametrize(
    "change",
    [_swap_two, _replace_one, _change_one_component, _another_vote],
    ids=lambda f: f.__name__,
)
def test_every_output_is_bound(mixed: tuple, change: Callable[[list], list]) -> None:
    inputs, outputs, proof = mixed
    assert not both_verify(inputs, change(outputs), proof, CONTEXT)


@pytest.mark.parametrize(
    "context",
    [
        {**CONTEXT, "category": "best-score"},
        {**CONTEXT, "mix": 1},
        {**CONTEXT, "round": "semi-final"},
        {**CONTEXT, "season": "2025"},
    ],
)
def test_the_context_is_bound(mixed: tuple, context: dict[str, Any]) -> None:
    inputs, outputs, proof = mixed
    assert not both_verify(inputs, outputs, proof, context)


def test_the_key_is_bound(mixed: tuple) -> None:
    inputs, outputs, proof = mixed
    other = base(SECRET + 1)
    assert not check_shuffle(
        other,
        [vector_from_json(v) for v in inputs],
        [vector_from_json(v) for v in outputs],
        ShuffleProof.from_json(proof),
        CONTEXT,
    )
    assert not simple_shuffle_check.check(other.hex(), inputs, outputs, proof, CONTEXT)


def test_the_inputs_are_bound(mixed: tuple) -> None:
    inputs, outputs, proof = mixed
    assert not both_verify(_swap_two(inputs), outputs, proof, CONTEXT)
    assert not both_verify(_replace_one(inputs), outputs, proof, CONTEXT)
    assert not both_verify(as_json(ballots(3, 2, seed="other ballots")), outputs, proof, CONTEXT)


def test_lists_of_the_wrong_length_or_width_are_refused(mixed: tuple) -> None:
    inputs, outputs, proof = mixed
    assert not both_verify(inputs, outputs[:2], proof, CONTEXT)
    assert not both_verify(inputs[:2], outputs[:2], proof, CONTEXT)
    assert not both_verify(inputs, [o[:1] for o in outputs], proof, CONTEXT)
    assert not both_verify([i[:1] for i in inputs], [o[:1] for o in outputs], proof, CONTEXT)
    assert not both_verify([*inputs, inputs[0]], [*outputs, outputs[0]], proof, CONTEXT)


def test_a_proof_of_another_size_is_refused_not_an_error() -> None:
    _, proof = shuffle(KEY, ballots(2, 1), CONTEXT)
    three = ballots(3, 1)
    assert not check_shuffle(KEY, three, three, proof, CONTEXT)
    wide = ballots(2, 2)
    assert not check_shuffle(KEY, wide, wide, proof, CONTEXT)


def test_a_zero_response_is_refused_not_an_error(mixed: tuple) -> None:
    inputs, outputs, proof = mixed
    zero = scalar_hex(0)
    crafted = {**proof, "s_prime": [zero, *proof["s_prime"][1:]], "s4": [zero, zero]}
    assert not both_verify(inputs, outputs, crafted, CONTEXT)


def test_shuffle_refuses_ballots_of_different_widths() -> None:
    with pytest.raises(ValueError, match="same width"):
        shuffle(KEY, [*ballots(1, 2), *ballots(1, 1)], CONTEXT)
    with pytest.raises(ValueError, match="same width"):
        shuffle(KEY, [[], []], CONTEXT)


def _without(value: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in value.items() if k != key}


MALFORMED: list[Callable[[dict[str, Any]], Any]] = [
    lambda p: [p],
    lambda p: _without(p, "t3"),
    lambda p: {**p, "extra": []},
    lambda p: {**p, "s_hat": p["s_hat"][:-1]},
    lambda p: {**p, "chain": [*p["chain"], p["chain"][0]]},
    lambda p: {**p, "s4": p["s4"][:1]},
    lambda p: {**p, "t4": [p["t4"][0], [*p["t4"][1], p["t1"]]]},
    lambda p: {**p, "t4": [p["t4"][0], p["t1"]]},
    lambda p: {**p, "commitments": "00"},
    lambda p: {**p, "t1": p["t1"].upper()},
    lambda p: {**p, "t2": "zz" + p["t2"][2:]},
    lambda p: {**p, "t3": "04" + p["t3"][2:]},
    lambda p: {**p, "t1": "02" + "ff" * 32},
    lambda p: {**p, "s1": f"{ORDER:064x}"},
    lambda p: {**p, "s2": p["s2"][:-1]},
    lambda p: {**p, "s3": 5},
    lambda p: {**p, "commitments": [], "chain": [], "t_hat": [], "s_hat": [], "s_prime": []},
]


@pytest.mark.parametrize("malform", MALFORMED)
def test_from_json_refuses_anything_malformed(mixed: tuple, malform: Callable) -> None:
    _, _, proof = mixed
    with pytest.raises(ValueError):  # noqa: PT011 - every malformation has its own message
        ShuffleProof.from_json(malform(proof))


def test_the_proof_reads_back_as_written(mixed: tuple) -> None:
    _, _, proof = mixed
    assert ShuffleProof.from_json(proof).to_json() == proof


EXAMPLE = Path(__file__).parents[1] / "data" / "sealed" / "shuffle-example.json"
# The SHA-256 of the canonical JSON of the example's proof; written once from this
# implementation. A change to it is a change to the spec.
KNOWN_PROOF = "708e99e65b4579c9408b55ebf79306c868020290512c5738d4c476041df4c12b"


def example() -> dict[str, Any]:
    """The worked example: four ballots of two pairs, mixed with a pinned randomness."""
    inputs = ballots(4, 2, seed="known answer")
    outputs, proof = shuffle(KEY, inputs, CONTEXT, rng=pinned("known answer"))
    return {
        "key": KEY.hex(),
        "context": CONTEXT,
        "inputs": as_json(inputs),
        "outputs": as_json(outputs),
        "proof": proof.to_json(),
    }


def test_a_pinned_randomness_gives_the_known_proof() -> None:
    value = example()
    assert hashlib.sha256(canonical_json(value["proof"])).hexdigest() == KNOWN_PROOF
    assert json.loads(EXAMPLE.read_text()) == value


def test_the_worked_example_verifies() -> None:
    value = json.loads(EXAMPLE.read_text())
    assert value["key"] == KEY.hex()
    assert both_verify(value["inputs"], value["outputs"], value["proof"], value["context"])
