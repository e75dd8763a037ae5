"""A booth round through the product: the jurors' browsers encrypt (played here by
`booth_client`, in the browser's format), the server checks what it can without reading a
vote, a juror recused from one nominee has that part replaced by the public "no opinion"
ciphertext, a juror changes their vote and only the latest counts, and the auditor's verifier
checks the lot, the replaced entries and the replacements included."""

import hashlib
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from awards.jury import conflicts
from awards.models import Ballot, Juror, Round
from awards.models.base import utcnow
from awards.voting import opening
from awards.voting.rounds import nominee_id_of
from ballots.cli import main as ballots_main
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, juror_login, run_db
from tests.sealed import booth_client
from tests.sealed.test_sealed_round import ceremony, download, passphrase, trustee, upload

__all__ = ["passphrase"]  # the fixture, used by name

METHODS = ("approval", "borda", "score_mean")


def booth_round(staff, settings, tmp_path, jurors=4):
    """A booth round of three categories, open, its first juror recused from one nominee of the
    approval and one of the score category; and the trustees' key files."""
    election = build_election(settings, jurors=jurors, methods=METHODS, open_round=False)
    round_id = election.round_id
    response = staff.post(
        f"/staff/rounds/{round_id}/trustees",
        {"names": "张三\n李四\n王五", "threshold": "2", "booth": "on"},
    )
    assert response.status_code == 303
    keys = tmp_path / "keys"
    keys.mkdir()
    ceremony(staff, round_id, "final", keys)

    async def recuse_and_open(s):
        juror = await s.get(Juror, election.juror_ids[0])
        for method, index in (("approval", 1), ("score_mean", 2)):
            nominee = nominee_id_of(election.nominees[method][index])
            await conflicts.decide(s, juror, nominee, True, "出品方员工", "", "t")
        await opening.open_round(s, await s.get(Round, round_id), utcnow(), "test")

    run_db(settings, recuse_and_open)
    return election, keys


def juror(client, election, index) -> Browser:
    browser = Browser(client)
    browser.client.cookies.clear()
    juror_login(browser, election.emails[index])
    return browser


def contents(election, approve: int, first: int, score: int) -> dict[str, dict]:
    n = election.nominees
    return {
        "approval": {"approve": [n["approval"][approve]]},
        "borda": {"ranking": [n["borda"][first], n["borda"][(first + 1) % 3]]},
        "score-mean": {"scores": {n["score_mean"][0]: score}},
    }


