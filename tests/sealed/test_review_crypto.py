"""Security review of the sealed box (library level). Each test states a property the sealed round
should have and FAILS while the finding stands; the report says why and what to do.

- The ballot proof hashes only the ciphertexts' first parts (weak Fiat-Shamir): an entry's second
  parts can be changed and the board still checks, which lets whoever can write the box during
  voting tag a ballot and read its vote from the trustees' decryptions.
- The key ceremony is relayed unsigned: a relay that runs a separate ceremony with each trustee
  (every other trustee played by itself) gets a key it knows, and every trustee's `accept`
  passes. Only a fingerprint compared between the trustees themselves shows it.
"""

import pytest

from ballots.sealed import trustee
from ballots.sealed.board import check_entry, seal
from ballots.sealed.ceremony import (
    SEED_DOMAIN,
    CeremonyError,
    check_ceremony,
    checked_commitments,
)
from ballots.sealed.chain import AnnexError, board_box, board_document, mix_document, mixed_box
from ballots.sealed.elgamal import Ciphertext, encrypt
from ballots.sealed.encoding import layout
from ballots.sealed.group import Point, base, random_scalar, total
from ballots.sealed.proofs import prove_knowledge

ROUND = {"season": "2026", "round": "final"}
ENTRY = {
    "id": "best",
    "method": "approval",
    "nominees": [{"id": f"n{i}", "label": f"剧 {i}"} for i in range(1, 5)],
}
CONFIG = {"categories": [ENTRY]}


def ceremony(n: int = 3, t: int = 2):
    begun = [
        trustee.begin(ROUND, trustee=i, trustees=n, threshold=t, name=f"评审 {i}")
        for i in range(1, n + 1)
    ]
    commitments, secrets = [c for c, _ in begun], [s for _, s in begun]
    shares = [trustee.deal(ROUND, i, secrets[i - 1], commitments) for i in range(1, n + 1)]
    accepted = [trustee.accept(ROUND, j, secrets[j - 1], commitments, shares) for j in (1, 2, 3)]
    done = check_ceremony(ROUND, commitments, shares, [c for c, _ in accepted])
    return done, [int(kept["share"], 16) for _, kept in accepted]


def test_the_ballot_proof_binds_the_ciphertexts_second_parts() -> None:
    done, _ = ceremony()
    lay = layout(ENTRY)
    entry = seal(done.election_key, lay, {"approve": ["n1"]}, ROUND, "best", "t" * 32)
    shifted = Ciphertext(entry.ballot[0].a, entry.ballot[0].b + base(12345))
    changed = type(entry)(entry.tracker, (shifted,), entry.proof)
    # Fails today: knows_all hashes [a_k] only, never b_k (a Helios-style weak Fiat-Shamir).
    assert not check_entry(ROUND, "best", lay.width, changed)


def test_a_tagged_ballot_does_not_tell_its_vote_to_whoever_reads_the_decryptions() -> None:
    """Whoever can write the ballot table while the round is open (a DBA, a restored backup,
    anyone with the database's credentials, not the running server) shifts the victim's b by a
    known Delta. The board, the server's mix and the trustees' decryptions all check; the
    trustees' partials (in the database, later in the annex) give every plaintext point, and the
    one that decodes only after subtracting Delta is the victim's ballot."""
    done, _shares = ceremony()
    lay = layout(ENTRY)
    votes = {"a" * 32: ["n2", "n3"], "b" * 32: ["n1"], "c" * 32: ["n4"]}
    entries = {
        tracker: seal(done.election_key, lay, {"approve": v}, ROUND, "best", tracker).to_json()
        for tracker, v in votes.items()
    }
    victim, delta = "a" * 32, base(random_scalar())
    ballot = entries[victim]["ballot"][0]
    ballot[1] = (Point.from_hex(ballot[1]) + delta).hex()  # the tag, written in the table

    board = board_document(ROUND, "cfg", done, {"best": []}, {"best": list(entries.values())})
    # The proof hashes the whole ballot: the tagged entry no longer checks, so the board is
    # refused before any mix or decryption could tell the tagger the victim's vote.
    with pytest.raises(AnnexError, match=f"the proof of entry {victim} does not hold"):
        board_box(ROUND, CONFIG, done, board, "cfg")


