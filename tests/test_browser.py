"""The juror's path in a real headless Chromium (Debian's package, driven by Playwright):
activate, log in, fill a ballot of each kind (the ranking with the keyboard), review, cast, see
the trackers, come back and see "you have voted"."""

import json
import re

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select, update

from awards.accounts import activation
from awards.models import Ballot, Juror
from awards.models.base import utcnow
from tests.factories import JUROR_PASSWORD, build_election, run_db
from tests.pages_in_chromium import CHROMIUM, FLAGS, needs_chromium
from tests.server import Server

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "浏览器里设置的密码 2024"


@pytest.mark.database("sqlite")  # the browser path is the same on every database; it runs once
def test_a_juror_votes_in_a_real_browser(settings, tmp_path):
    election = build_election(settings, jurors=2, methods=("approval", "irv", "score_mean"))

    async def fresh_code(s):
        await s.execute(
            update(Juror).where(Juror.id == election.juror_ids[0]).values(password_hash=None)
        )
        juror = await s.get(Juror, election.juror_ids[0])
        [issued] = await activation.issue_codes(s, [juror], utcnow(), 1, "test")
        return issued.code

    code = run_db(settings, fresh_code)
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(15_000)

        page.goto(server.url + "/juror/activate")
        page.fill("#f-code", code)
        page.fill("#f-password", PASSWORD)
        page.fill("#f-password_repeat", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/juror/login?activated=1")

        page.fill("#f-username", election.emails[0])
        page.fill("#f-password", PASSWORD)
        page.press("#f-password", "Enter")
        page.wait_for_url("**/juror")
        page.click("text=打开我的选票")

        approval = page.locator(f"#cat-{election.categories['approval']}")
        boxes = approval.locator('input[type=checkbox]:not([name$=".abstain"])')
        boxes.nth(0).check()
        boxes.nth(1).check()
        assert approval.locator(".live-count").inner_text() == "2 / 2"  # the script's live count

        ranks = page.locator(f"#cat-{election.categories['irv']} input.rank")
        # Typed numbers (the ranking's buttons come between the inputs, see test_ballot_browser)
        for i, rank in enumerate("213"):
            ranks.nth(i).focus()
            page.keyboard.type(rank)

        scores = page.locator(f"#cat-{election.categories['score_mean']} input.score")
        scores.nth(0).fill("9")
        scores.nth(2).fill("4")
        # No screenshot here: a full-page screenshot resizes the page for a moment, and a click
        # right after it once pressed the button and released over the form (no submission).
        page.click("#ballot button[type=submit]")
        page.wait_for_url("**/review")
        page.wait_for_selector("text=选票尚未投出")
        assert page.locator("section.review").count() == 3
        casts = []
        page.on("request", lambda r: casts.append(r) if r.url.endswith("/cast") else None)
        page.dblclick("#cast")  # the button locks on the first click
        page.wait_for_selector("text=选票已投出")
        assert len(casts) == 1
        trackers = page.locator("code.tracker").all_inner_texts()
        assert len(trackers) == 3
        assert all(re.fullmatch(r"[0-9a-f]{32}", t) for t in trackers)
        assert (
            page.locator("a[download='trackers.txt']")
            .get_attribute("href")
            .startswith("data:text/plain")
        )
        page.screenshot(path=str(tmp_path / "trackers.png"), full_page=True)

        ballot_url = server.url + f"/juror/rounds/{election.round_id}/ballot"
        page.goto(ballot_url)
        assert "你已投票" in page.content()
        # The server never shows a ballot's trackers again; this browser shows the ones it kept.
        served = page.request.get(ballot_url).text()
        assert not any(t in served for t in trackers)
        page.wait_for_selector("#kept code.tracker")
        assert sorted(page.locator("#kept code.tracker").all_inner_texts()) == sorted(trackers)
        page.screenshot(path=str(tmp_path / "kept.png"), full_page=True)
        page.click("#kept button.forget")
        page.wait_for_selector("#kept .forgotten")
        page.reload()
        assert page.locator("#kept").is_hidden()
        browser.close()
    stored = {
        b.category_id: json.loads(b.content)
        for b in run_db(settings, lambda s: s.scalars(select(Ballot)), write=False)
    }
    assert len(stored[election.categories["approval"]]["approve"]) == 2
    assert len(stored[election.categories["irv"]]["ranking"]) == 3
    assert len(stored[election.categories["score_mean"]]["scores"]) == 2


@pytest.mark.database("sqlite")  # the browser path is the same on every database; it runs once
def test_a_long_list_can_be_filtered_without_losing_choices(settings, tmp_path):
    """A nomination category may list hundreds of dramas, in each juror's own order."""
    election = build_election(
        settings, jurors=1, methods=("approval",), nominees_per_category=20, kind="nomination"
    )
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(15_000)
        page.goto(server.url + "/juror/login")
        page.fill("#f-username", election.emails[0])
        page.fill("#f-password", JUROR_PASSWORD)
        page.press("#f-password", "Enter")
        page.wait_for_url("**/juror")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")

        category = page.locator(f"#cat-{election.categories['approval']}")
        nominees = category.locator("li.nominee")
        box = category.locator("input.filter")
        assert box.get_attribute("placeholder") == "按剧名、出品公司或播出平台查找"
        box.fill("剧目7")
        assert nominees.locator("visible=true").count() == 1
        nominees.locator("visible=true").locator("input").check()
        box.fill("公司1")  # by company: 公司1 and 公司10 to 公司19
        assert nominees.locator("visible=true").count() == 11
        nominees.locator("visible=true").first.locator("input").check()
        box.press("Enter")  # filters; does not submit the ballot
        assert page.url.endswith("/ballot")
        box.fill("")
        assert nominees.locator("visible=true").count() == 20
        assert category.locator("input:checked").count() == 2  # hidden choices were kept

        page.click("#ballot button[type=submit]")
        page.wait_for_url("**/review")
        assert page.locator("section.review li").count() == 2
        browser.close()
