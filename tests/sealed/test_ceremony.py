"""The key ceremony: whole ceremonies, the shares that reconstruct the key, a recipient naming a
bad dealer, and check_ceremony refusing every tampered field and every misplaced proof."""

import copy
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import nacl.public
import pytest

from ballots.sealed import ceremony, trustee
from ballots.sealed.ceremony import CeremonyError, check_ceremony
from ballots.sealed.decryption import lagrange
from ballots.sealed.elgamal import encrypt
from ballots.sealed.group import ORDER, Point, base, random_scalar, scalar_hex, total
from ballots.sealed.proofs import prove_knowledge

ROUND = {"season": "2026", "round": "final"}
OTHER_ROUND = {"season": "2026", "round": "shortlist"}


@dataclass
class Run:
    commitments: list[dict[str, Any]]
    secrets: list[dict[str, Any]]
    shares: list[dict[str, Any]]
    confirmations: list[dict[str, Any]]
    keys: list[int]  # x_j, index j - 1

    def documents(self) -> tuple[Any, ...]:
        return copy.deepcopy((self.commitments, self.shares, self.confirmations))


def run(n: int, t: int, context: dict[str, str] = ROUND) -> Run:
    begun = [
        trustee.begin(context, trustee=i, trustees=n, threshold=t, name=f"评审 {i}")
        for i in range(1, n + 1)
    ]
    commitments, secrets = [c for c, _ in begun], [s for _, s in begun]
    shares = [trustee.deal(context, i, secrets[i - 1], commitments) for i in range(1, n + 1)]
    accepted = [
        trustee.accept(context, j, secrets[j - 1], commitments, shares) for j in range(1, n + 1)
    ]
    keys = [int(kept["share"], 16) for _, kept in accepted]
    return Run(commitments, secrets, shares, [c for c, _ in accepted], keys)


@pytest.fixture(scope="module")
def five() -> Run:
    return run(5, 3)


@pytest.fixture(scope="module")
def three() -> Run:
    return run(3, 2)


@pytest.mark.parametrize(("n", "t"), [(5, 3), (1, 1), (3, 2)])
def test_any_threshold_of_the_shares_gives_the_election_key(n: int, t: int) -> None:
    done = run(n, t)
    result = check_ceremony(ROUND, done.commitments, done.shares, done.confirmations)
    assert (result.trustees, result.threshold) == (n, t)
    assert result.verification_keys == tuple(base(x) for x in done.keys)
    for chosen in combinations(range(1, n + 1), t):
        x = sum(lagrange(chosen, j) * done.keys[j - 1] for j in chosen) % ORDER
        assert base(x) == result.election_key
        seeds = total(Point.from_hex(s["seed_message"]) for s in done.secrets)
        assert result.seed.b - x * result.seed.a == seeds
    for fewer in combinations(range(1, n + 1), t - 1):
        if fewer:
            x = sum(lagrange(fewer, j) * done.keys[j - 1] for j in fewer) % ORDER
            assert base(x) != result.election_key


def test_every_trustee_confirms_the_same_fingerprint(five: Run) -> None:
    fingerprints = {c["fingerprint"] for c in five.confirmations}
    result = check_ceremony(ROUND, *five.documents())
    assert fingerprints == {result.fingerprint}
    assert result.names == tuple(f"评审 {i}" for i in range(1, 6))


def test_lagrange() -> None:
    assert lagrange([1, 2], 1) == 2
    assert lagrange([1, 2], 2) == ORDER - 1
    for indices, j in [([1, 1, 2], 1), ([1, 2], 3), ([0, 1], 1), ([True, 2], 2)]:
        with pytest.raises(ValueError, match=r"twice|not one of the set|positive integer"):
            lagrange(indices, j)


def _sealed_to(recipient_commitment: dict[str, Any], value: bytes) -> str:
    box_key = nacl.public.PublicKey(bytes.fromhex(recipient_commitment["box_key"]))
    return nacl.public.SealedBox(box_key).encrypt(value).hex()


