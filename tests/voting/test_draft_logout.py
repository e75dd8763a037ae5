"""The ballot choices the browser keeps (ballot_session.js) go when the juror logs out from any
page, not only from the ballot and review pages, and the juror's home page drops those of
ballots that can no longer be cast (drafts.js). The trackers cast.js keeps stay. Found by a
review: logging out from the home page left the choices on the device for the next person."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import update

from awards.models import Round
from tests.factories import build_election, run_db
from tests.server import Server
from tests.test_browser import CHROMIUM
from tests.voting.test_ballot_browser import DESK, log_in, open_context

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.database("sqlite"),
]

KEPT = "Object.keys(localStorage).filter(k => k.startsWith('awards.')).sort()"


def test_logging_out_from_the_home_page_removes_the_choices_not_the_trackers(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("approval",))
    juror = election.juror_ids[0]
    trackers = f"awards.trackers.{election.round_id}.{juror}"
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, DESK, "zh-CN")
        page = context.new_page()
        log_in(page, server, election.emails[0], "zh")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        page.evaluate(f"localStorage.setItem('{trackers}', '{{}}')")  # as cast.js keeps them
        page.locator("li.nominee label").nth(0).click()
        page.goto(server.url + "/juror")  # the home page keeps the draft of an open ballot
        assert page.evaluate(KEPT) == [f"awards.ballot.{election.round_id}.{juror}", trackers]
        page.locator("header form button").click()  # log out
        page.wait_for_url("**/juror/login")
        kept = page.evaluate(KEPT)
        browser.close()
    assert kept == [trackers], f"after logging out, the device holds: {kept}"


def test_the_home_page_drops_the_choices_of_a_round_that_closed(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("approval",))
    juror = election.juror_ids[0]
    other = f"awards.ballot.{election.round_id}.{juror + 1}"  # a login that ended, not out
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, DESK, "zh-CN")
        page = context.new_page()
        log_in(page, server, election.emails[0], "zh")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        page.evaluate(f"localStorage.setItem('{other}', '{{}}')")
        page.locator("li.nominee label").nth(0).click()

        async def close(s):  # the home page reads only the round's state
            await s.execute(update(Round).values(state="closed"))

        with ThreadPoolExecutor(1) as thread:  # Playwright keeps an event loop in this one
            thread.submit(run_db, settings, close).result()
        page.goto(server.url + "/juror")
        assert "没有" in page.locator("main").inner_text()  # no round open any more
        kept = page.evaluate(KEPT)
        browser.close()
    assert kept == [], f"the device still holds: {kept}"