def test_a_booth_round_counts_each_jurors_latest_ballot_with_recusals_replaced(
    staff, staff_user, client, second_browser, settings, tmp_path, passphrase, capsys
):
    election, keys = booth_round(staff, settings, tmp_path)
    round_id = election.round_id
    first = juror(client, election, 0)
    found = booth_client.definition(first, round_id)
    by_code = {c["id"]: c for c in found["categories"]}
    n = election.nominees
    assert by_code["approval"]["recused"] == [n["approval"][1]]
    assert by_code["score-mean"]["recused"] == [n["score_mean"][2]]
    assert by_code["borda"]["recused"] == []  # a ranked category: recused whole, not in the sheet
    assert found["booth_sha256"]
    cast = booth_client.cast(first, round_id, contents(election, 0, 0, 9))
    assert cast.status_code == 201, cast.text
    # The second juror votes, then changes their mind: the latest ballot counts.
    second = juror(client, election, 1)
    before = booth_client.cast(second, round_id, contents(election, 2, 2, 3))
    assert before.status_code == 201, before.text
    assert second.get(f"/juror/rounds/{round_id}/ballot").status_code == 200  # not "voted"
    after = booth_client.cast(second, round_id, contents(election, 0, 1, 8))
    assert after.status_code == 201, after.text
    replaced = before.json()["trackers"]
    assert set(replaced.values()).isdisjoint(after.json()["trackers"].values())
    third = juror(client, election, 2)
    assert booth_client.cast(third, round_id, contents(election, 0, 0, 7)).status_code == 201

    stored = run_db(settings, lambda s: s.scalars(select(Ballot.content)), write=False)
    listed = list(stored)
    assert len(listed) == 4 * 3  # every cast is kept until the close
    for content in listed:  # ciphertexts, proofs and recusals: no choice, no score
        assert set(json.loads(content)) <= {"ballot", "proof", "recused"}
        assert not re.search(r"approve|ranking|scores|abstain", content)

    staff.login(staff_user, STAFF_PASSWORD)
    assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
    board = second_browser.client.get(f"/rounds/{round_id}/board.json").json()
    for category in board["categories"]:
        assert len(category["entries"]) == 3
        assert [e["tracker"] for e in category["replaced"]] == [replaced[category["id"]]]
        assert set(category["no_opinion"]) == set(category["isolated"])
    box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", tmp_path / "box.json")
    for t in (2, 3):
        out = tmp_path / f"partial-{t}.json"
        trustee("decrypt", "--box", str(box), "--key", str(keys / f"t{t}.key"), "--out", str(out))
        upload(staff, round_id, out)
    # The trustee is told of the casts replaced (one juror's first ballot, three categories).
    assert "3 earlier casts on the board were replaced" in capsys.readouterr().out
    assert staff.post(f"/staff/rounds/{round_id}/count", {"confirm": "yes"}).status_code == 303
    counted = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    stem = settings.records_dir / counted.record_file
    record, results, annex = (Path(f"{stem}.{k}.json") for k in ("record", "results", "annex"))
    assert (
        ballots_main(
            ["verify", "--record", str(record), "--results", str(results), "--annex", str(annex)]
        )
        == 0
    )
    document = json.loads(record.read_bytes())
    assert document["round"]["sealed"]["booth_sha256"] == counted.booth_sha256
    ballots = {c["id"]: [b["content"] for b in c["ballots"]] for c in document["categories"]}
    approvals = Counter(a for c in ballots["approval"] for a in c["approve"])
    assert approvals == {n["approval"][0]: 3}  # the second juror's first choice (2) replaced
    scores = sorted(c["scores"][n["score_mean"][0]] for c in ballots["score-mean"])
    assert scores == [7, 8, 9]
    assert staff.post(f"/staff/rounds/{round_id}/publish", {"confirm": "yes"}).status_code == 303
    page = second_browser.client.get(
        f"/rounds/{round_id}/results", params={"tracker": replaced["approval"]}
    ).text
    assert "不计票" in page or "未计入" in page or "没有计票" in page


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        # Another juror's ciphertext and proof under this juror's tracker: the proof is bound
        # to the tracker it was made for.
        ("copied", "证明不成立"),
        # The proof of another category's ballot.
        ("other_category", "个部分"),
        # A recused juror's ballot that no longer names the recusal (its part would count).
        ("recusal_dropped", "回避"),
    ],
)
def test_the_server_refuses_an_entry_it_can_check_is_wrong(
    staff, client, second_browser, settings, tmp_path, passphrase, tamper, words
):
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    round_id = election.round_id
    victim, caster = juror(second_browser.client, election, 1), juror(client, election, 0)
    theirs = booth_client.encrypt(
        booth_client.definition(victim, round_id), contents(election, 0, 0, 5)
    )
    ours = booth_client.encrypt(
        booth_client.definition(caster, round_id), contents(election, 0, 0, 5)
    )
    if tamper == "copied":
        sent = {
            c: {**theirs[c], "tracker": e["tracker"], "recused": e.get("recused", [])}
            for c, e in ours.items()
        }
        sent = {c: {k: v for k, v in e.items() if v != []} for c, e in sent.items()}
    elif tamper == "other_category":
        sent = {**ours, "borda": {**ours["approval"], "tracker": ours["borda"]["tracker"]}}
        sent["borda"].pop("recused", None)
    else:
        sent = {**ours, "approval": {k: v for k, v in ours["approval"].items() if k != "recused"}}
    response = caster.client.post(
        f"/api/rounds/{round_id}/booth",
        json={"ballots": sent},
        headers={"x-csrftoken": caster.csrf()},
    )
    assert response.status_code == 422, response.text
    assert words in json.dumps(response.json(), ensure_ascii=False)
    assert run_db(settings, lambda s: s.scalars(select(Ballot.tracker)), write=False).all() == []


