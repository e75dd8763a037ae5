"""The decryption: trustees' partial decryptions, their checks and their combination
(docs/sealed-annex.md, "The decryption"). Shares come from a random polynomial dealt here
(x = f(0), x_j = f(j)), not from a ceremony; every verdict of `check_partial` is compared with
the second checker (simple_decryption_check.py, pure-Python curve)."""

import copy
import hashlib
import itertools
import random
from collections.abc import Callable
from typing import Any

import pytest

from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.decryption import (
    Partial,
    check_partial,
    combine,
    decrypt_partially,
    lagrange,
)
from ballots.sealed.elgamal import Ciphertext, encrypt, reencrypt
from ballots.sealed.group import ORDER, G, Point, base, embed, random_scalar, unembed
from tests.sealed import simple_decryption_check as simple

R = {"season": "2026", "round": "final"}
OTHER_ROUND = {"season": "2026", "round": "first"}
MIX = sha256_hex(b"the final mix")
THRESHOLD, TRUSTEES = 3, 5


def deal(coefficients: list[int]) -> tuple[Point, dict[int, int]]:
    """The election key f(0) * G and the shares f(1) ... f(TRUSTEES) of f's coefficients."""

    def f(z: int) -> int:
        return sum(k * z**i for i, k in enumerate(coefficients)) % ORDER

    return base(f(0)), {j: f(j) for j in range(1, TRUSTEES + 1)}


def message(text: str) -> bytes:
    return text.encode().ljust(30, b".")


def make_box(key: Point, randomness: Callable[[], int]) -> tuple[dict, Ciphertext, dict]:
    """Two categories and a seed. One ciphertext stands at five places (film 0.0, 0.1, 1.0,
    series 0.0 and the seed), so a proof moved between them keeps its statement and is refused
    for its context alone; a real mix never repeats a ciphertext."""
    repeated = encrypt(key, embed(message("repeated")), randomness())

    def fresh(text: str) -> Ciphertext:
        return encrypt(key, embed(message(text)), randomness())

    boxes = {
        "best-film": [
            [repeated, repeated],
            [repeated, fresh("film 1.1")],
            [fresh("film 2.0"), fresh("film 2.1")],
        ],
        "best-series": [[repeated], [fresh("series 1.0")]],
    }
    texts = {
        "best-film": [
            ["repeated", "repeated"],
            ["repeated", "film 1.1"],
            ["film 2.0", "film 2.1"],
        ],
        "best-series": [["repeated"], ["series 1.0"]],
    }
    return boxes, repeated, {c: [[message(t) for t in b] for b in bs] for c, bs in texts.items()}


KEY, SHARES = deal([random_scalar() for _ in range(THRESHOLD)])
KEYS = {j: base(x) for j, x in SHARES.items()}
BOXES, SEED, MESSAGES = make_box(KEY, random_scalar)
PARTIALS = {j: decrypt_partially(R, j, x, BOXES, SEED, MIX) for j, x in SHARES.items()}
PLACES = [f"category 'best-film' ballot {i} part {k}" for i in range(3) for k in range(2)] + [
    "category 'best-series' ballot 0 part 0",
    "category 'best-series' ballot 1 part 0",
    "seed",
]
NOT_HOLDING = [f"{place}: the proof does not hold" for place in PLACES]


def boxes_json(boxes: dict) -> dict:
    return {c: [[x.to_json() for x in b] for b in bs] for c, bs in boxes.items()}


def verdicts(document: Any, **given: Any) -> tuple[list[str], bool]:
    """check_partial's problems and the second checker's verdict on one document."""
    args = {"context": R, "key": KEYS[1], "boxes": BOXES, "seed": SEED, "mix": MIX, **given}
    try:
        problems = check_partial(
            args["context"],
            args["key"],
            args["boxes"],
            args["seed"],
            Partial.from_json(document),
            args["mix"],
        )
    except ValueError as exc:
        problems = [f"malformed: {exc}"]
    valid = simple.partial_is_valid(
        args["context"],
        args["key"].hex(),
        boxes_json(args["boxes"]),
        args["seed"].to_json(),
        document,
        args["mix"],
    )
    return problems, valid


def test_lagrange_interpolates_at_zero() -> None:
    coefficients = [random_scalar() for _ in range(THRESHOLD)]
    secret = coefficients[0]
    _, shares = deal(coefficients)
    for size in range(THRESHOLD, TRUSTEES + 1):
        for subset in itertools.combinations(shares, size):
            assert sum(lagrange(subset, j) * shares[j] for j in subset) % ORDER == secret
            assert [lagrange(subset, j) for j in subset] == [
                simple.lagrange(list(subset), j) for j in subset
            ]