def _share(secrets: dict[str, Any], j: int) -> int:
    return sum(int(a, 16) * j**k for k, a in enumerate(secrets["coefficients"])) % ORDER


def test_a_wrong_share_is_named_by_its_recipient(five: Run) -> None:
    commitments, shares, _ = five.documents()
    wrong = (_share(five.secrets[2], 2) + 1).to_bytes(32, "big")
    shares[2]["shares"]["2"] = _sealed_to(commitments[1], wrong)
    shares[4]["shares"]["2"] = os.urandom(80).hex()  # opens under no key
    with pytest.raises(CeremonyError) as refused:
        trustee.accept(ROUND, 2, five.secrets[1], commitments, shares)
    assert refused.value.problems == [
        (3, "its share for you is wrong"),
        (5, "its share for you cannot be opened"),
    ]
    assert refused.value.at_fault == [3, 5]
    assert "trustee 3: its share for you is wrong" in str(refused.value)
    for j in (1, 3, 4):  # the others' shares are good
        trustee.accept(ROUND, j, five.secrets[j - 1], commitments, shares)


def test_the_right_share_sealed_again_is_accepted(three: Run) -> None:
    commitments, shares, _ = three.documents()
    right = _share(three.secrets[0], 3).to_bytes(32, "big")
    shares[0]["shares"]["3"] = _sealed_to(commitments[2], right)
    confirmation, kept = trustee.accept(ROUND, 3, three.secrets[2], commitments, shares)
    # The same keys; another fingerprint, since the fingerprint binds the sealed shares too.
    for same in ("election_key", "verification_key", "trustee", "context"):
        assert confirmation[same] == three.confirmations[2][same]
    assert confirmation["fingerprint"] != three.confirmations[2]["fingerprint"]
    assert kept == {"share": scalar_hex(three.keys[2])}


def test_a_trustee_refuses_a_changed_commitment_of_its_own(three: Run) -> None:
    commitments = copy.deepcopy(three.commitments)
    commitments[1]["name"] = "someone else"
    for step in (trustee.deal, lambda *a: trustee.accept(*a, three.shares)):
        with pytest.raises(CeremonyError) as refused:
            step(ROUND, 2, three.secrets[1], commitments)
        assert refused.value.problems == [(2, "this is not the commitment you published")]


def test_a_dealer_names_a_box_key_it_cannot_seal_to(three: Run) -> None:
    commitments = copy.deepcopy(three.commitments)
    commitments[2]["box_key"] = "00" * 32
    with pytest.raises(CeremonyError) as refused:
        trustee.deal(ROUND, 1, three.secrets[0], commitments)
    assert refused.value.at_fault == [3]


def _other_point() -> str:
    return base(random_scalar()).hex()


def _first_changed(points: list[str]) -> list[str]:
    return [_other_point(), *points[1:]]


def _last_changed(points: list[str]) -> list[str]:
    return [*points[:-1], _other_point()]


def _one_more(points: list[str]) -> list[str]:
    return [*points, _other_point()]


def _seed_randomness_changed(seed: dict[str, Any]) -> dict[str, Any]:
    return {**seed, "ciphertext": _first_changed(seed["ciphertext"])}


def _seed_message_changed(seed: dict[str, Any]) -> dict[str, Any]:
    return {**seed, "ciphertext": _last_changed(seed["ciphertext"])}


@dataclass(frozen=True)
class CopiedFrom:
    """The same field of trustee 1's document of the same kind."""


