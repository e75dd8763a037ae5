"""The results file's seal (its SHA-256, published at close) must not let anyone who holds only
public data search a withheld category's ballots: the results carry a salt derived from the
whole record, with the random trackers the public record withholds (found in review)."""

import hashlib
import itertools
import json
import secrets

from ballots.canonical import canonical_json
from ballots.cli import main
from ballots.public import public_document, verify_with_public
from ballots.record import parse_record, results_salt
from ballots.tally import count, results_bytes
from ballots.verify import Check, verify
from tests.results import sample


def _withheld_round(secret: dict) -> list[dict]:
    cats = [
        sample.category("open", "approval", ["x", "y"], [{"approve": ["x"]}] * 5, max_choices=1),
        sample.category("small", "borda", ["a", "b", "c"], [secret], disclosure="counts"),
    ]
    # As the service makes them: 128 random bits, which the public record shows only at the
    # levels `full` and `counts` (not for the small category, below the small-jury threshold).
    for ballot in (b for c in cats for b in c["ballots"]):
        ballot["tracker"] = secrets.token_hex(16)
    return cats


def test_withheld_one_ballot_borda_is_not_recovered_from_results_sha256():
    secret = {"ranking": ["c", "a", "b"]}  # one juror's ballot: shown as `winners` only
    cats = _withheld_round(secret)
    record = parse_record(sample.record_bytes(cats))
    public = json.loads(public_document(record, results_bytes(record), threshold=5))
    small = public["categories"][1]
    assert small["shown"] == "winners"
    assert "ballots" not in small
    assert "trackers" not in small

    # The attacker: only the public record. Rebuild a record whose withheld category holds a
    # guessed ballot (under a tracker of the attacker's choosing: the real one is withheld),
    # count it, put in the published record_sha256, and compare the results' hash.
    found = []
    for n in range(1, 4):
        for guess in itertools.permutations(["a", "b", "c"], n):
            guessed = [
                cats[0],
                sample.category(
                    "small", "borda", ["a", "b", "c"], [{"ranking": [*guess]}], disclosure="counts"
                ),
            ]
            results = count(parse_record(sample.record_bytes(guessed)))
            results["record_sha256"] = public["record_sha256"]
            data = canonical_json(results)
            if hashlib.sha256(data).hexdigest() == public["results_sha256"]:
                found.append(list(guess))
    assert found == [], f"the withheld ballot is recovered: {found}"


def test_the_salt_is_the_record_files_hash_under_its_own_prefix():
    data = sample.record_bytes(_withheld_round({"ranking": ["a"]}))
    results = json.loads(results_bytes(parse_record(data)))
    want = hashlib.sha256(b"awards-results-salt/1\n" + data).hexdigest()
    assert results["salt"] == want == results_salt(data)
    assert results["format"] == "awards-results/2"


def test_the_tally_is_deterministic(tmp_path):
    """Same record, same results bytes: from the function and from `python -m ballots tally`,
    run twice."""
    data = sample.record_bytes(_withheld_round({"ranking": ["b", "a"]}))
    record = tmp_path / "record.json"
    record.write_bytes(data)
    written = []
    for name in ("one.json", "two.json"):
        assert main(["tally", "--record", str(record), "--out", str(tmp_path / name)]) == 0
        written.append((tmp_path / name).read_bytes())
    assert written[0] == written[1] == results_bytes(parse_record(data))


def test_verify_detects_an_edited_or_missing_salt():
    data = sample.record_bytes(_withheld_round({"ranking": ["b", "a"]}))
    results = json.loads(results_bytes(parse_record(data)))
    assert verify(data, canonical_json(results)) == []
    for salt in ("0" * 64, results["salt"].upper(), 7, None):
        edited = {**results, "salt": salt}
        failures = verify(data, canonical_json(edited))
        assert [(f.where, f.check) for f in failures] == [("results", Check.SALT)], salt
        assert "salt" in failures[0].detail
    del results["salt"]
    assert [f.check for f in verify(data, canonical_json(results))] == [Check.SALT]


def test_the_public_record_carries_no_salt_and_still_checks_against_its_results():
    data = sample.record_bytes(_withheld_round({"ranking": ["c"]}))
    results = results_bytes(parse_record(data))
    public = public_document(parse_record(data), results, threshold=5)
    salt = json.loads(results)["salt"]
    assert salt.encode() not in public
    assert verify_with_public(data, results, public) == []