def test_a_whole_entry_replayed_from_another_juror_is_refused(
    staff, client, second_browser, settings, tmp_path, passphrase
):
    """Another juror's entries exactly as their booth made them (neither juror is recused):
    every proof holds, but for the other juror's trackers."""
    election, _keys = booth_round(staff, settings, tmp_path, jurors=3)
    round_id = election.round_id
    victim, caster = juror(second_browser.client, election, 1), juror(client, election, 2)
    entries = booth_client.encrypt(
        booth_client.definition(victim, round_id), contents(election, 0, 0, 5)
    )
    response = caster.client.post(
        f"/api/rounds/{round_id}/booth",
        json={"ballots": entries},
        headers={"x-csrftoken": caster.csrf()},
    )
    assert response.status_code == 422, response.text
    assert set(response.json()["fields"]) == {"approval", "borda", "score-mean"}
    assert "追踪码" in response.text
    assert run_db(settings, lambda s: s.scalars(select(Ballot.tracker)), write=False).all() == []


def test_a_plaintext_ballot_is_refused_in_a_booth_round(
    staff, client, settings, tmp_path, passphrase
):
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    caster = juror(client, election, 0)
    response = caster.client.post(
        f"/api/rounds/{election.round_id}/cast",
        json={"ballots": {c: v for c, v in contents(election, 0, 0, 5).items()}},
        headers={"x-csrftoken": caster.csrf()},
    )
    assert response.status_code == 409
    # Nor is a plaintext form read and shown back (the page's way back from a review).
    approval = election.categories["approval"]
    form = {f"c{approval}": [election.nominees["approval"][0]]}
    echoed = caster.post(f"/juror/rounds/{election.round_id}/ballot", form)
    assert echoed.status_code == 409
    assert election.nominees["approval"][0] not in echoed.text
    assert run_db(settings, lambda s: s.scalars(select(Ballot.tracker)), write=False).all() == []


def test_the_booth_layout_is_public_and_every_jurors_booth_is_given_it(
    staff, client, second_browser, settings, tmp_path, passphrase
):
    """The layout a challenge is checked against: one file for everyone, from opening, and the
    very layout each juror's booth definition gives (recusals aside, which are the juror's)."""
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    served = second_browser.client.get(f"/rounds/{election.round_id}/booth.json")
    published = served.json()
    assert published["format"] == "awards-booth-layout/1"
    page = second_browser.client.get(f"/rounds/{election.round_id}").text
    assert f'<code id="layout-sha256">{hashlib.sha256(served.content).hexdigest()}</code>' in page
    assert published["election_key"] in page
    assert published["config_sha256"] in page
    for index in (0, 1):
        found = booth_client.definition(juror(client, election, index), election.round_id)
        assert found["election_key"] == published["election_key"]
        assert [
            {"id": c["id"], "entry": c["entry"], "isolated": c["isolated"]}
            for c in found["categories"]
        ] == published["categories"]
    plain = build_election(settings, jurors=1, season_code="2025")
    assert second_browser.client.get(f"/rounds/{plain.round_id}/booth.json").status_code == 404


def test_the_booth_code_hash_is_on_the_manifest_and_matches_the_files_served(
    staff, client, second_browser, settings, tmp_path, passphrase
):
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    page = second_browser.client.get(f"/rounds/{election.round_id}").text
    published = re.search(r'<code id="booth-sha256">([0-9a-f]{64})</code>', page)[1]
    files = dict(
        re.findall(r'<a href="/static/([^"]+)">[^<]+</a> <code>([0-9a-f]{64})</code>', page)
    )
    assert len(files) >= 4
    for path, digest in files.items():
        served = second_browser.client.get(f"/static/{path}").content
        assert hashlib.sha256(served).hexdigest() == digest
    listing = {"format": "awards-booth-code/1", "files": files}
    from ballots.canonical import canonical_json

    assert hashlib.sha256(canonical_json(listing)).hexdigest() == published