# (documents, position, field, new value, or a function of the old one, trustees named.) A
# field that no proof covers is caught by the hash of the commitments that every shares document
# binds, or by the fingerprint that every confirmation binds: every trustee is then named.
ALL = [1, 2, 3]
TAMPERINGS = [
    ("commitments", 1, "format", "awards-trustee-commitment/2", [2]),
    ("commitments", 1, "context", OTHER_ROUND, [2]),
    ("commitments", 1, "context", {**ROUND, "extra": 1}, [2]),
    ("commitments", 1, "trustee", 3, [2]),
    ("commitments", 0, "trustee", True, [1]),
    ("commitments", 1, "name", "Mallory", ALL),
    ("commitments", 1, "name", None, [2]),
    ("commitments", 1, "threshold", 3, [2]),
    ("commitments", 1, "threshold", 0, [2]),
    ("commitments", 1, "trustees", 4, [2]),
    ("commitments", 1, "box_key", "ab" * 32, ALL),
    ("commitments", 1, "box_key", "AB" * 32, [2]),
    ("commitments", 1, "coefficients", _first_changed, [2]),
    ("commitments", 1, "coefficients", _last_changed, ALL),
    ("commitments", 1, "coefficients", _one_more, [2]),
    ("commitments", 1, "proof", CopiedFrom(), [2]),
    ("commitments", 1, "extra", 1, [2]),
    ("shares", 1, "format", "awards-trustee-shares/2", [2]),
    ("shares", 1, "context", OTHER_ROUND, [2]),
    ("shares", 1, "trustee", 1, [2]),
    ("shares", 1, "commitments_sha256", "00" * 32, [2]),
    ("shares", 1, "shares", lambda sealed: {"1": sealed["1"]}, [2]),
    ("shares", 1, "shares", lambda sealed: {**sealed, "3": "00" * 79}, [2]),
    ("shares", 1, "seed", _seed_randomness_changed, [2]),
    ("shares", 1, "seed", _seed_message_changed, ALL),
    ("shares", 1, "seed", CopiedFrom(), [2]),
    ("confirmations", 1, "format", "awards-trustee-confirmation/2", [2]),
    ("confirmations", 1, "context", OTHER_ROUND, [2]),
    ("confirmations", 1, "trustee", 3, [2]),
    ("confirmations", 1, "election_key", _other_point(), [2]),
    ("confirmations", 1, "fingerprint", "00" * 32, [2]),
    ("confirmations", 1, "verification_key", CopiedFrom(), [2]),
    ("confirmations", 1, "proof", CopiedFrom(), [2]),
]


def _documents(done: Run) -> dict[str, Any]:
    return dict(zip(("commitments", "shares", "confirmations"), done.documents(), strict=True))


@pytest.mark.parametrize(
    ("kind", "position", "field", "value", "named"),
    TAMPERINGS,
    ids=[f"{kind}-{field}-{n}" for n, (kind, _, field, *_) in enumerate(TAMPERINGS)],
)
def test_every_tampered_field_is_refused_and_named(
    three: Run, kind: str, position: int, field: str, value: Any, named: list[int]
) -> None:
    documents = _documents(three)
    document = documents[kind][position]
    if isinstance(value, CopiedFrom):
        document[field] = documents[kind][0][field]
    else:
        document[field] = value(document.get(field)) if callable(value) else value
    with pytest.raises(CeremonyError) as refused:
        check_ceremony(ROUND, **documents)
    assert refused.value.at_fault == named


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["confirmations"].pop(),
        lambda d: d["shares"].pop(0),
        lambda d: d["confirmations"].append(d["confirmations"][0]),
        lambda d: d["commitments"].reverse(),
    ],
    ids=["a confirmation missing", "a shares document missing", "one too many", "reordered"],
)
def test_documents_missing_or_out_of_place_are_refused(three: Run, change: Any) -> None:
    documents = _documents(three)
    change(documents)
    with pytest.raises(CeremonyError):
        check_ceremony(ROUND, **documents)


