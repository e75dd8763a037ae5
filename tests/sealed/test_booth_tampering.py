"""The booth against those who would cheat it (issue 13), in the style of the annex's campaign
(`test_annex_tampering`): each test is one attack, refused with the check that refuses it named.

At the service, a juror (or whoever holds a juror's login) sends what an honest booth never
would: another juror's ciphertext, a proof made for another category or without the juror's
recusals, an entry of the wrong width, a 21st cast, a cast after the close, junk; and a
plaintext ballot, which a booth round never takes. Nothing is stored, and nothing is a 5xx.

At the verifier, the server edits the board and annex of a counted booth round (`sealed_run`
with `booth`: one juror replaced a cast, two are recused), remakes every hash and, where it
can, the mixes and decryptions; `python -m ballots verify --annex` names what it changed.
"""

import copy
import json
from collections import Counter

import pytest
from sqlalchemy import select

from awards.models import Ballot
from ballots.cli import main as ballots_main
from ballots.sealed import annex
from ballots.sealed.annex import layouts
from ballots.sealed.board import board_root, seal
from ballots.sealed.ceremony import check_ceremony
from ballots.sealed.challenge import FORMAT, check_challenge
from ballots.sealed.encoding import encode, layout
from ballots.sealed.group import Point
from tests.conftest import STAFF_PASSWORD
from tests.factories import run_db
from tests.sealed import booth_client
from tests.sealed.sealed_run import SealedRun, sealed_run
from tests.sealed.tamper import Files
from tests.sealed.test_booth_round import booth_round, contents, juror
from tests.sealed.test_challenge import CONTEXT, KEY, booth_category
from tests.sealed.test_sealed_round import passphrase

__all__ = ["passphrase"]  # the fixture, used by name

# The words of each refusal (zh_CN, the default locale).
NOT_YOURS = "追踪码不是你的"
NO_PROOF = "证明不成立"
RECUSALS = "回避项与你的回避不符"
UNREADABLE = "无法读取这张加密选票"
TOO_MANY = "不能再改了"
BOOTH_ONLY = "请在选票页面投票"


def stored(settings) -> list[str]:
    return run_db(settings, lambda s: s.scalars(select(Ballot.tracker)), write=False).all()


def send(browser, round_id: int, ballots) -> object:
    return browser.client.post(
        f"/api/rounds/{round_id}/booth",
        json={"ballots": ballots},
        headers={"x-csrftoken": browser.csrf()},
    )


def reseal(found, code: str, content, **changes):
    """The category's entry sealed afresh (a valid proof) with some of its inputs changed:
    `category` (the proof's), `isolated` (the layout's), `recused`, `tracker`."""
    category = next(c for c in found["categories"] if c["id"] == code)
    lay = layout(category["entry"], changes.get("isolated", category["isolated"]))
    return seal(
        Point.from_hex(found["election_key"]),
        lay,
        content,
        found["context"],
        changes.get("category", code),
        changes.get("tracker", category["tracker"]),
        recused=changes.get("recused", category["recused"]),
    ).to_json()


@pytest.fixture
def booth(staff, settings, tmp_path, passphrase):
    election, _keys = booth_round(staff, settings, tmp_path, jurors=3)
    return election


# At the service ---------------------------------------------------------------------------


def test_a_whole_entry_replayed_from_another_juror(booth, client, second_browser, settings):
    victim, caster = juror(second_browser.client, booth, 1), juror(client, booth, 2)
    theirs = booth_client.encrypt(
        booth_client.definition(victim, booth.round_id), contents(booth, 0, 0, 5)
    )
    response = send(caster, booth.round_id, {"approval": theirs["approval"], **theirs})
    assert response.status_code == 422, response.text
    assert set(response.json()["fields"]) == {"approval", "borda", "score-mean"}
    assert NOT_YOURS in response.json()["fields"]["approval"]
    assert stored(settings) == []


def test_a_ciphertext_and_proof_replayed_under_the_jurors_own_tracker(
    booth, client, second_browser, settings
):
    victim, caster = juror(second_browser.client, booth, 1), juror(client, booth, 2)
    theirs = booth_client.encrypt(
        booth_client.definition(victim, booth.round_id), contents(booth, 0, 0, 5)
    )
    ours = booth_client.encrypt(
        booth_client.definition(caster, booth.round_id), contents(booth, 1, 1, 1)
    )
    sent = {**ours, "approval": {**theirs["approval"], "tracker": ours["approval"]["tracker"]}}
    response = send(caster, booth.round_id, sent)
    assert response.status_code == 422, response.text
    assert response.json()["fields"] == {"approval": "这张加密选票的证明不成立。"}
    assert stored(settings) == []