@pytest.mark.parametrize(
    ("indices", "j"), [([1, 2, 2], 1), ([1, 2, 3], 4), ([0, 1, 2], 1), ([-1, 1], 1), ([1, 2], 2.0)]
)
def test_lagrange_refuses_a_set_it_cannot_interpolate(indices: list[Any], j: Any) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 (each refusal has its own message)
        lagrange(indices, j)


def test_honest_partials_are_valid_for_both_checkers() -> None:
    for j, partial in PARTIALS.items():
        assert verdicts(partial.to_json(), key=KEYS[j]) == ([], True)


@pytest.mark.parametrize("size", range(THRESHOLD, TRUSTEES + 1))
def test_any_threshold_of_partials_combines_to_the_plaintexts(size: int) -> None:
    for subset in itertools.combinations(PARTIALS, size):
        points, seed = combine([PARTIALS[j] for j in reversed(subset)], BOXES, SEED)
        read = {c: [[unembed(m) for m in b] for b in bs] for c, bs in points.items()}
        assert read == MESSAGES
        assert unembed(seed) == message("repeated")


def test_fewer_than_the_threshold_do_not_combine() -> None:
    plaintexts = [embed(m) for bs in MESSAGES.values() for b in bs for m in b]
    for subset in itertools.combinations(PARTIALS, THRESHOLD - 1):
        points, seed = combine([PARTIALS[j] for j in subset], BOXES, SEED)
        found = [m for bs in points.values() for b in bs for m in b]
        assert all(m != p for m, p in zip(found, plaintexts, strict=True))
        assert seed != embed(message("repeated"))


def test_the_second_checker_combines_alike() -> None:
    chosen = [PARTIALS[j] for j in (2, 4, 5)]
    points, seed = combine(chosen, BOXES, SEED)
    documents = [p.to_json() for p in chosen]
    film = BOXES["best-film"][2][1].to_json()
    assert simple.combine(documents, film, ("best-film", 2, 1)) == points["best-film"][2][1].hex()
    assert simple.combine(documents, SEED.to_json(), None) == seed.hex()


def test_combine_refuses_what_it_cannot_combine() -> None:
    one, two, three = PARTIALS[1], PARTIALS[2], PARTIALS[3]
    elsewhere = Partial(three.trustee, three.categories, three.seed, three.context, "0" * 64)
    short = Partial(three.trustee, {"best-film": three.categories["best-film"]}, three.seed, R, MIX)
    for partials, refusal in [
        ([], "no partial"),
        ([one, two, one], "given twice"),
        ([one, two, elsewhere], "different rounds or boxes"),
        ([one, two, short], "not of this box"),
    ]:
        with pytest.raises(ValueError, match=refusal):
            combine(partials, BOXES, SEED)


def share_of(document: dict, place: tuple) -> list:
    if place == ("seed",):
        return document["seed"]
    category, ballot, part = place
    entry = next(c for c in document["categories"] if c["id"] == category)
    return entry["shares"][ballot][part]


def set_share(document: dict, place: tuple, share: list) -> None:
    if place == ("seed",):
        document["seed"] = share
    else:
        category, ballot, part = place
        entry = next(c for c in document["categories"] if c["id"] == category)
        entry["shares"][ballot][part] = share


def replaced(place: tuple, field: Callable[[list], list]) -> Callable[[dict], None]:
    return lambda document: set_share(
        document, place, field(copy.deepcopy(share_of(document, place)))
    )


def moved(source: tuple, target: tuple) -> Callable[[dict], None]:
    return lambda document: set_share(document, target, copy.deepcopy(share_of(document, source)))


def other_point(share: list) -> list:
    return [(Point.from_hex(share[0]) + G).hex(), share[1]]


def bumped(index: int) -> Callable[[list], list]:
    def bump(share: list) -> list:
        proof = list(share[1])
        proof[index] = f"{(int(proof[index], 16) + 1) % ORDER:064x}"
        return [share[0], proof]

    return bump


FILM_00, FILM_01, FILM_10, FILM_11 = (("best-film", i, k) for i in (0, 1) for k in (0, 1))
SERIES_00, THE_SEED = ("best-series", 0, 0), ("seed",)


def without_last(path: Callable[[dict], list]) -> Callable[[dict], None]:
    return lambda document: path(document).pop()


def with_copy_of_last(path: Callable[[dict], list]) -> Callable[[dict], None]:
    return lambda document: path(document).append(copy.deepcopy(path(document)[-1]))


def films(document: dict) -> list:
    return document["categories"][0]["shares"]