@pytest.mark.parametrize("elsewhere", [{**OTHER_ROUND, "trustee": 2}, {**ROUND, "trustee": 1}])
def test_a_proof_made_for_another_round_or_trustee_is_refused(
    three: Run, elsewhere: dict[str, Any]
) -> None:
    """Each proof is remade with the right secret but another context; with its own context,
    the same proof passes (so it is the context that is refused)."""
    here = {**ROUND, "trustee": 2}
    constant = int(three.secrets[1]["coefficients"][0], 16)
    for context, holds in [(elsewhere, False), (here, True)]:
        commitments = copy.deepcopy(three.commitments)
        commitments[1]["proof"] = prove_knowledge(
            ceremony.COEFFICIENT_DOMAIN, context, constant
        ).to_json()
        named = [] if holds else [2]
        assert _refused_at(ceremony.checked_commitments, ROUND, commitments) == named

        commitments, shares, _ = three.documents()
        r = random_scalar()
        key = Point.from_hex(three.confirmations[0]["election_key"])
        shares[1]["seed"] = {
            "ciphertext": encrypt(key, base(random_scalar()), r).to_json(),
            "proof": prove_knowledge(ceremony.SEED_DOMAIN, context, r).to_json(),
        }
        assert _refused_at(ceremony.public_parts, ROUND, commitments, shares) == named

        commitments, shares, confirmations = three.documents()
        share_context = {**context, "fingerprint": confirmations[1]["fingerprint"]}
        confirmations[1]["proof"] = prove_knowledge(
            ceremony.SHARE_DOMAIN, share_context, three.keys[1]
        ).to_json()
        assert _refused_at(check_ceremony, ROUND, commitments, shares, confirmations) == named


def test_a_confirmation_of_another_fingerprint_is_refused(three: Run) -> None:
    commitments, shares, confirmations = three.documents()
    share_context = {**ROUND, "trustee": 2, "fingerprint": "00" * 32}
    confirmations[1]["proof"] = prove_knowledge(
        ceremony.SHARE_DOMAIN, share_context, three.keys[1]
    ).to_json()
    assert _refused_at(check_ceremony, ROUND, commitments, shares, confirmations) == [2]


def test_a_whole_commitment_from_another_round_is_refused(three: Run) -> None:
    replayed = copy.deepcopy(run(3, 2, OTHER_ROUND).commitments[1])
    replayed["context"] = ROUND
    commitments, shares, confirmations = three.documents()
    commitments[1] = replayed
    with pytest.raises(CeremonyError) as refused:
        check_ceremony(ROUND, commitments, shares, confirmations)
    assert refused.value.problems == [
        (2, "its proof of knowledge of its constant term does not hold")
    ]


def _refused_at(check: Any, *arguments: Any) -> list[int]:
    try:
        check(*arguments)
    except CeremonyError as refused:
        return refused.at_fault
    return []


def test_the_verifier_needs_no_nacl(three: Run) -> None:
    script = (
        "import json, sys; sys.modules['nacl'] = None\n"
        "from ballots.sealed.ceremony import check_ceremony\n"
        "print(check_ceremony(*json.load(sys.stdin)).fingerprint)\n"
    )
    documents = json.dumps([ROUND, *three.documents()])
    result = subprocess.run(
        [sys.executable, "-c", script], input=documents, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == three.confirmations[0]["fingerprint"]
    assert scalar_hex(three.keys[0]) not in documents


def test_commitments_to_different_thresholds_are_refused(three: Run) -> None:
    commitments, shares, confirmations = three.documents()
    commitments[1]["threshold"] = 3
    commitments[1]["coefficients"].append(_other_point())
    with pytest.raises(CeremonyError) as refused:
        check_ceremony(ROUND, commitments, shares, confirmations)
    assert refused.value.problems == [
        (i, f"its threshold is {t}") for i, t in [(1, 2), (2, 3), (3, 2)]
    ]


def test_seeds_that_cancel_out_are_refused(three: Run) -> None:
    """The second parts of the seeds are under no proof: a crafted one can make their sum the
    point at infinity, which has no encoding to fingerprint."""
    commitments, shares, confirmations = three.documents()
    others = total(Point.from_hex(shares[i]["seed"]["ciphertext"][1]) for i in (0, 2))
    shares[1]["seed"]["ciphertext"][1] = (-others).hex()
    with pytest.raises(CeremonyError) as refused:
        check_ceremony(ROUND, commitments, shares, confirmations)
    assert refused.value.problems == [
        (None, "the commitments or the seeds sum to the point at infinity")
    ]