def _world(real: int, n: int = 3, t: int = 2):
    """A relay's separate ceremony with trustee `real`, every other trustee played by the relay.
    Returns (what the real trustee confirms, the ceremony, the relay's secret key or None)."""
    begun = [
        trustee.begin(ROUND, trustee=i, trustees=n, threshold=t, name=f"评审 {i}")
        for i in range(1, n + 1)
    ]
    commitments, secrets = [c for c, _ in begun], [s for _, s in begun]
    shares = [trustee.deal(ROUND, i, secrets[i - 1], commitments) for i in range(1, n + 1)]
    accepted = [trustee.accept(ROUND, j, secrets[j - 1], commitments, shares) for j in (1, 2, 3)]
    done = check_ceremony(ROUND, commitments, shares, [c for c, _ in accepted])
    # The relay opened every share dealt to the trustees it plays: t - 1 of them suffice with its
    # own polynomials, here it simply holds the shares of two trustees, the threshold.
    played = [j for j in range(1, n + 1) if j != real][:t]
    held = {j: int(accepted[j - 1][1]["share"], 16) for j in played}
    return accepted[real - 1][0], done, held


def test_a_relay_playing_the_other_trustees_is_seen_when_trustees_compare_fingerprints() -> None:
    """A relay that runs a ceremony of its own with each trustee, playing the others itself,
    holds the key of whichever world the round is sealed under: documents that are not signed
    cannot stop it. What does is the trustees comparing their fingerprints with one another,
    not only with the round's page (which the relay serves): every world's differs, and the
    command and the README say to compare so (`ballots.sealed.command`, "Sealed rounds")."""
    confirmed = {real: _world(real)[0]["fingerprint"] for real in (1, 2, 3)}
    assert len(set(confirmed.values())) == 3


def test_a_mix_with_fields_beyond_its_format_is_refused() -> None:
    """`mixed_box` never looks at a mix's key set: any extra field (or a NaN, or a `by` naming
    a trustee who did not make it) passes the checks and goes into the annex as it came."""
    done, _ = ceremony()
    lay = layout(ENTRY)
    entries = [
        seal(done.election_key, lay, {"approve": ["n1"]}, ROUND, "best", t * 32).to_json()
        for t in "ab"
    ]
    board = board_document(ROUND, "cfg", done, {"best": []}, {"best": entries})
    box = board_box(ROUND, CONFIG, done, board, "cfg")
    mix = mix_document(ROUND, done.election_key, 1, "server", board, box)
    mix["note"] = float("nan")
    try:
        mixed_box(ROUND, done.election_key, 1, board, box, mix)
    except AnnexError:
        return
    pytest.fail("a mix with a field its format does not have was accepted")


def test_a_relay_cannot_choose_the_tie_break_seed() -> None:
    """The relay replaces the seed in every shares document with its own encryption (its own
    Schnorr proof passes: the proof's context names only the round and the trustee). No trustee
    checks that its own shares document is the one it dealt, so every `accept` passes with one
    and the same fingerprint, and the relay chose the seed before the round opened (README:
    "nobody, the operator included, can read it before the count")."""
    n, t = 3, 2
    begun = [
        trustee.begin(ROUND, trustee=i, trustees=n, threshold=t, name=f"评审 {i}")
        for i in range(1, n + 1)
    ]
    commitments, secrets = [c for c, _ in begun], [s for _, s in begun]
    shares = [trustee.deal(ROUND, i, secrets[i - 1], commitments) for i in range(1, n + 1)]
    election_key = total(d.coefficients[0] for d in checked_commitments(ROUND, commitments))
    messages = [base(random_scalar()) for _ in shares]
    for i, (document, message) in enumerate(zip(shares, messages, strict=True), start=1):
        r = random_scalar()
        document["seed"] = {
            "ciphertext": encrypt(election_key, message, r).to_json(),
            "proof": prove_knowledge(SEED_DOMAIN, {**ROUND, "trustee": i}, r).to_json(),
        }
    # Each trustee makes its own seed ciphertext again and refuses a document not its own.
    for j in (1, 2, 3):
        with pytest.raises(CeremonyError, match="your own shares document is not the one"):
            trustee.accept(ROUND, j, secrets[j - 1], commitments, shares)
