"""The juror's ballot in a real headless Chromium (issue 11, "Jurors"), on a phone (390x844)
and a desk (1280x800): every kind of category voted by touch and by keyboard, with the menu's
progress; a login that ends while the ballot is open, and the choices found again after logging
in; nothing scrolls sideways on the ballot, review and trackers pages."""

import json
import re
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect, sync_playwright
from sqlalchemy import select, update

from awards.models import Ballot, WebSession
from awards.models.base import utcnow
from tests.factories import JUROR_PASSWORD, build_election, run_db
from tests.pages_in_chromium import CHROMIUM, FLAGS
from tests.server import Server
from tests.voting.test_ballot_pages import english_election

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
    pytest.mark.database("sqlite"),  # the browser path is the same on every database
]
EVERY_KIND = ("approval", "borda", "irv", "schulze", "score_mean", "score_trimmed_mean")
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}


def no_sideways_scroll(page: Page) -> None:
    wide, shown = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= shown, f"{page.url} scrolls sideways: {wide} > {shown}"


def open_context(driver, viewport, locale, **kw):
    browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
    context = browser.new_context(
        viewport=viewport,
        locale=locale,
        has_touch=True,
        is_mobile=viewport == PHONE,
        device_scale_factor=1,
        **kw,
    )
    context.set_default_timeout(15_000)
    return browser, context


def log_in(page: Page, server: Server, email: str, locale: str) -> None:
    if locale == "en":
        page.goto(server.url + "/lang/en?next=/juror/login")
    else:
        page.goto(server.url + "/juror/login")
    page.fill("#f-username", email)
    page.fill("#f-password", JUROR_PASSWORD)
    page.press("#f-password", "Enter")
    page.wait_for_url("**/juror")


def keys_shown(category) -> list[str]:
    """The nominees' keys in the order the page lists them now."""
    names = category.locator("input.rank").evaluate_all("inputs => inputs.map(i => i.name)")
    return [name.split(".", 1)[1] for name in names]


def nominee(category, key):
    return category.locator(f"li.nominee:has(input[name$='.{key}'])")


def rank_values(category) -> dict[str, str]:
    pairs = category.locator("input.rank").evaluate_all(
        "inputs => inputs.map(i => [i.name.split('.')[1], i.value])"
    )
    return {key: value for key, value in pairs if value}


def stored_ballots(settings) -> dict[int, dict]:
    ballots = run_db(settings, lambda s: s.scalars(select(Ballot)), write=False)
    return {b.category_id: json.loads(b.content) for b in ballots}


def state_of(page: Page, category_id: int) -> str:
    return page.locator(f'.ballot-menu .state[data-category="cat-{category_id}"]').inner_text()


@pytest.mark.parametrize(("viewport", "locale"), [(PHONE, "zh-CN"), (DESK, "en")])
def test_every_kind_is_voted_by_touch(settings, tmp_path, viewport, locale):
    election = english_election(settings, jurors=1, methods=EVERY_KIND)
    ids = election.categories
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, viewport, locale)
        page = context.new_page()
        log_in(page, server, election.emails[0], "en" if locale == "en" else "zh")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        no_sideways_scroll(page)
        todo = "To do" if locale == "en" else "待完成"
        voted = "Voted" if locale == "en" else "已投票"
        assert state_of(page, ids["approval"]) == todo
        if locale == "en":
            expect(page.locator(f"#cat-{ids['irv']} legend")).to_have_text("Best irv")

        # Approval: a tap on a nominee ticks it; one over the limit says so at once.
        approval = page.locator(f"#cat-{ids['approval']}")
        cards = approval.locator("li.nominee label")
        for i in range(3):
            cards.nth(i).tap()
        over = approval.locator(".over-limit-message")
        expect(over).to_be_visible()
        expect(over).to_contain_text("3")
        assert state_of(page, ids["approval"]) == ("To correct" if locale == "en" else "需修改")
        cards.nth(2).tap()
        expect(over).to_be_hidden()
        assert state_of(page, ids["approval"]) == voted

        # IRV: tap two nominees into the ranking, then move the second one up.
        irv = page.locator(f"#cat-{ids['irv']}")
        first, _second, third = keys_shown(irv)
        nominee(irv, third).locator(".nominee-card").tap()
        nominee(irv, first).locator(".nominee-card").tap()
        assert rank_values(irv) == {third: "1", first: "2"}
        nominee(irv, first).locator("button.up").tap()
        assert rank_values(irv) == {first: "1", third: "2"}
        assert keys_shown(irv)[:2] == [first, third]  # the ranking stands at the top, in order
        no_sideways_scroll(page)

        # Borda: all three with the add buttons, the first one moved down to the end.
        borda = page.locator(f"#cat-{ids['borda']}")
        b = keys_shown(borda)
        for key in b:
            nominee(borda, key).locator("button.add").tap()
        nominee(borda, b[0]).locator("button.down").tap()
        nominee(borda, b[0]).locator("button.down").tap()
        assert rank_values(borda) == {b[1]: "1", b[2]: "2", b[0]: "3"}

        # Schulze: two in, one out again.
        schulze = page.locator(f"#cat-{ids['schulze']}")
        s = keys_shown(schulze)
        nominee(schulze, s[1]).locator("button.add").tap()
        nominee(schulze, s[0]).locator("button.add").tap()
        nominee(schulze, s[1]).locator("button.remove").tap()
        assert rank_values(schulze) == {s[0]: "1"}

        # Scores: a tap on the box, then the phone's keyboard; the trimmed mean is abstained.
        scores = page.locator(f"#cat-{ids['score_mean']} input.score")
        scores.nth(0).tap()
        page.keyboard.type("8")
        page.locator(f"#cat-{ids['score_trimmed_mean']} label.abstain").tap()
        assert state_of(page, ids["score_trimmed_mean"]) == (
            "Abstained" if locale == "en" else "已弃权"
        )
        expect(page.locator(".ballot-bar .done")).to_have_text("6")

        page.locator(".ballot-bar button[type=submit]").tap()
        page.wait_for_url("**/review")
        no_sideways_scroll(page)
        assert page.locator("section.review").count() == 6
        page.locator("#cast").tap()
        page.wait_for_selector("table.trackers code.tracker")
        no_sideways_scroll(page)
        if locale == "en":
            expect(page.locator("table.trackers")).to_contain_text("Best schulze")
        browser.close()
    stored = stored_ballots(settings)
    assert len(stored[ids["approval"]]["approve"]) == 2
    assert stored[ids["irv"]]["ranking"] == [first, third]
    assert stored[ids["borda"]]["ranking"] == [b[1], b[2], b[0]]
    assert stored[ids["schulze"]]["ranking"] == [s[0]]
    assert list(stored[ids["score_mean"]]["scores"].values()) == [8]
    assert stored[ids["score_trimmed_mean"]] == {"abstain": True}


