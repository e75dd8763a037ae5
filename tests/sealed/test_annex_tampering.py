"""The verifier against a server that changes a sealed round's files after the fact: each test
changes one thing, remakes every hash (and where it can, every mix and decryption) an attacker
could remake, shows that the record and results still pass every check of a plain record, and
that the annex check refuses, naming the place. One round is made once, with two more: one of
the same season and round (another ceremony, the same context) and one of another season."""

import json

import pytest

from ballots.canonical import canonical_json, sha256_hex
from ballots.cli import main as ballots_main
from ballots.record import parse_record
from ballots.sealed.annex import verify_annex
from ballots.sealed.board import board_root, receipt, seal
from ballots.sealed.ceremony import check_ceremony
from ballots.sealed.chain import layouts, mix_document
from ballots.sealed.elgamal import vector_from_json
from tests.sealed.sealed_run import SealedRun, sealed_run
from tests.sealed.tamper import Files, has


@pytest.fixture(scope="module")
def run(tmp_path_factory, sqlite_template) -> SealedRun:
    return sealed_run(tmp_path_factory.mktemp("sealed"), sqlite_template)


@pytest.fixture(scope="module")
def same_context_run(tmp_path_factory, sqlite_template) -> SealedRun:
    return sealed_run(tmp_path_factory.mktemp("again"), sqlite_template)


@pytest.fixture(scope="module")
def other_round_run(tmp_path_factory, sqlite_template) -> SealedRun:
    return sealed_run(tmp_path_factory.mktemp("other"), sqlite_template, season_code="2025")


@pytest.fixture
def files(run) -> Files:
    return Files.of(run)


def test_the_untouched_files_verify_and_resealing_them_changes_nothing(run, files, tmp_path):
    assert files.sealed() == (run.record, run.results, run.annex)
    assert files.failures() == []
    paths = {}
    for kind, content in zip(("record", "results", "annex"), files.sealed(), strict=True):
        paths[kind] = tmp_path / f"{kind}.json"
        paths[kind].write_bytes(content)
    argv = [f"--{kind}={path}" for kind, path in paths.items()]
    assert ballots_main(["verify", *argv]) == 0


def test_the_command_names_the_sealed_check(files, tmp_path, capsys):
    files.annex["partials"] = files.annex["partials"][:1]
    for kind, content in zip(("record", "results", "annex"), files.sealed(), strict=True):
        (tmp_path / f"{kind}.json").write_bytes(content)
    argv = [f"--{kind}={tmp_path / kind}.json" for kind in ("record", "results", "annex")]
    assert ballots_main(["verify", *argv]) == 1
    assert "1 of the 2 needed" in capsys.readouterr().err


def test_a_board_entry_with_another_ciphertext(files):
    entries = files.board_category("approval")["entries"]
    entries[0]["ballot"], entries[1]["ballot"] = entries[1]["ballot"], entries[0]["ballot"]
    files.reroot("approval")
    found = files.failures()
    assert has(found, "board, category approval", f"entry {entries[0]['tracker']} does not hold")
    assert has(found, "board, category approval", f"entry {entries[1]['tracker']} does not hold")


def test_a_board_entry_whose_proof_is_moved_to_another_tracker(files):
    entries = files.board_category("irv")["entries"]
    entries[0]["proof"], entries[2]["proof"] = entries[2]["proof"], entries[0]["proof"]
    files.reroot("irv")
    assert has(files.failures(), "board, category irv", f"entry {entries[0]['tracker']} does not")


def test_a_board_entry_dropped_the_mixes_follow(files):
    del files.board_category("approval")["entries"][1]
    files.reroot("approval")
    assert has(files.failures(), "mix 1, category approval", "3 ballots out of 2")


def test_a_board_entry_dropped_and_the_whole_chain_remade(files, run):
    """The server drops a ballot at close and shows the trustees the box without it: the
    record's participants (3) give it away. (Had the server lowered them too, only the juror
    whose tracker is missing from the board could tell.)"""
    del files.board_category("approval")["entries"][1]
    files.reroot("approval")
    files.remake(run)
    assert files.failures(plain_checks_pass=False) == [
        ("category approval", "participants differ from the ballots on the board")
    ]


def test_a_board_entry_duplicated(files, run):
    entries = files.board_category("score-mean")["entries"]
    entries.insert(1, entries[0])
    files.reroot("score-mean")
    found = files.failures()
    assert has(found, "board, category score-mean", "ascending order of distinct trackers")


def test_a_board_merkle_root_changed(files):
    files.board_category("irv")["merkle_root"] = "0" * 64
    assert files.failures() == [
        ("board, category irv", "the Merkle root is not that of its entries")
    ]


