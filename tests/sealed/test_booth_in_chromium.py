"""The booth in a real Chromium, on a phone and on a desk: a juror fills in the ballot, has one
encryption opened and checks it with the auditor's verifier, casts, then changes the vote;
nothing the browser sends, and nothing the database, its WAL or the server's log holds, carries
a choice. The pages pass tests/pages_in_chromium.py's checks at each step."""

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from awards.models import Ballot
from ballots.sealed.challenge import check_challenge
from tests.conftest import STAFF_PASSWORD
from tests.factories import run_db
from tests.pages_in_chromium import DESK, PHONE, Findings, chromium, needs_chromium
from tests.sealed.test_booth_round import booth_round
from tests.sealed.test_sealed_round import passphrase
from tests.server import Server

__all__ = ["passphrase"]
pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.usefixtures("passphrase")]
PLAINTEXT = re.compile(r"approve|ranking|scores|abstain|\"c\d+(\.|\")")


def fill(page, election, approve: int, first: int, score: int) -> None:
    """Choose as a juror does: tick a box, type a rank, type a score."""
    approval = page.locator(f"#cat-{election.categories['approval']}")
    approval.locator("input[type=checkbox]:not([disabled]):not([name$='.abstain'])").nth(
        approve
    ).check()
    borda = page.locator(f"#cat-{election.categories['borda']}")
    borda.locator("input.rank").nth(first).fill("1")
    score_box = page.locator(f"#cat-{election.categories['score_mean']}")
    score_box.locator("input.score:not([disabled])").first.fill(str(score))


def open_ballot(page, server, election, index: int) -> None:
    """Log in as the election's juror `index` and open the round's ballot."""
    page.goto(server.url + "/juror/login")
    page.fill("#f-username", election.emails[index])
    page.fill("#f-password", "juror password for tests")
    page.press("#f-password", "Enter")
    page.wait_for_url("**/juror")
    page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")


def encrypt(page) -> None:
    page.locator("#ballot .ballot-bar button[type=submit]:not([disabled])").click()
    page.locator("#booth .booth-review").wait_for(state="visible")


@pytest.mark.database("sqlite")  # the WAL is SQLite's
def test_a_juror_votes_checks_an_encryption_and_changes_the_vote_in_chromium(
    staff, settings, tmp_path
):
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    round_id = election.round_id
    sent: list[str] = []
    findings = Findings()
    with Server(settings, tmp_path) as server, chromium() as browser:
        for index, size in ((1, PHONE), (0, DESK)):  # juror 0 is recused from two nominees
            context = browser.new_context(locale="zh-CN", viewport=size, accept_downloads=True)
            page = context.new_page()
            page.set_default_timeout(20_000)
            page.on(
                "request", lambda r: sent.append(r.post_data or "") if r.method == "POST" else None
            )
            open_ballot(page, server, election, index)
            sizes = (size,)
            findings.check(page, f"the booth's ballot ({size['width']} px)", sizes)
            # A ballot the server would refuse is refused here, since the server cannot see it:
            # every category named at once, nothing encrypted or sent.
            page.locator("#ballot .ballot-bar button[type=submit]:not([disabled])").click()
            page.locator("#booth-errors").wait_for(state="visible")
            assert page.locator("#booth-errors li").count() == 2  # the ranking and the scores
            assert page.locator(".ballot-menu .state-fix").count() == 2
            assert page.locator("#booth .booth-review").is_hidden()
            findings.check(page, f"the booth's mistakes listed ({size['width']} px)", sizes)
            fill(page, election, 0, 0, 9)
            encrypt(page)
            findings.check(
                page, f"the encrypted ballot to cast or check ({size['width']} px)", sizes
            )
            with page.expect_download() as download:
                page.locator(".booth-challenge").click()
                page.locator("#booth .booth-revealed").wait_for(state="visible")
                page.locator(".booth-download").click()
            challenge = json.loads(Path(download.value.path()).read_text())
            published = page.request.get(server.url + f"/rounds/{round_id}/booth.json").json()
            problems, revealed = check_challenge(challenge, published)
            assert problems == [], problems
            chosen = {c["category"]: c["content"] for c in challenge["categories"]}
            assert list(chosen["score-mean"]["scores"].values()) == [9]
            assert revealed
            findings.check(page, f"the opened encryption ({size['width']} px)", sizes)
            page.locator(".booth-revealed .booth-back").click()
            encrypt(page)  # a new encryption: the opened one is never cast
            page.locator(".booth-cast").click()
            page.locator("#booth .booth-done").wait_for(state="visible")
            findings.check(page, f"the cast ballot's trackers ({size['width']} px)", sizes)
            first = page.locator(".booth-trackers code").all_inner_texts()
            assert len(first) == 6  # a tracker and a receipt for each of three categories
            # Changing the vote: the ballot again, a notice that one is cast, a new cast.
            page.goto(server.url + f"/juror/rounds/{round_id}/ballot")
            page.locator("#booth-voted").wait_for(state="visible")
            fill(page, election, 1, 1, 4)
            encrypt(page)
            page.locator(".booth-cast").click()
            page.locator("#booth .booth-done").wait_for(state="visible")
            again = page.locator(".booth-trackers code").all_inner_texts()
            assert set(again[::2]).isdisjoint(first[::2])  # new trackers
            assert page.locator(".booth-problem").is_hidden()  # the receipts agree
            context.close()
        log = server.log_path.read_text()
    findings.assert_none()
    casts = [json.loads(body) for body in sent if body.startswith('{"ballots"')]
    assert len(casts) == 4
    for body in sent:
        assert not PLAINTEXT.search(body), body[:200]
    for cast in casts:
        for entry in cast["ballots"].values():
            assert set(entry) <= {"tracker", "ballot", "proof", "recused"}
    stored = run_db(settings, lambda s: s.scalars(select(Ballot.content)), write=False).all()
    assert len(stored) == 4 * 3
    database = Path(settings.database_url.removeprefix("sqlite+aiosqlite:///"))
    for path in (database, database.with_name(database.name + "-wal")):
        if path.exists():
            data = path.read_bytes()
            assert not re.search(rb"\"(approve|ranking|scores)\"", data), path
    assert not PLAINTEXT.search(log)