def test_a_proof_made_for_another_category(booth, client, settings):
    """The same width, the juror's tracker and recusals: only the category it was proved for
    differs, which the proof binds."""
    caster = juror(client, booth, 2)
    found = booth_client.definition(caster, booth.round_id)
    sent = booth_client.encrypt(found, contents(booth, 0, 0, 5))
    sent["approval"] = reseal(found, "approval", contents(booth, 0, 0, 5)["approval"], category="x")
    response = send(caster, booth.round_id, sent)
    assert response.status_code == 422, response.text
    assert NO_PROOF in response.json()["fields"]["approval"]
    assert stored(settings) == []


@pytest.mark.parametrize(
    ("how", "index"),
    [("dropped", 0), ("added", 2), ("changed", 0)],
)
def test_a_recusal_list_not_the_jurors_with_a_proof_that_holds(booth, client, settings, how, index):
    """The entry is proved afresh under the changed list, so that only the recusal check can
    refuse it: dropped, the recused part would count; added, a vote would be silenced."""
    caster = juror(client, booth, index)
    found = booth_client.definition(caster, booth.round_id)
    sent = booth_client.encrypt(found, contents(booth, 0, 0, 5))
    isolated = next(c for c in found["categories"] if c["id"] == "approval")["isolated"]
    others = [n for n in booth.nominees["approval"] if n not in isolated]
    recused = {"dropped": [], "added": isolated}.get(how, others[:1])
    sent["approval"] = reseal(
        found, "approval", contents(booth, 0, 0, 5)["approval"], recused=recused
    )
    response = send(caster, booth.round_id, sent)
    assert response.status_code == 422, response.text
    assert RECUSALS in response.json()["fields"]["approval"]
    assert stored(settings) == []


def test_an_entry_of_the_wrong_width_with_a_proof_that_holds(booth, client, settings):
    """Sealed under a layout that isolates no one: a part fewer than the category's."""
    caster = juror(client, booth, 2)
    found = booth_client.definition(caster, booth.round_id)
    sent = booth_client.encrypt(found, contents(booth, 0, 0, 5))
    sent["approval"] = reseal(found, "approval", contents(booth, 0, 0, 5)["approval"], isolated=[])
    assert len(sent["approval"]["ballot"]) == 1
    response = send(caster, booth.round_id, sent)
    assert response.status_code == 422, response.text
    assert NO_PROOF in response.json()["fields"]["approval"]
    assert stored(settings) == []


def test_a_21st_cast(booth, client, settings):
    caster = juror(client, booth, 2)
    for k in range(20):
        response = booth_client.cast(caster, booth.round_id, contents(booth, k % 3, 0, 5))
        assert response.status_code == 201, (k, response.text)
    response = booth_client.cast(caster, booth.round_id, contents(booth, 0, 0, 5))
    assert response.status_code == 409, response.text
    assert TOO_MANY in response.json()["error"]
    assert len(stored(settings)) == 20 * 3


def test_an_earlier_cast_sent_again_after_a_later_one(booth, client, settings):
    """A captured cast replayed to bring back the vote the juror changed: its trackers are the
    juror's own but not the next ones, so it is a stale page, not a vote."""
    caster = juror(client, booth, 2)
    first = booth_client.encrypt(
        booth_client.definition(caster, booth.round_id), contents(booth, 0, 0, 5)
    )
    assert send(caster, booth.round_id, first).status_code == 201
    assert booth_client.cast(caster, booth.round_id, contents(booth, 1, 1, 1)).status_code == 201
    response = send(caster, booth.round_id, first)
    assert response.status_code == 409, response.text
    assert "此选票页面已过期" in response.json()["error"]
    assert len(stored(settings)) == 2 * 3


def test_a_cast_after_the_close(booth, client, staff, staff_user, settings):
    caster = juror(client, booth, 2)
    found = booth_client.definition(caster, booth.round_id)
    sealed = booth_client.encrypt(found, contents(booth, 0, 0, 5))
    staff.login(staff_user, STAFF_PASSWORD)
    assert (
        staff.post(f"/staff/rounds/{booth.round_id}/close", {"confirm": "yes"}).status_code == 303
    )
    caster = juror(client, booth, 2)
    response = send(caster, booth.round_id, sealed)
    assert response.status_code == 409, response.text
    assert response.json()["error"] == "本轮投票未开放。"
    assert stored(settings) == []


