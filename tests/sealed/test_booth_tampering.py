"""The booth against those who would cheat it (issue 13), in the style of the annex's campaign
(`test_annex_tampering`): each test is one attack, refused with the check that refuses it named.

At the service, a juror (or whoever holds a juror's login) sends what an honest booth never
would: another juror's ciphertext, a proof made for another category or without the juror's
recusals, an entry of the wrong width, a 21st cast, a cast after the close, junk; and a
plaintext ballot, which a booth round never takes. Nothing is stored, and nothing is a 5xx.

The verifier's side is `test_booth_board_tampering`; the last test here is what a server
that serves the booth could still do unseen (the review's).
"""

import pytest
from sqlalchemy import select

from awards.models import Ballot
from ballots.sealed.board import seal
from ballots.sealed.challenge import FORMAT, check_challenge, layout_document
from ballots.sealed.encoding import encode, layout
from ballots.sealed.group import Point
from tests.conftest import STAFF_PASSWORD
from tests.factories import run_db
from tests.sealed import booth_client
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
    assert "这张加密选票有 1 个部分" in response.json()["fields"]["approval"]
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


# What a malicious server could still do ---------------------------------------------------


def test_a_layout_permuted_for_one_juror_is_caught_by_the_challenge_against_the_rounds_layout():
    """The review's first finding: the booth takes each category's layout (its nominees' order)
    from the server's booth definition, and the challenge carries that layout back. Served with
    two nominees swapped, a juror's approval of n1 is the configuration's approval of n2: the
    server takes it (same width, proof holds), and the challenge alone holds and shows n1.
    Against the round's published layout (`--layout`), the same challenge is refused."""
    real = {"method": "approval", "nominees": [{"id": n} for n in ("n1", "n2", "n3")]}
    served = {"method": "approval", "nominees": [{"id": n} for n in ("n2", "n1", "n3")]}
    document = {
        "format": FORMAT,
        "election_key": KEY.hex(),
        "context": CONTEXT,
        "categories": [booth_category("approval", served, [], [], {"approve": ["n1"]})],
    }
    problems, revealed = check_challenge(document)
    assert problems == []  # alone, the challenge cannot tell
    assert revealed == {"approval": {"approve": ["n1"]}}
    assert encode(layout(served), {"approve": ["n1"]}) == encode(layout(real), {"approve": ["n2"]})
    published = layout_document(CONTEXT, KEY.hex(), "ab" * 32, [("approval", real, [])])
    problems, _revealed = check_challenge(document, published)
    assert problems == ["approval: its nominees, their order or its settings are not the round's"]
    other_key = layout_document(CONTEXT, "02" + "11" * 32, "ab" * 32, [("approval", served, [])])
    assert check_challenge(document, other_key)[0] == ["the election key is not the round's"]
    isolated = layout_document(CONTEXT, KEY.hex(), "ab" * 32, [("approval", served, ["n3"])])
    assert check_challenge(document, isolated)[0] == [
        "approval: its isolated nominees are not the round's"
    ]
