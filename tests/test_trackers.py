"""A juror never loses the trackers (issue 8, item 6): a repeated submission of a cast that was
stored (double click, reload, back button, an answer lost to a crash) shows the same trackers,
while the server still keeps them nowhere with the juror."""

import asyncio
import random
import re
import secrets

import httpx
import pytest
from sqlalchemy import func, select

from awards.models import Ballot, Participation, WebSession
from tests.factories import JUROR_PASSWORD, Browser, build_election, juror_login, run_db
from tests.server import Server, juror_client

TRACKER = re.compile(r'<code class="tracker">([0-9a-f]{32})</code>')


def _box(settings, round_id: int) -> tuple[int, dict[str, int]]:
    async def read(s):
        voters = await s.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.round_id == round_id)
        )
        ballots = dict(
            (
                await s.execute(
                    select(Ballot.tracker, Ballot.category_id).where(Ballot.round_id == round_id)
                )
            ).all()
        )
        return voters, ballots

    return run_db(settings, read, write=False)


def _reviewed(browser: Browser, election) -> dict[str, list[str] | str]:
    """The cast form of the review page, every field as the browser would send it."""
    cid = election.categories["approval"]
    review = browser.post(
        f"/juror/rounds/{election.round_id}/review", {f"c{cid}": election.nominees["approval"][0]}
    )
    assert review.status_code == 200, review.text[-300:]
    cast_form = review.text.split('id="cast-form"', 1)[1].split("</form>", 1)[0]
    fields: dict[str, list[str] | str] = {}
    for name, value in re.findall(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)"', cast_form
    ):
        if name != "_csrf_token":
            fields[name] = value
    assert f"t.c{cid}" in fields  # the review page drew the tracker
    return fields


@pytest.fixture
def election(settings):
    return build_election(settings, jurors=2, methods=("approval",))


def test_a_double_click_or_a_reload_shows_the_same_trackers(browser, settings, election):
    juror_login(browser, election.emails[0])
    form = _reviewed(browser, election)
    first = browser.post(f"/juror/rounds/{election.round_id}/cast", form)
    again = browser.post(f"/juror/rounds/{election.round_id}/cast", form)  # 0.4 s later, or F5
    assert (first.status_code, again.status_code) == (200, 200)
    assert (
        TRACKER.findall(first.text)
        == TRACKER.findall(again.text)
        == [form["t.c" + str(election.categories["approval"])]]
    )
    assert "已经保存" in again.text  # says that this one changed nothing
    voters, ballots = _box(settings, election.round_id)
    assert (voters, list(ballots)) == (1, TRACKER.findall(first.text))


def test_the_kept_trackers_are_checked_against_the_box_for_the_juror_only(
    browser, settings, election
):
    juror_login(browser, election.emails[0])
    form = _reviewed(browser, election)
    kept = [form[f"t.c{election.categories['approval']}"], secrets.token_hex(16)]
    url = f"/api/rounds/{election.round_id}/trackers"
    headers = {"x-csrftoken": browser.csrf()}
    before = browser.client.post(url, json={"trackers": kept}, headers=headers)
    assert before.status_code == 403  # not voted yet: nothing to check
    assert browser.post(f"/juror/rounds/{election.round_id}/cast", form).status_code == 200
    after = browser.client.post(url, json={"trackers": kept}, headers=headers)
    assert after.status_code == 200
    assert after.json() == {"stored": [kept[0]]}
    page = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert 'id="kept"' in page  # where the browser shows what it kept
    assert kept[0] not in page  # the server itself never shows a ballot's tracker again