TAMPERINGS: dict[str, tuple[Callable[[dict], None], list[str]]] = {
    "D of a part": (replaced(FILM_11, other_point), [NOT_HOLDING[3]]),
    "D of the seed": (replaced(THE_SEED, other_point), [NOT_HOLDING[8]]),
    "challenge of a part": (replaced(FILM_11, bumped(0)), [NOT_HOLDING[3]]),
    "response of a part": (replaced(FILM_11, bumped(1)), [NOT_HOLDING[3]]),
    "challenge of the seed": (replaced(THE_SEED, bumped(0)), [NOT_HOLDING[8]]),
    "response of the seed": (replaced(THE_SEED, bumped(1)), [NOT_HOLDING[8]]),
    "proof moved to another ballot": (moved(FILM_00, FILM_10), [NOT_HOLDING[2]]),
    "proof moved to another part": (moved(FILM_00, FILM_01), [NOT_HOLDING[1]]),
    "proof moved to another category": (moved(FILM_00, SERIES_00), [NOT_HOLDING[6]]),
    "proof moved to the seed": (moved(FILM_00, THE_SEED), [NOT_HOLDING[8]]),
    "seed's proof moved to a part": (moved(THE_SEED, FILM_00), [NOT_HOLDING[0]]),
    "a category missing": (
        lambda d: d["categories"].pop(),
        ["category 'best-series': missing"],
    ),
    "a category not in the box": (
        lambda d: d["categories"].append({**copy.deepcopy(d["categories"][1]), "id": "best-doc"}),
        ["category 'best-doc': not in the box"],
    ),
    "categories in another order": (
        lambda d: d["categories"].reverse(),
        ["categories: not in the box's order"],
    ),
    "a ballot missing": (without_last(films), ["category 'best-film': not 3 ballots"]),
    "a ballot too many": (with_copy_of_last(films), ["category 'best-film': not 3 ballots"]),
    "a part missing": (
        without_last(lambda d: films(d)[2]),
        ["category 'best-film' ballot 2: not 2 parts"],
    ),
    "a part too many": (
        with_copy_of_last(lambda d: films(d)[2]),
        ["category 'best-film' ballot 2: not 2 parts"],
    ),
    "another box's hash": (
        lambda d: d.update(mix_sha256=sha256_hex(b"another mix")),
        ["mix_sha256: not the hash of this box"],
    ),
    "another round's context": (
        lambda d: d.update(context=OTHER_ROUND),
        ["context: not this round's"],
    ),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_a_tampered_partial_is_refused_with_its_problem_named(tampering: str) -> None:
    tamper, problems = TAMPERINGS[tampering]
    document = PARTIALS[1].to_json()
    tamper(document)
    assert verdicts(document) == (problems, False)


def test_a_partial_moved_to_another_trustee_is_refused() -> None:
    document = PARTIALS[1].to_json()
    document["trustee"] = 2
    # Trustee 1's key still: only the proofs' contexts name another trustee.
    assert verdicts(document) == (NOT_HOLDING, False)
    assert verdicts(PARTIALS[2].to_json())[1] is False  # trustee 2's partial under Y_1


def test_a_partial_moved_to_another_round_is_refused() -> None:
    document = PARTIALS[1].to_json()
    document["context"] = OTHER_ROUND
    assert verdicts(document, context=OTHER_ROUND) == (NOT_HOLDING, False)


def test_a_partial_of_other_ciphertexts_is_refused() -> None:
    boxes = copy.copy(BOXES)
    changed = reencrypt(KEY, BOXES["best-film"][1][1], random_scalar())
    boxes["best-film"] = [list(b) for b in BOXES["best-film"]]
    boxes["best-film"][1][1] = changed
    document = PARTIALS[1].to_json()
    assert verdicts(document, boxes=boxes) == ([NOT_HOLDING[3]], False)
    seed = reencrypt(KEY, SEED, random_scalar())
    assert verdicts(document, seed=seed) == ([NOT_HOLDING[8]], False)


def test_a_document_reads_back_as_the_partial_it_was() -> None:
    for partial in PARTIALS.values():
        document = partial.to_json()
        assert Partial.from_json(document) == partial
        assert Partial.from_json(copy.deepcopy(document)).to_json() == document


MALFORMED: dict[str, Callable[[dict], None]] = {
    "an extra key": lambda d: d.update(extra=1),
    "a key missing": lambda d: d.pop("seed"),
    "another format": lambda d: d.update(format="awards-sealed-partial/2"),
    "a context not an object": lambda d: d.update(context=[R]),
    "trustee 0": lambda d: d.update(trustee=0),
    "trustee true": lambda d: d.update(trustee=True),
    "trustee as text": lambda d: d.update(trustee="1"),
    "mix_sha256 in capitals": lambda d: d.update(mix_sha256=MIX.upper()),
    "mix_sha256 short": lambda d: d.update(mix_sha256=MIX[:-1]),
    "categories an object": lambda d: d.update(categories={}),
    "a category with an extra key": lambda d: d["categories"][0].update(extra=1),
    "a category id not text": lambda d: d["categories"][0].update(id=1),
    "a category twice": lambda d: d["categories"].append(copy.deepcopy(d["categories"][0])),
    "shares an object": lambda d: d["categories"][0].update(shares={}),
    "a ballot an object": lambda d: films(d).__setitem__(0, {}),
    "a share of three": lambda d: films(d)[0].__setitem__(0, [*films(d)[0][0], "x"]),
    "D in capitals": replaced(FILM_11, lambda s: [s[0].upper(), s[1]]),
    "D off the curve": replaced(FILM_11, lambda s: ["02" + "ff" * 32, s[1]]),
    "D uncompressed": replaced(FILM_11, lambda s: ["04" + s[0][2:], s[1]]),
    "a proof of three": replaced(FILM_11, lambda s: [s[0], [*s[1], s[1][0]]]),
    "a scalar of the order": replaced(FILM_11, lambda s: [s[0], [f"{ORDER:064x}", s[1][1]]]),
    "a scalar in capitals": replaced(THE_SEED, lambda s: [s[0], [s[1][0].upper(), s[1][1]]]),
    "the seed not a pair": lambda d: d.update(seed=d["seed"][0]),
}


@pytest.mark.parametrize("malformation", MALFORMED)
def test_a_malformed_document_is_refused_when_read(malformation: str) -> None:
    document = PARTIALS[1].to_json()
    MALFORMED[malformation](document)
    with pytest.raises(ValueError):  # noqa: PT011 (the document's defect is the point)
        Partial.from_json(document)
    assert verdicts(document)[1] is False


@pytest.mark.parametrize(
    "crafted",
    [
        Partial("1", {}, None, R, MIX),
        Partial(1, None, None, {1, 2}, None),
        Partial(1, {"best-film": None, "best-series": [None, "x"]}, ("D", "proof"), R, MIX),
        Partial(1, {"best-film": [[(G, None)] * 2] * 3}, (G, object()), R, MIX),
        Partial(1, PARTIALS[1].categories, (SEED.a, type(SEED)), R, MIX),
    ],
)
def test_a_crafted_partial_gets_problems_not_an_exception(crafted: Partial) -> None:
    assert check_partial(R, KEYS[1], BOXES, SEED, crafted, MIX)
    assert check_partial(R, KEYS[1], BOXES, SEED, "a partial", MIX) == ["not a partial decryption"]


def leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in leaves(v, (*path, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in leaves(v, (*path, i))]
    return [path]


def test_the_checkers_agree_on_randomly_damaged_documents() -> None:
    chance = random.Random(20261201)
    honest = PARTIALS[1].to_json()
    paths = leaves(honest)
    for _ in range(25):
        document = copy.deepcopy(honest)
        *parents, last = chance.choice(paths)
        holder = document
        for step in parents:
            holder = holder[step]
        was = holder[last]
        holder[last] = chance.choice(
            [None, True, 0, 2, "", [], {}, str(was).upper(), f"{ORDER - 1:064x}", G.hex()]
        )
        problems, valid = verdicts(document)
        assert valid is (problems == []), (parents, last, holder[last], problems)


def pinned(label: str) -> Callable[[], int]:
    """Nonces from a counter, for the known answer only."""
    count = itertools.count()
    return lambda: (
        int.from_bytes(hashlib.sha256(f"{label} {next(count)}".encode()).digest()) % ORDER
    )


KNOWN_PARTIAL_SHA256 = "4564724834b74fe17f082b0b784e3c741b6aa9be2abdcfa2d303d3bc5b228377"


def test_a_known_answer() -> None:
    coefficient = pinned("coefficient")
    key, shares = deal([coefficient() for _ in range(THRESHOLD)])
    boxes, seed, _ = make_box(key, pinned("ciphertext"))
    partial = decrypt_partially(R, 2, shares[2], boxes, seed, MIX, rng=pinned("nonce"))
    assert check_partial(R, base(shares[2]), boxes, seed, partial, MIX) == []
    assert simple.partial_is_valid(
        R, base(shares[2]).hex(), boxes_json(boxes), seed.to_json(), partial.to_json(), MIX
    )
    assert sha256_hex(canonical_json(partial.to_json())) == KNOWN_PARTIAL_SHA256
