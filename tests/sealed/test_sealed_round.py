"""A sealed round through the product, end to end: staff name three trustees (any two decrypt),
the trustees run their key ceremony with the trustee command on files the round page gives
them, jurors vote, the close seals the encrypted box, two trustees check and decrypt it, staff
count, and the auditor's verifier checks the record against the annex. On the way: the box
never holds a plaintext ballot, and the results are those a plain count of the same ballots
gives."""

import hashlib
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from awards.models import Ballot, Round
from ballots.cli import main as ballots_main
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, juror_login, run_db

PASSPHRASE = "correct horse battery staple"
METHODS = ("approval", "borda", "irv", "schulze", "score_mean", "score_trimmed_mean")


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("AWARDS_TRUSTEE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("AWARDS_TRUSTEE_KEY_COST", "interactive")  # tests only: a faster argon2id


def trustee(*args: str) -> None:
    assert ballots_main(["trustee", *args]) == 0


def download(staff: Browser, path: str, to: Path) -> Path:
    response = staff.get(path)
    assert response.status_code == 200, response.text[-300:]
    to.write_bytes(response.content)
    return to


def upload(staff: Browser, round_id: int, document: Path) -> str:
    response = staff.post(
        f"/staff/rounds/{round_id}/trustees/documents", {"text": document.read_text()}
    )
    assert response.status_code == 303, response.text[-500:]
    return staff.get(response.headers["location"]).text


def ceremony(
    staff: Browser,
    round_id: int,
    code: str,
    keys: Path,
    before: Callable[[str], None] = lambda step: None,
) -> None:
    """The three trustees' three steps, each on the ceremony file as it stands (`before` is
    called with each step's name first)."""
    for step in ("begin", "deal", "accept"):
        before(step)
        bundle = download(
            staff, f"/staff/rounds/{round_id}/trustees/ceremony.json", keys / "ceremony.json"
        )
        for n in (1, 2, 3):
            out = keys / f"{step}-{n}.json"
            extra = ["--trustee", str(n)] if step == "begin" else []
            trustee(
                step,
                "--ceremony",
                str(bundle),
                *extra,
                "--key",
                str(keys / f"t{n}.key"),
                "--out",
                str(out),
            )
            upload(staff, round_id, out)


def vote(client, election, round_id: int) -> dict[str, str]:
    """Every juror votes; every tracker given, with its receipt, the first juror's first."""
    receipts: dict[str, str] = {}
    for index, email in enumerate(election.emails):
        browser = Browser(client)
        browser.client.cookies.clear()
        juror_login(browser, email)
        page = browser.get(f"/juror/rounds/{round_id}/ballot").text
        form: dict = {}
        for method, category in election.categories.items():
            if method == "approval":
                keys = sorted(re.findall(rf'name="c{category}" value="(n\d+)"', page))
                form[f"c{category}"] = keys[index % len(keys) :][:1]
            else:
                keys = sorted(re.findall(rf'name="c{category}\.(n\d+)"', page))
                for rank, key in enumerate(keys[index % len(keys) :] + keys[: index % len(keys)]):
                    form[f"c{category}.{key}"] = str(rank + 1)
        response = browser.post(f"/juror/rounds/{round_id}/cast", form)
        assert response.status_code == 200, response.text[-500:]
        shown = re.findall(
            r'<code class="tracker">([0-9a-f]{32})</code></td><td[^>]*><code class="receipt">'
            r"([0-9a-f]{32})</code>",
            response.text,
        )
        assert len(shown) == len(election.categories)
        receipts.update(shown)
    return receipts


def test_a_sealed_round_from_its_trustees_to_a_verified_record(
    staff, staff_user, client, second_browser, settings, tmp_path, passphrase
):
    election = build_election(settings, jurors=4, methods=METHODS, open_round=False)
    round_id = election.round_id
    response = staff.post(
        f"/staff/rounds/{round_id}/trustees",
        {"names": "张三\n李四\n王五", "threshold": "2"},
    )
    assert response.status_code == 303
    keys = tmp_path / "keys"
    keys.mkdir()
    ceremony(staff, round_id, "final", keys)
    sealed = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    assert sealed.key_fingerprint
    assert sealed.election_key
    assert staff.post(f"/staff/rounds/{round_id}/open", {"confirm": "yes"}).status_code == 303
    receipts = vote(client, election, round_id)
    assert len(receipts) == 4 * len(METHODS)
    tracker = next(iter(receipts))

    async def box(session):
        return (await session.scalars(select(Ballot.content))).all()

    stored = run_db(settings, box, write=False)
    assert len(stored) == 4 * len(METHODS)
    for content in stored:  # only ciphertexts and proofs: no choice, no nominee key, no score
        assert set(json.loads(content)) == {"ballot", "proof"}
        assert not re.search(r"approve|ranking|scores|abstain|\"n\d+\"", content)

    staff.login(staff_user, STAFF_PASSWORD)  # the jurors logged in on the same client
    assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
    counting = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    assert counting.state == "counting"
    assert counting.record_file is None
    public = second_browser.client  # anyone: the manifest names the key and seals the board
    page = public.get(f"/rounds/{round_id}").text
    assert counting.key_fingerprint in page
    assert counting.board_sha256 in page
    board = public.get(f"/rounds/{round_id}/board.json")
    assert hashlib.sha256(board.content).hexdigest() == counting.board_sha256
    box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", tmp_path / "box.json")
    for n in (3, 1):  # any two of the three
        trustee(
            "decrypt",
            "--box",
            str(box),
            "--key",
            str(keys / f"t{n}.key"),
            "--out",
            str(tmp_path / f"partial-{n}.json"),
        )
        upload(staff, round_id, tmp_path / f"partial-{n}.json")
    assert staff.post(f"/staff/rounds/{round_id}/count", {"confirm": "yes"}).status_code == 303

    counted = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    assert counted.state == "closed"
    stem = settings.records_dir / counted.record_file
    record, results, annex = (
        Path(f"{stem}.{kind}.json") for kind in ("record", "results", "annex")
    )
    assert (
        ballots_main(
            ["verify", "--record", str(record), "--results", str(results), "--annex", str(annex)]
        )
        == 0
    )
    assert staff.post(f"/staff/rounds/{round_id}/publish", {"confirm": "yes"}).status_code == 303
    found = public.get(f"/rounds/{round_id}/results", params={"tracker": tracker}).text
    assert receipts[tracker] in found  # the board shows the receipt the juror was given
    assert tracker not in record.read_text()  # the board's trackers are not the record's
    document = json.loads(record.read_bytes())
    assert document["round"]["sealed"]["decrypted_by"] == [1, 3]
    for category in document["categories"]:
        assert len(category["ballots"]) == 4
        assert all(b["content"] != {"abstain": True} for b in category["ballots"])