def test_trackers_that_are_not_a_fresh_set_are_refused_and_store_nothing(
    browser, settings, election
):
    juror_login(browser, election.emails[1])
    other = Browser(browser.client)
    cid = election.categories["approval"]
    form = _reviewed(browser, election)
    for bad in ("XYZ", "0" * 31, ""):
        response = browser.post(
            f"/juror/rounds/{election.round_id}/cast", {**form, f"t.c{cid}": bad}
        )
        if bad:
            assert response.status_code == 422, bad
    assert _box(settings, election.round_id)[0] == 1  # only the last (server-drawn) one went in
    juror_login(other, election.emails[0])
    taken = {
        **_reviewed(other, election),
        f"t.c{cid}": next(iter(_box(settings, election.round_id)[1])),
    }
    refused = other.post(f"/juror/rounds/{election.round_id}/cast", taken)
    assert refused.status_code == 422  # another ballot's tracker: never a second ballot on it
    assert _box(settings, election.round_id)[0] == 1


def test_trackers_are_kept_in_no_session(browser, settings, election):
    juror_login(browser, election.emails[0])
    form = _reviewed(browser, election)
    page = browser.post(f"/juror/rounds/{election.round_id}/cast", form)
    [tracker] = TRACKER.findall(page.text)
    sessions = run_db(settings, lambda s: s.scalars(select(WebSession)), write=False).all()
    assert all(tracker not in repr(vars(s)) for s in sessions)


def test_the_api_answers_a_repeated_cast_with_its_trackers(settings, tmp_path, election):
    code = "approval"
    trackers = {code: secrets.token_hex(16)}
    body = {
        "ballots": {code: {"approve": [election.nominees["approval"][1]]}},
        "trackers": trackers,
    }

    async def twice(base_url: str) -> list[httpx.Response]:
        client = await juror_client(base_url, election.emails[0], JUROR_PASSWORD)
        try:
            url = f"/api/rounds/{election.round_id}/cast"
            first = await client.post(url, json=body)
            second = await client.post(url, json=body)
            other = await client.post(url, json={**body, "trackers": {code: secrets.token_hex(16)}})
            return [first, second, other]
        finally:
            await client.aclose()

    with Server(settings, tmp_path) as server:
        first, second, other = asyncio.run(twice(server.url))
    assert (first.status_code, second.status_code, other.status_code) == (201, 200, 409)
    assert first.json() == second.json() == {"trackers": trackers}


def test_a_juror_whose_answer_was_lost_to_a_crash_still_gets_the_trackers(settings, tmp_path):
    """kill -9 in the middle of a cast storm: every juror's client, which drew its trackers
    before casting as the review page does, sends the same cast again until it is answered, and
    ends up holding exactly the trackers that are in the box."""
    jurors = 60
    election = build_election(settings, jurors=jurors, methods=("approval", "irv"))
    ballots = {
        "approval": {"approve": sorted(election.nominees["approval"][:1])},
        "irv": {"ranking": election.nominees["irv"][::-1]},
    }
    drawn = {i: {c: secrets.token_hex(16) for c in ballots} for i in range(jurors)}
    answered: dict[int, dict[str, str]] = {}
    rng = random.Random(20240326)

    async def storm(server: Server, kill: bool) -> None:
        async def one(i: int) -> None:
            try:
                client = await juror_client(server.url, election.emails[i], JUROR_PASSWORD)
            except (httpx.HTTPError, RuntimeError):
                return
            try:
                response = await client.post(
                    f"/api/rounds/{election.round_id}/cast",
                    json={"ballots": ballots, "trackers": drawn[i]},
                )
            except httpx.HTTPError:
                return  # the answer was lost with the server
            finally:
                await client.aclose()
            assert response.status_code in (200, 201), response.text
            answered[i] = response.json()["trackers"]

        async def killer() -> None:
            await asyncio.sleep(rng.uniform(0.05, 0.4))
            server.kill()

        pending = [i for i in range(jurors) if i not in answered]
        await asyncio.gather(*(one(i) for i in pending), *([killer()] if kill else []))

    for attempt in range(6):
        server = Server(settings, tmp_path).start()
        try:
            asyncio.run(storm(server, kill=attempt < 5))
        finally:
            server.kill()
        if len(answered) == jurors:
            break
    assert answered == drawn  # every juror holds the trackers they drew, none was lost
    voters, box = _box(settings, election.round_id)
    assert voters == jurors
    assert sorted(box) == sorted(t for held in drawn.values() for t in held.values())
