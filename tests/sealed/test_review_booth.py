"""The second review of the booth (issue 13): what a cheating booth, or a server that serves
one, could still get past the juror's challenge, and a plaintext ballot read before it is
refused."""

import json
from pathlib import Path

import pytest

from awards.models import Round
from ballots.cli import main
from ballots.cli import main as ballots_main
from ballots.sealed.board import BALLOT_DOMAIN, Entry, entry_context
from ballots.sealed.challenge import FORMAT, check_challenge
from ballots.sealed.elgamal import Ciphertext, vector_to_json
from ballots.sealed.encoding import layout
from ballots.sealed.group import Point, base, random_scalar
from ballots.sealed.proofs import prove_knowledge_all
from tests.conftest import STAFF_PASSWORD
from tests.factories import run_db
from tests.pages_in_chromium import DESK, chromium, needs_chromium
from tests.sealed import booth_client
from tests.sealed.test_booth_in_chromium import encrypt, fill, open_ballot
from tests.sealed.test_booth_round import booth_round, contents, juror
from tests.sealed.test_booth_tampering import BOOTH_ONLY, booth, stored
from tests.sealed.test_challenge import APPROVAL, CONTEXT, KEY, booth_category
from tests.sealed.test_sealed_round import download, passphrase, trustee, upload
from tests.server import Server

__all__ = ["booth", "passphrase"]  # the fixtures, used by name


def challenge(*categories) -> dict:
    return {
        "format": FORMAT,
        "election_key": KEY.hex(),
        "context": CONTEXT,
        "categories": list(categories),
    }


def test_the_command_prints_each_categorys_receipt(tmp_path, capsys):
    """Benaloh's challenge binds the booth only if the opened ballot is the one it committed
    to before the juror chose to check it: the receipts the page showed. A cheating booth that
    shows the receipt of a cheating encryption and, asked to open it, reveals a fresh honest
    one passes every check; only the juror comparing the receipts can tell, so the command
    must print them."""
    category = booth_category("drama", APPROVAL, [], [], {"approve": ["n1"]})
    path = tmp_path / "challenge.json"
    path.write_text(json.dumps(challenge(category)))
    assert main(["challenge", str(path)]) == 0
    out = capsys.readouterr().out
    assert category["receipt"] in out


def test_an_opinion_on_a_nominee_the_entry_names_as_recused_is_named(tmp_path, capsys):
    """A server that serves one juror a recusal they do not have (an isolated nominee the
    ballot page lets them choose) has the booth name it in the entry: the server takes it, and
    the close replaces the part by "no opinion", silencing the juror's approval. The challenge
    encrypts exactly what it reveals, so it held and said so."""
    category = booth_category("drama", APPROVAL, ["n5"], ["n5"], {"approve": ["n1", "n5"]})
    problems, _contents = check_challenge(challenge(category))
    assert problems == [
        "drama: the revealed content gives n5 an opinion, and the entry names the juror as "
        "recused from n5: that part would be replaced by no opinion"
    ]
    honest = booth_category("drama", APPROVAL, ["n5"], ["n5"], {"approve": ["n1"]})
    assert check_challenge(challenge(honest))[0] == []
    path = tmp_path / "challenge.json"
    path.write_text(json.dumps(challenge(honest)))
    assert main(["challenge", str(path)]) == 0
    assert "recused from n5" in capsys.readouterr().out


def test_a_plaintext_ballot_for_no_category_of_the_round_is_refused_unread(booth, client, settings):
    """docs/booth.md: the API's plaintext cast refuses every ballot of a booth round (409)
    before reading it; one naming an unknown category was read first, and refused as such."""
    caster = juror(client, booth, 2)
    ballots = {"no-such-category": {"approve": []}, **contents(booth, 0, 0, 5)}
    response = caster.client.post(
        f"/api/rounds/{booth.round_id}/cast",
        json={"ballots": ballots},
        headers={"x-csrftoken": caster.csrf()},
    )
    assert response.status_code == 409, response.text
    assert BOOTH_ONLY in response.json()["error"]
    assert stored(settings) == []