JUNK = {
    "not JSON": b"{",
    "a list": b"[]",
    "too deep": b'{"ballots": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "a huge number": b'{"ballots": {"approval": ' + b"1" * 5000 + b"}}",
    "a lone surrogate in a code": b'{"ballots": {"\\ud800": {}}}',
    "a lone surrogate in a tracker": b'{"ballots": {"approval": {"tracker": "\\udfff", '
    b'"ballot": [], "proof": {"challenge": "00", "responses": []}}}}',
    "points that are not points": b'{"ballots": {"approval": {"tracker": "ab", "ballot": '
    b'[["zz", "00"]], "proof": {"challenge": "00", "responses": ["00"]}}}}',
    "an unknown field": b'{"ballots": {}, "admin": true}',
    "too many parts": b'{"ballots": {"approval": {"tracker": "ab", "ballot": ['
    + b",".join([b'["02", "02"]'] * 1025)
    + b'], "proof": {"challenge": "00", "responses": []}}}}',
    "a body over the limit": b'{"ballots": {"x": "' + b"a" * (9 * 1024 * 1024) + b'"}}',
}


@pytest.mark.parametrize("body", JUNK.values(), ids=JUNK.keys())
def test_a_junk_body_is_a_4xx_and_stores_nothing(booth, client, settings, body):
    caster = juror(client, booth, 2)
    response = caster.client.post(
        f"/api/rounds/{booth.round_id}/booth",
        content=body,
        headers={"x-csrftoken": caster.csrf(), "content-type": "application/json"},
    )
    assert 400 <= response.status_code < 500, response.text[-300:]
    assert stored(settings) == []


def test_entries_that_cannot_be_read_are_named(booth, client, settings):
    """Valid JSON of the right shape, whose points are not points: refused by the category."""
    caster = juror(client, booth, 2)
    found = booth_client.definition(caster, booth.round_id)
    sent = booth_client.encrypt(found, contents(booth, 0, 0, 5))
    sent["borda"]["ballot"][0][0] = "02" + "ff" * 32  # x beyond the field
    response = send(caster, booth.round_id, sent)
    assert response.status_code == 422, response.text
    assert response.json()["fields"] == {"borda": "无法读取这张加密选票。"}
    assert stored(settings) == []


def test_a_plaintext_ballot_by_the_api(booth, client, settings):
    caster = juror(client, booth, 2)
    response = caster.client.post(
        f"/api/rounds/{booth.round_id}/cast",
        json={"ballots": contents(booth, 0, 0, 5)},
        headers={"x-csrftoken": caster.csrf()},
    )
    assert response.status_code == 409
    assert BOOTH_ONLY in response.json()["error"]
    assert stored(settings) == []


@pytest.mark.parametrize("step", ["review", "cast"])
def test_a_plaintext_ballot_by_the_form(booth, client, settings, step):
    caster = juror(client, booth, 2)
    page = caster.get(f"/juror/rounds/{booth.round_id}/ballot").text
    assert 'method="dialog"' in page
    category = booth.categories["approval"]
    form = {f"c{category}": [booth.nominees["approval"][0]]}
    response = caster.post(f"/juror/rounds/{booth.round_id}/{step}", form)
    assert response.status_code == 409, response.text[-300:]
    assert BOOTH_ONLY in response.text
    assert stored(settings) == []


# At the verifier --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def run(tmp_path_factory, sqlite_template) -> SealedRun:
    return sealed_run(tmp_path_factory.mktemp("booth"), sqlite_template, booth=True)


@pytest.fixture
def files(run) -> Files:
    return Files.of(run)


def reroot(files: Files, code: str) -> None:
    category = files.board_category(code)
    category["merkle_root"] = board_root(code, category["entries"])
    category["replaced_merkle_root"] = board_root(code, category["replaced"])


def sort(entries: list) -> None:
    entries.sort(key=lambda e: e["tracker"])


def refused(files: Files, tmp_path, capsys, where: str, what: str) -> None:
    """`python -m ballots verify --annex` fails, naming `where` and `what`."""
    for kind, content in zip(("record", "results", "annex"), files.sealed(), strict=True):
        (tmp_path / f"{kind}.json").write_bytes(content)
    argv = [f"--{kind}={tmp_path / kind}.json" for kind in ("record", "results", "annex")]
    assert ballots_main(["verify", *argv]) == 1
    err = capsys.readouterr().err
    assert where in err, err
    assert what in err, err


def test_the_untouched_booth_round_verifies(run, files):
    assert files.sealed() == (run.record, run.results, run.annex)
    assert files.failures() == []
    approval = files.board_category("approval")
    assert len(approval["isolated"]) == 2
    assert len(approval["entries"]) == 3
    assert len(approval["replaced"]) == 1
    assert [e for e in approval["entries"] if e.get("recused")]


def test_a_no_opinion_ciphertext_edited(files, tmp_path, capsys):
    """The recused part replaced by something else than the public "no opinion": say the
    encryption of an approval."""
    approval = files.board_category("approval")
    first, second = approval["isolated"]
    approval["no_opinion"][first] = approval["no_opinion"][second]
    refused(
        files,
        tmp_path,
        capsys,
        "board, category approval",
        f"the no-opinion ciphertext of {first} is not the public one",
    )


def test_a_no_opinion_ciphertext_dropped(files, tmp_path, capsys):
    approval = files.board_category("approval")
    recused = next(e for e in approval["entries"] if e.get("recused"))
    del approval["no_opinion"][recused["recused"][0]]
    refused(files, tmp_path, capsys, "board, category approval", "no no-opinion part")


@pytest.mark.parametrize("change", ["dropped", "added", "changed"])
def test_a_recused_list_edited_on_a_board_entry(files, tmp_path, capsys, change):
    approval = files.board_category("approval")
    isolated = approval["isolated"]
    if change == "added":
        entry = next(e for e in approval["entries"] if not e.get("recused"))
        entry["recused"] = isolated[:1]
    else:
        entry = next(e for e in approval["entries"] if e.get("recused"))
        if change == "dropped":
            del entry["recused"]
        else:
            entry["recused"] = [n for n in isolated if n not in entry["recused"]]
    reroot(files, "approval")
    refused(
        files,
        tmp_path,
        capsys,
        "board, category approval",
        f"the proof of entry {entry['tracker']} does not hold",
    )


def test_a_replaced_entry_moved_back_into_the_counted_ones(files, run, tmp_path, capsys):
    """The chain remade from the board that counts it: the record's participants tell."""
    approval = files.board_category("approval")
    approval["entries"].append(approval["replaced"].pop())
    sort(approval["entries"])
    reroot(files, "approval")
    files.remake(run)
    refused(
        files,
        tmp_path,
        capsys,
        "category approval",
        "participants differ from the ballots on the board",
    )


def test_a_counted_entry_moved_to_the_replaced(files, run, tmp_path, capsys):
    approval = files.board_category("approval")
    approval["replaced"].append(approval["entries"].pop(0))
    sort(approval["replaced"])
    reroot(files, "approval")
    files.remake(run)
    refused(
        files,
        tmp_path,
        capsys,
        "category approval",
        "participants differ from the ballots on the board",
    )


def test_an_entry_in_both_lists(files, tmp_path, capsys):
    approval = files.board_category("approval")
    approval["replaced"].append(copy.deepcopy(approval["entries"][0]))
    sort(approval["replaced"])
    reroot(files, "approval")
    refused(files, tmp_path, capsys, "board, category approval", "both counted and replaced")


def test_the_replaced_merkle_root_edited(files, tmp_path, capsys):
    files.board_category("score-mean")["replaced_merkle_root"] = "0" * 64
    refused(
        files,
        tmp_path,
        capsys,
        "board, category score-mean",
        "the Merkle root of replaced is not that of its entries",
    )


def fresh(files: Files, code: str, content: dict, tracker: str) -> dict:
    bundle = files.annex["ceremony"]
    phases = (bundle["commitments"], bundle["shares"], bundle["confirmations"])
    key = check_ceremony(files.context, *phases).election_key
    lay = layouts(files.record["config"], files.annex["board"])[code]
    return seal(key, lay, content, files.context, code, tracker).to_json()


def test_an_entry_injected_into_the_counted_ones(files, run, tmp_path, capsys):
    approval = files.board_category("approval")
    approval["entries"].append(
        fresh(files, "approval", {"approve": [approval["isolated"][0]]}, "f" * 32)
    )
    reroot(files, "approval")
    files.remake(run)
    refused(
        files,
        tmp_path,
        capsys,
        "category approval",
        "participants differ from the ballots on the board",
    )


def test_the_isolated_nominees_reordered_on_the_board(files, run, tmp_path, capsys, monkeypatch):
    """The layout puts isolated parts in the configuration's order, whatever the board's list,
    but the replacement of a recused part took its place from the board's list. Reversed, each
    recused juror's approval of the other isolated nominee was replaced and the recused part
    counted instead: votes removed by the server, every proof holding and the verifier
    satisfied (a defect of issue 13). The attacker's chain is remade by a checker without the
    order check (the verifier's before the fix); the verifier now refuses the board."""
    approval = files.board_category("approval")
    recused, other = approval["isolated"]
    assert approvals(files) == {other: 2, recused: 1}
    approval["isolated"].reverse()
    with monkeypatch.context() as patched:
        patched.setattr(annex, "layouts", unchecked_layouts)
        files.remake(run)
    assert approvals(files) == {other: 1}  # each recused juror's approval replaced
    refused(files, tmp_path, capsys, "board, category approval", "configuration's order")


def unchecked_layouts(config, board):
    isolated = {c["id"]: c["isolated"] for c in board["categories"]}
    return {c["id"]: layout(c, isolated[c["id"]]) for c in config["categories"]}


def approvals(files: Files) -> Counter:
    ballots = files.category("approval")["ballots"]
    return Counter(n for b in ballots for n in b["content"].get("approve", []))


def test_a_swap_of_a_jurors_counted_and_replaced_cast_goes_unseen(files, run):
    """Known limit, not a defect the verifier can catch: which of a juror's casts is the latest
    is known only to whoever holds the server's secret. A server that counts the earlier one
    passes every check; the juror sees it on the board (the latest receipt listed as replaced,
    `awards.trustees.board`)."""
    approval = files.board_category("approval")
    before = files.category("approval")["ballots"]
    old = approval["replaced"].pop()
    index = next(
        i
        for i, e in enumerate(approval["entries"])
        if not e.get("recused") and json.dumps(e) != json.dumps(old)
    )
    approval["replaced"].append(approval["entries"].pop(index))
    approval["entries"].append(old)
    sort(approval["entries"])
    reroot(files, "approval")
    files.remake(run)
    assert files.failures() == []
    assert files.category("approval")["ballots"] != before


def test_an_entry_injected_into_the_replaced_ones_goes_unseen(files, run):
    """Known limit: a replaced entry counts for nothing, and no one but the server can tell
    whose earlier cast it was; an injected one changes no count."""
    approval = files.board_category("approval")
    approval["replaced"].append(fresh(files, "approval", {"abstain": True}, "0" * 32))
    sort(approval["replaced"])
    reroot(files, "approval")
    files.remake(run)
    assert files.failures() == []


# What a malicious server could still do ---------------------------------------------------


def test_a_layout_permuted_for_one_juror_passes_the_challenge_and_moves_the_vote():
    """Known gap (the review's first finding): the booth takes each category's layout (its
    nominees' order) from the server's booth definition, and the challenge document carries
    that same layout back, so the checker cannot tell it from the round's. Served with two
    nominees swapped, a juror's approval of n1 is the configuration's approval of n2: the
    server takes it (same width, proof holds), the challenge holds and shows n1."""
    real = {"method": "approval", "nominees": [{"id": n} for n in ("n1", "n2", "n3")]}
    served = {"method": "approval", "nominees": [{"id": n} for n in ("n2", "n1", "n3")]}
    document = {
        "format": FORMAT,
        "election_key": KEY.hex(),
        "context": CONTEXT,
        "categories": [booth_category("approval", served, [], [], {"approve": ["n1"]})],
    }
    problems, revealed = check_challenge(document)
    assert problems == []
    assert revealed == {"approval": {"approve": ["n1"]}}
    counted = encode(layout(real), {"approve": ["n2"]})
    assert encode(layout(served), {"approve": ["n1"]}) == counted
    assert layout(served).width == layout(real).width


def test_the_replaced_lists_dropped_from_a_booth_board(files, run, tmp_path, capsys):
    """A board without its replaced entries reads as a plain round's: the jurors' earlier casts
    vanish, and with them what a juror looks for who finds a tracker missing. The record says
    the round is a booth round (its booth's hash): its board lists them."""
    for category in files.annex["board"]["categories"]:
        del category["replaced"], category["replaced_merkle_root"]
    files.remake(run)
    refused(
        files, tmp_path, capsys, "board", "a booth round's board, and only one, lists the replaced"
    )
