"""An encrypted ballot on the board: it decrypts to its content, and its proof holds only in
its own place."""

import dataclasses

from ballots.merkle import merkle_root
from ballots.sealed.board import Entry, board_root, check_entry, leaf, seal
from ballots.sealed.elgamal import Ciphertext
from ballots.sealed.encoding import decode, layout
from ballots.sealed.group import base, random_scalar
from tests.sealed import reference_curve as ref

R = {"season": "2026", "round": "final"}
LAY = layout({"method": "approval", "nominees": [{"id": f"n{i}", "label": ""} for i in range(300)]})
X = random_scalar()
KEY = base(X)


def test_an_entry_decrypts_to_its_content_and_its_proof_holds():
    entry = seal(KEY, LAY, {"approve": ["n1", "n299"]}, R, "best", "ab" * 16)
    assert len(entry.ballot) == LAY.width == 2
    assert decode(LAY, [c.b - X * c.a for c in entry.ballot]) == {"approve": ["n1", "n299"]}
    assert check_entry(R, "best", 2, entry)
    assert Entry.from_json(entry.to_json()) == entry


def test_the_proof_is_the_specs_knowledge_of_all_checked_by_the_reference_curve():
    entry = seal(KEY, LAY, {"abstain": True}, R, "best", "ab" * 16).to_json()
    c = int(entry["proof"]["challenge"], 16)
    publics = [ref.decode(a) for a, _ in entry["ballot"]]
    commitments = [
        ref.encode(ref.add(ref.mul(int(s, 16), ref.G), ref.neg(ref.mul(c, x))))
        for s, x in zip(entry["proof"]["responses"], publics, strict=True)
    ]
    context = {**R, "category": "best", "tracker": "ab" * 16}
    firsts = [a for a, _ in entry["ballot"]]
    assert c == ref.challenge(
        "awards-sealed/1/ballot", context, entry["ballot"], firsts, commitments
    )


def test_an_entry_moved_or_changed_is_refused():
    entry = seal(KEY, LAY, {"approve": []}, R, "best", "ab" * 16)
    other = seal(KEY, LAY, {"approve": []}, R, "best", "cd" * 16)
    assert not check_entry(R, "other-category", 2, entry)
    assert not check_entry({**R, "round": "nomination"}, "best", 2, entry)
    assert not check_entry(R, "best", 3, entry)
    assert not check_entry(R, "best", 2, dataclasses.replace(entry, tracker="cd" * 16))
    assert not check_entry(R, "best", 2, dataclasses.replace(entry, proof=other.proof))
    swapped = (Ciphertext(entry.ballot[0].a + base(1), entry.ballot[0].b), entry.ballot[1])
    assert not check_entry(R, "best", 2, dataclasses.replace(entry, ballot=swapped))


def test_the_board_root_is_the_records_merkle_tree_over_its_entries():
    entries = [seal(KEY, LAY, {"abstain": True}, R, "best", t * 32).to_json() for t in "abc"]
    assert board_root("best", entries) == merkle_root([leaf("best", e) for e in entries])
    assert leaf("best", entries[0]).startswith(b'{"ballot":')
    assert board_root("best", entries) != board_root("best", entries[::-1])