def test_the_board_of_another_round(files, other_round_run):
    files.annex["board"] = json.loads(other_round_run.annex)["board"]
    found = files.failures()
    assert ("board", "made for another round") in found
    assert ("board", "made for another key ceremony") in found


def test_the_board_of_another_ceremony_of_the_same_round(files, same_context_run):
    files.annex["board"] = json.loads(same_context_run.annex)["board"]
    assert ("board", "made for another key ceremony") in files.failures()


def test_isolated_changed_on_the_board(files):
    files.board_category("approval")["isolated"] = ["n1"]
    files.reroot("approval")
    assert has(files.failures(), "board, category approval", "does not hold")


def test_a_mix_of_fresh_encryptions_of_other_votes(files):
    """Ballots for n3 only, shuffled with a proof of their own input: not of the box's."""
    context, config = files.context, files.record["config"]
    bundle = files.annex["ceremony"]
    ceremony = check_ceremony(
        context, bundle["commitments"], bundle["shares"], bundle["confirmations"]
    )
    lay = layouts(config, files.annex["board"])["approval"]
    fresh = [
        list(seal(ceremony.election_key, lay, {"approve": ["n3"]}, context, "approval", t).ballot)
        for t in ("a" * 32, "b" * 32, "c" * 32)
    ]
    forged = mix_document(
        context, ceremony.election_key, 2, "trustee 2", files.annex["mixes"][0], {"approval": fresh}
    )
    mix = files.annex["mixes"][1]
    mix["categories"][0] = forged["categories"][0]
    assert [vector_from_json(b) for b in mix["categories"][0]["ballots"]]
    assert has(files.failures(), "mix 2, category approval", "the proof of the shuffle")


def test_the_last_mix_removed(files):
    del files.annex["mixes"][1]
    found = files.failures()
    assert has(found, "partial decryption of trustee 1", "")
    assert has(found, "partial decryption of trustee 3", "")


def test_the_first_mix_removed(files):
    del files.annex["mixes"][0]
    found = files.failures()
    assert ("mix 1", "it says it is mix 2") in found
    assert ("mix 1", "it does not shuffle the box before it") in found


def test_the_mixes_reordered(files):
    files.annex["mixes"].reverse()
    assert ("mix 1", "it says it is mix 2") in files.failures()


def test_no_mix_at_all(files):
    files.annex["mixes"] = []
    assert files.failures() == [("mixes", "the box was never shuffled")]


def test_a_partial_share_changed(files):
    one, other = files.annex["partials"]
    one["seed"][0] = other["seed"][0]
    assert has(files.failures(), "partial decryption of trustee 1", "")


def test_a_partial_from_a_trustee_not_in_the_ceremony(files):
    files.annex["partials"][0]["trustee"] = 4
    assert ("partial decryption [0]", "names no trustee") in files.failures()


def test_the_same_trustee_twice_to_reach_the_threshold(files):
    files.annex["partials"][1] = files.annex["partials"][0]
    assert ("partial decryptions", "a trustee decrypted twice") in files.failures()


def test_fewer_partials_than_the_threshold(files):
    files.annex["partials"].pop()
    assert files.failures() == [("partial decryptions", "1 of the 2 needed")]


def test_a_record_ballot_changed_and_the_results_recounted(files):
    ballot = files.category("approval")["ballots"][0]
    ballot["content"] = {"approve": ["n2"] if ballot["content"] != {"approve": ["n2"]} else ["n1"]}
    assert files.failures() == [
        ("category approval", "the ballots are not the decryption of the box")
    ]


def test_the_record_seed_changed(files):
    files.set_seed(bytes(32))
    assert files.failures() == [("round", "the seed is not the trustees' decrypted seed")]


def test_a_trustee_name_changed_in_the_commitments(files):
    files.annex["ceremony"]["commitments"][1]["name"] = "赵六"
    assert has(files.failures(), "ceremony, trustee 2", "")


def test_the_annex_of_another_round(files, other_round_run):
    files.annex = json.loads(other_round_run.annex)
    assert files.failures() == [("annex", "made for another round")]


def test_an_annex_not_the_one_the_record_names(run):
    record = json.loads(run.record)
    assert verify_annex(parse_record(run.record), run.annex + b" ") == [
        ("annex", "this is not the annex the record names")
    ]
    assert record["round"]["sealed"]["annex_sha256"]


def test_the_record_fingerprint_is_not_the_ceremonys(files):
    """The fingerprint the round's page showed at opening, which each trustee compared with
    theirs, is the one the annex's ceremony must have."""
    files.record["round"]["sealed"]["fingerprint"] = "0" * 64
    assert files.failures() == [("round", "the fingerprint is not the key ceremony's")]