@pytest.mark.parametrize(("viewport", "locale"), [(DESK, "zh-CN"), (PHONE, "en")])
def test_a_ranking_is_made_with_the_keyboard(settings, tmp_path, viewport, locale):
    election = build_election(settings, jurors=1, methods=("irv", "approval"))
    irv_id = election.categories["irv"]
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, viewport, locale)
        page = context.new_page()
        log_in(page, server, election.emails[0], "en" if locale == "en" else "zh")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        irv = page.locator(f"#cat-{irv_id}")
        a, b, c = keys_shown(irv)
        nominee(irv, b).locator("button.add").focus()
        page.keyboard.press("Enter")  # added; the focus stays with the nominee's buttons
        assert rank_values(irv) == {b: "1"}
        nominee(irv, c).locator("button.add").focus()
        page.keyboard.press("Space")
        page.keyboard.press("Shift+Tab")  # from "remove" back to "move up"
        page.keyboard.press("Enter")
        assert rank_values(irv) == {c: "1", b: "2"}
        # A number typed in: the next button used orders the list by the numbers.
        nominee(irv, a).locator("input.rank").focus()
        page.keyboard.type("1")
        page.keyboard.press("Tab")
        assert rank_values(irv)[a] == "1"
        nominee(irv, b).locator("button.up").focus()  # ties in numbers keep the list's order
        page.keyboard.press("Enter")
        assert rank_values(irv) == {a: "1", b: "2", c: "3"}
        page.locator(f"#cat-{election.categories['approval']} label.abstain").click()
        page.locator("#ballot button[type=submit]").focus()
        page.keyboard.press("Enter")
        page.wait_for_url("**/review")
        no_sideways_scroll(page)
        page.locator("#cast").focus()
        page.keyboard.press("Enter")
        page.wait_for_selector("table.trackers code.tracker")
        browser.close()
    assert len(stored_ballots(settings)[irv_id]["ranking"]) == 3


def test_number_inputs_rank_without_javascript(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("irv",))
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, PHONE, "zh-CN", java_script_enabled=False)
        page = context.new_page()
        log_in(page, server, election.emails[0], "zh")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        ranks = page.locator("input.rank")
        assert page.locator("button.add").count() == 0
        ranks.nth(0).fill("2")
        ranks.nth(1).fill("1")
        no_sideways_scroll(page)
        page.locator(".ballot-bar button[type=submit]").tap()
        page.wait_for_url("**/review")
        assert page.locator("section.review ol li").count() == 2
        browser.close()


def _end_sessions(settings) -> None:
    """Every session idle for longer than the limit. (In a thread of its own: Playwright's
    synchronous API keeps an event loop running in this one.)"""

    async def age(s):
        long_ago = utcnow() - timedelta(minutes=settings.session_idle_minutes + 5)
        await s.execute(update(WebSession).values(last_seen_at=long_ago))

    with ThreadPoolExecutor(1) as thread:
        thread.submit(run_db, settings, age).result()