@pytest.mark.browser
@needs_chromium
@pytest.mark.database("sqlite")
@pytest.mark.usefixtures("passphrase")
def test_a_ballot_sent_to_be_cast_is_never_opened_in_chromium(staff, settings, tmp_path):
    """The worker keeps the randomness until the cast's answer: a cast whose answer is lost
    (stored, but the page sees the network fail) could still be opened with "check this
    encryption instead", and so could one still on its way. The juror then held the
    randomness of a ballot on the board: a proof of their vote for whoever asks for it, made
    with the published booth and two clicks."""
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    round_id = election.round_id

    def store_then_fail(route):
        route.fetch()  # the server stores the cast; its answer never reaches the page
        route.abort("connectionreset")

    with Server(settings, tmp_path) as server, chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport=DESK)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.route(
            f"**/api/rounds/{round_id}/booth",
            lambda r: store_then_fail(r) if r.request.method == "POST" else r.continue_(),
        )
        open_ballot(page, server, election, 1)
        fill(page, election, 0, 0, 9)
        encrypt(page)
        page.locator(".booth-cast").click()
        page.locator(".booth-problem").wait_for(state="visible")
        assert page.locator(".booth-challenge").is_disabled()
        page.locator(".booth-challenge").click(force=True)
        page.wait_for_timeout(300)
        assert page.locator("#booth .booth-revealed").is_hidden()
        page.locator(".booth-review .booth-back").click()
        encrypt(page)  # a new encryption may be opened again
        assert page.locator(".booth-challenge").is_enabled()
        context.close()
    assert len(stored(settings)) == 3  # the first cast was stored


def encrypting_nothing(found, code: str) -> dict:
    """The category's entry with every part (r * G, r * H): an encryption of the point at
    infinity, which no content encodes to, under a proof of knowledge of each r that holds."""
    category = next(c for c in found["categories"] if c["id"] == code)
    key = Point.from_hex(found["election_key"])
    width = layout(category["entry"], category["isolated"]).width
    drawn = [random_scalar() for _ in range(width)]
    ballot = [Ciphertext(base(r), r * key) for r in drawn]
    statement = vector_to_json(ballot)
    context = entry_context(found["context"], code, category["tracker"], category["recused"])
    proof = prove_knowledge_all(BALLOT_DOMAIN, context, drawn, [c.a for c in ballot], statement)
    return Entry(category["tracker"], tuple(ballot), proof, tuple(category["recused"])).to_json()


def test_a_ballot_that_decrypts_to_the_point_at_infinity_is_counted_invalid(
    staff, staff_user, client, settings, tmp_path, passphrase
):
    """A juror's browser may encrypt any point, the point at infinity included (b = r * H):
    the server takes it (it cannot read it), the mixes re-encrypt it, and decrypting it gave
    no point. The count raised, so one juror's cast stopped the round from ever being counted;
    it is a ballot that carries no content, counted as invalid like any other."""
    election, keys = booth_round(staff, settings, tmp_path, jurors=3)
    round_id = election.round_id
    honest = juror(client, election, 1)
    assert booth_client.cast(honest, round_id, contents(election, 0, 0, 5)).status_code == 201
    caster = juror(client, election, 2)
    found = booth_client.definition(caster, round_id)
    sent = {**booth_client.encrypt(found, contents(election, 0, 0, 5))}
    sent["approval"] = encrypting_nothing(found, "approval")
    response = caster.client.post(
        f"/api/rounds/{round_id}/booth",
        json={"ballots": sent},
        headers={"x-csrftoken": caster.csrf()},
    )
    assert response.status_code == 201, response.text
    staff.login(staff_user, STAFF_PASSWORD)
    assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
    box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", tmp_path / "box.json")
    for t in (2, 3):
        out = tmp_path / f"partial-{t}.json"
        trustee("decrypt", "--box", str(box), "--key", str(keys / f"t{t}.key"), "--out", str(out))
        upload(staff, round_id, out)
    response = staff.post(f"/staff/rounds/{round_id}/count", {"confirm": "yes"})
    assert response.status_code == 303, response.text[-300:]
    counted = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    stem = settings.records_dir / counted.record_file
    record, results, annex = (Path(f"{stem}.{k}.json") for k in ("record", "results", "annex"))
    verified = ["verify", "--record", str(record), "--results", str(results), "--annex", str(annex)]
    assert ballots_main(verified) == 0
    document = json.loads(record.read_bytes())
    approval = next(c for c in document["categories"] if c["id"] == "approval")
    assert sorted(json.dumps(b["content"]) for b in approval["ballots"]) == [
        json.dumps({"approve": [election.nominees["approval"][0]]}),
        '{"invalid": true}',
    ]