def test_the_annex_of_another_ceremony_of_the_same_round(run, same_context_run):
    """A whole other round of the same codes (its own ceremony, board, mixes, decryptions),
    passed off under the fingerprint published at opening."""
    files = Files.of(same_context_run)
    files.record["round"]["sealed"]["fingerprint"] = json.loads(run.record)["round"]["sealed"][
        "fingerprint"
    ]
    assert files.failures() == [("round", "the fingerprint is not the key ceremony's")]


def test_the_record_names_other_trustees_as_decrypting(files):
    files.record["round"]["sealed"]["decrypted_by"] = [1, 2]
    assert files.failures() == [
        ("round", "decrypted_by is not the trustees whose decryptions are in the annex")
    ]


def test_a_board_entry_replaced_by_a_fresh_encryption_and_the_chain_remade(files, run):
    """An attacker who can write to the ballot box (or the server at close) swaps a juror's
    encrypted ballot for one of its own under the same tracker; the trustees decrypt the box
    they are shown. No proof can tell (the election key is public: anyone knows the randomness
    of a fresh encryption), so the verifier passes; what tells is the juror's receipt, which
    the board now shows otherwise (tests/sealed/test_review_round.py checks it on the page)."""
    bundle = files.annex["ceremony"]
    phases = (bundle["commitments"], bundle["shares"], bundle["confirmations"])
    key = check_ceremony(files.context, *phases).election_key
    lay = layouts(files.record["config"], files.annex["board"])["approval"]
    entries = files.board_category("approval")["entries"]
    tracker = entries[0]["tracker"]
    given = receipt("approval", entries[0])
    entries[0] = seal(key, lay, {"approve": ["n3"]}, files.context, "approval", tracker).to_json()
    files.reroot("approval")
    files.remake(run)
    assert files.failures() == []
    assert receipt("approval", entries[0]) != given


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("trustees", [{"trustee": 1, "name": "赵六"}, {"trustee": 2, "name": "李四"}]),
        ("trustees", [{"trustee": n, "name": f"{n}"} for n in (1, 2, 3)]),
        ("threshold", 1),
        ("fingerprint", "0" * 64),
        ("context", {"season": "2025", "round": "final"}),
    ],
)
def test_the_annex_ceremony_file_says_other_than_its_documents(files, field, value):
    """The ceremony file's own fields (the names a reader sees, the threshold, the fingerprint)
    are those of the documents that make the key."""
    files.annex["ceremony"][field] = value
    assert files.failures() == [("annex", f"the ceremony's {field} is not its documents'")]


def test_a_record_category_the_board_does_not_have(files):
    """verify_annex never raises: here it did (StopIteration), and the command with it."""
    files.record["categories"][0]["id"] = "approval-2"
    found = files.failures(plain_checks_pass=False)
    assert ("category approval-2", "the ballots are not the decryption of the box") in found


JUNK_ANNEXES = {
    "not JSON": b"{",
    "too deep": b"[" * 100_000 + b"]" * 100_000,
    "a list": b"[]",
    "a huge number": b"1" * 5000,
    "no ceremony": b'{"format": "awards-sealed-annex/1", "context": {"round": "final", '
    b'"season": "2024"}}',
}


@pytest.mark.parametrize("annex", JUNK_ANNEXES.values(), ids=JUNK_ANNEXES.keys())
def test_a_junk_annex_is_a_failure_never_an_exception(files, annex):
    files.sealed()
    files.record["round"]["sealed"]["annex_sha256"] = sha256_hex(annex)
    record = parse_record(canonical_json(files.record))
    assert verify_annex(record, annex)


@pytest.mark.parametrize(
    ("part", "value"),
    [
        ("board", []),
        ("board", {"format": "awards-sealed-board/1", "categories": 5}),
        ("mixes", [[]]),
        ("mixes", [{"format": "awards-sealed-mix/1", "categories": [{"id": 5}]}]),
        ("partials", [5]),
        ("partials", [{"trustee": 10**400}]),
    ],
)
def test_a_malformed_part_of_the_annex_is_named(files, part, value):
    files.annex[part] = value
    assert files.failures()


def test_replaced_entries_on_the_board_of_a_round_without_a_booth(files, run):
    """Only a booth round replaces casts (issue 13): a plain round's board that moves one of
    its entries to a `replaced` list would count it for nothing."""
    approval = files.board_category("approval")
    approval["replaced"] = [approval["entries"].pop()]
    approval["replaced_merkle_root"] = board_root("approval", approval["replaced"])
    approval["no_opinion"] = {}
    files.reroot("approval")
    files.remake(run)
    assert (
        "board",
        "a booth round's board, and only one, lists the replaced entries",
    ) in files.failures(plain_checks_pass=False)