@pytest.mark.database("sqlite")
def test_a_refused_cast_shows_the_servers_reason_in_chromium(staff, staff_user, settings, tmp_path):
    """The round closes while the juror reviews the encrypted ballot: the booth says why the
    cast was refused, in the server's words (its JSON errors are {"error"}: the booth read a
    "detail" that is never there, and showed only the HTTP status text)."""
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    round_id = election.round_id
    with Server(settings, tmp_path) as server, chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport=DESK)
        page = context.new_page()
        page.set_default_timeout(20_000)
        open_ballot(page, server, election, 1)
        fill(page, election, 0, 0, 9)
        encrypt(page)
        staff.login(staff_user, STAFF_PASSWORD)
        closed = staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"})
        assert closed.status_code == 303
        page.locator(".booth-cast").click()
        page.locator(".booth-problem").wait_for(state="visible")
        assert page.locator(".booth-problem").inner_text() == "本轮投票未开放。"
        context.close()
    assert run_db(settings, lambda s: s.scalars(select(Ballot.tracker)), write=False).all() == []


@pytest.mark.database("sqlite")
def test_a_cast_answered_without_a_categorys_receipt_is_flagged_in_chromium(
    staff, settings, tmp_path
):
    """A server that leaves a category out of the cast's answer (it stored something else
    there, or nothing): the booth compared only the receipts given, and said nothing."""
    election, _keys = booth_round(staff, settings, tmp_path, jurors=2)
    round_id = election.round_id

    def drop_one(route):
        answer = route.fetch()
        body = answer.json()
        for field in ("trackers", "receipts"):
            body[field].pop("borda")
        route.fulfill(response=answer, json=body)

    with Server(settings, tmp_path) as server, chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport=DESK)
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.route(
            f"**/api/rounds/{round_id}/booth",
            lambda r: drop_one(r) if r.request.method == "POST" else r.continue_(),
        )
        open_ballot(page, server, election, 1)
        fill(page, election, 0, 0, 9)
        encrypt(page)
        page.locator(".booth-cast").click()
        page.locator("#booth .booth-done").wait_for(state="visible")
        assert page.locator(".booth-problem").is_visible()
        context.close()
