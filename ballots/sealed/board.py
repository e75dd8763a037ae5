"""The board: every encrypted ballot cast in a sealed round, by category, under its tracker
(the spec's "The board").

An entry is what the ballot box stores while the round is open and what the board publishes
after the close: the tracker, the ballot (one ciphertext per part of the category's layout) and a
proof that whoever made it knows the randomness of every ciphertext, bound to the round, the
category and the tracker, so that an entry copied to another place fails. An entry cast from the
juror's browser (the booth) may also name `recused`: the isolated nominees whose parts are
replaced before the shuffle by the public "no opinion" ciphertext (`no_opinion`), because the
juror is recused from them; the list is bound into the proof too, so that nobody can add or drop
a replacement under the juror's proof. The board commits to a category's entries with the same
Merkle tree as a record commits to its ballots.
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ballots.canonical import canonical_json
from ballots.merkle import merkle_root
from ballots.sealed.elgamal import (
    Ciphertext,
    Pad,
    encrypt,
    encrypt_with,
    make_pad,
    vector_from_json,
    vector_to_json,
)
from ballots.sealed.encoding import Layout, encode
from ballots.sealed.group import EMBED_BYTES, NotAPoint, Point, embed, hash_to_scalar, random_scalar
from ballots.sealed.proofs import VectorProof, knows_all, prove_knowledge_all

BALLOT_DOMAIN = "awards-sealed/1/ballot"
NO_OPINION_DOMAIN = "awards-sealed/1/no-opinion"
_FIELDS = frozenset({"tracker", "ballot", "proof"})


@dataclass(frozen=True)
class Entry:
    tracker: str
    ballot: tuple[Ciphertext, ...]
    proof: VectorProof
    recused: tuple[str, ...] = ()
    """Isolated nominees whose parts the juror's recusals replace (`no_opinion`)."""

    @cached_property
    def ballot_json(self) -> list[list[str]]:
        return vector_to_json(list(self.ballot))

    def sealed(self) -> dict[str, Any]:
        """What the ballot box stores under the tracker."""
        kept: dict[str, Any] = {"ballot": self.ballot_json, "proof": self.proof.to_json()}
        if self.recused:
            kept["recused"] = list(self.recused)
        return kept

    def to_json(self) -> dict[str, Any]:
        return {"tracker": self.tracker, **self.sealed()}

    @classmethod
    def from_json(cls, value: Any) -> "Entry":
        """Strict: raises ValueError for anything but an entry of valid points and scalars."""
        if not isinstance(value, dict) or not _FIELDS <= set(value) <= _FIELDS | {"recused"}:
            raise ValueError("an entry is exactly {tracker, ballot, proof} and perhaps recused")
        if not isinstance(value["tracker"], str):
            raise ValueError("a tracker is a string")
        recused = value.get("recused", [])
        if "recused" in value and (
            not isinstance(recused, list)
            or not recused
            or not all(isinstance(n, str) for n in recused)
            or len(set(recused)) != len(recused)
        ):
            raise ValueError("recused is a list of distinct nominee ids, never empty")
        return cls(
            value["tracker"],
            tuple(vector_from_json(value["ballot"])),
            VectorProof.from_json(value["proof"]),
            tuple(recused),
        )


def entry_context(
    round_context: dict[str, Any], category: str, tracker: str, recused: Sequence[str] = ()
) -> dict[str, Any]:
    context = {**round_context, "category": category, "tracker": tracker}
    if recused:
        context["recused"] = list(recused)
    return context


def no_opinion(
    key: Point, round_context: dict[str, Any], category: str, nominee: str
) -> Ciphertext:
    """The public "no opinion" ciphertext of an isolated nominee's part: the encryption of the
    part whose one slot is 0 (not approved, not scored), with the randomness
    hash_to_scalar(NO_OPINION_DOMAIN, round context, category, nominee), which anyone can
    recompute (and decrypt: nothing in it is secret). The shuffle re-encrypts it as any other."""
    r = hash_to_scalar(NO_OPINION_DOMAIN, round_context, category, nominee)
    return encrypt(key, embed(bytes(EMBED_BYTES)), r)


def seal(
    key: Point,
    lay: Layout,
    content: dict[str, Any],
    round_context: dict[str, Any],
    category: str,
    tracker: str,
    rng: Callable[[], int] = random_scalar,
    pads: Callable[[], Pad] | None = None,
    recused: Sequence[str] = (),
) -> Entry:
    """Encrypt a valid ballot content to the election key, with its proof. `pads` gives a
    pad made ahead of time for each part (`elgamal.Pad`), else they are made now with `rng`.
    `recused`: the isolated nominees the juror is recused from (a booth's entry)."""
    take = pads or (lambda: make_pad(key, rng))
    used = [take() for _ in range(lay.width)]
    ballot = tuple(
        encrypt_with(pad, point) for pad, point in zip(used, encode(lay, content), strict=True)
    )
    statement = vector_to_json(list(ballot))
    proof = prove_knowledge_all(
        BALLOT_DOMAIN,
        entry_context(round_context, category, tracker, recused),
        [pad.r for pad in used],
        [pad.r_base for pad in used],
        statement,
        nonces=[(pad.w, pad.w_base) for pad in used],
    )
    entry = Entry(tracker, ballot, proof, tuple(recused))
    entry.__dict__["ballot_json"] = statement  # hex of 2 points a part, written once, not twice
    return entry


def check_entry(round_context: dict[str, Any], category: str, width: int, entry: Entry) -> bool:
    if len(entry.ballot) != width:
        return False
    try:
        return knows_all(
            BALLOT_DOMAIN,
            entry_context(round_context, category, entry.tracker, entry.recused),
            [c.a for c in entry.ballot],
            entry.proof,
            vector_to_json(list(entry.ballot)),
        )
    except NotAPoint:
        return False


def leaf(category: str, entry: dict[str, Any]) -> bytes:
    return canonical_json({"category": category, **entry})


def receipt(category: str, entry: dict[str, Any]) -> str:
    """What the juror is given at the cast with the tracker: the first 32 hex digits of the
    SHA-256 of the entry's leaf. The board shows it beside the tracker, so an entry replaced
    under the juror's tracker (by whoever could write the box: a fresh encryption passes every
    proof, the election key being public) shows another receipt than the juror's."""
    return hashlib.sha256(leaf(category, entry)).hexdigest()[:32]


def board_root(category: str, entries: Sequence[dict[str, Any]]) -> str:
    """The Merkle root of a category's entries, in tracker order."""
    return merkle_root([leaf(category, e) for e in entries])