def test_the_login_is_kept_while_voting_warned_before_it_ends_and_the_choices_survive_it(
    settings, tmp_path
):
    """Issue 11: after the idle limit a juror clicking "review" landed on the staff login and
    every choice of a 365-drama ballot was gone."""
    election = build_election(settings, jurors=1, methods=("approval", "irv"))
    approval_id, irv_id = election.categories["approval"], election.categories["irv"]
    idle = settings.session_idle_minutes
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, PHONE, "zh-CN")
        page = context.new_page()
        page.clock.install()
        log_in(page, server, election.emails[0], "zh")
        ballot_url = server.url + f"/juror/rounds/{election.round_id}/ballot"
        page.goto(ballot_url)
        approval = page.locator(f"#cat-{approval_id}")
        approval.locator("li.nominee label").nth(1).tap()
        irv = page.locator(f"#cat-{irv_id}")
        keys = keys_shown(irv)
        nominee(irv, keys[2]).locator(".nominee-card").tap()
        nominee(irv, keys[0]).locator(".nominee-card").tap()
        chosen = approval.locator("input:checked").get_attribute("value")
        warning = page.locator("#session .session-warn")
        expect(warning).to_be_hidden()

        # Working on the page keeps the login alive: a request now and then.
        pings = []
        page.on("request", lambda r: pings.append(r.url) if r.url.endswith("/status") else None)
        page.clock.fast_forward("02:00")
        page.locator(f"#cat-{irv_id} legend").tap()
        page.wait_for_timeout(300)
        assert pings, "no keep-alive request while the juror was working"

        # Nothing done for nearly the idle limit: the page warns, with a way to go on.
        page.clock.fast_forward(f"{idle - 1}:00")
        expect(warning).to_be_visible()
        expect(warning.locator(".left")).to_have_text(re.compile(r"^[01]:\d\d$"))
        no_sideways_scroll(page)
        warning.locator("button.stay").tap()
        expect(warning).to_be_hidden()

        # It ends anyway (the phone put away): the page says so, and the choices stay.
        _end_sessions(settings)
        page.clock.fast_forward(f"{idle + 1}:00")
        ended = page.locator("#session .session-ended")
        expect(ended).to_be_visible()
        # "Review" now leads to the juror login, then back to the ballot, filled in again.
        page.locator(".ballot-bar button[type=submit]").tap()
        page.wait_for_url(re.compile(r".*/juror/login\?next=.*"))
        assert "评委登录" in page.content()
        page.fill("#f-username", election.emails[0])
        page.fill("#f-password", JUROR_PASSWORD)
        page.press("#f-password", "Enter")
        page.wait_for_url(ballot_url)
        expect(page.locator(".restored")).to_be_visible()
        assert approval.locator("input:checked").get_attribute("value") == chosen
        assert rank_values(irv) == {keys[2]: "1", keys[0]: "2"}
        assert state_of(page, irv_id) == "已投票"

        page.locator(".ballot-bar button[type=submit]").tap()
        page.wait_for_url("**/review")
        page.locator("#cast").tap()
        page.wait_for_selector("table.trackers code.tracker")
        kept = page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('awards.ballot.'))"
        )
        assert kept == []  # cast: the choices are no longer kept in the browser
        browser.close()


def test_the_kept_choices_can_be_cleared_and_go_at_logging_out(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("approval",))
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, DESK, "zh-CN")
        page = context.new_page()
        log_in(page, server, election.emails[0], "zh")
        ballot_url = server.url + f"/juror/rounds/{election.round_id}/ballot"
        page.goto(ballot_url)
        page.locator("li.nominee label").nth(0).click()
        page.reload()
        expect(page.locator(".restored")).to_be_visible()
        assert page.locator("li.nominee input:checked").count() == 1
        page.locator("button.forget-draft").click()
        page.wait_for_load_state()
        expect(page.locator(".restored")).to_be_hidden()
        assert page.locator("li.nominee input:checked").count() == 0

        page.locator("li.nominee label").nth(0).click()
        page.locator("header form button").click()  # log out
        page.wait_for_url("**/juror/login")
        kept = page.evaluate(
            "Object.keys(localStorage).filter(k => k.startsWith('awards.ballot.'))"
        )
        assert kept == []
        browser.close()


def test_the_filter_finds_english_titles_and_says_when_nothing_matches(settings, tmp_path):
    election = english_election(
        settings, jurors=1, methods=("approval", "irv"), nominees_per_category=14
    )
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser, context = open_context(driver, PHONE, "zh-CN")
        page = context.new_page()
        log_in(page, server, election.emails[0], "zh")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        category = page.locator(f"#cat-{election.categories['approval']}")
        box = category.locator("input.filter")
        box.fill("drama 13")  # the English title, in Chinese mode
        assert category.locator("li.nominee:visible").count() == 1
        expect(category.locator(".filter-empty")).to_be_hidden()
        box.fill("不存在的剧")
        assert category.locator("li.nominee:visible").count() == 0
        expect(category.locator(".filter-empty")).to_contain_text(
            "没有找到与“不存在的剧”相符的候选"
        )
        no_sideways_scroll(page)
        browser.close()
