"""The staff's and the public's pages in a real Chromium, on a phone and on a desk: nothing
scrolls sideways, the header is one line, axe-core finds nothing serious (the checks are in
tests/pages_in_chromium.py).

One season's worth of pages is built once, through the app (a closed, published round with a
sealed record, an open round with a cast ballot), then visited as staff and as the public."""

import re
from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy import update

from awards.models import Category
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, Election, build_election, juror_login, run_db
from tests.pages_in_chromium import DESK, PHONE, Findings, chromium, needs_chromium
from tests.server import Server

pytestmark = [pytest.mark.browser, needs_chromium]

# Names as long as an association's: a category name must not stack one character per line.
LONG_NAME = "年度优秀电视剧（现实题材）导演奖"


@dataclass
class Season:
    closed: Election  # nomination round: cast, closed, published, full disclosure
    open: Election  # another season's open round


def _cast_every_juror(client, election: Election) -> None:
    approval, irv = election.categories["approval"], election.categories["irv"]
    for index, email in enumerate(election.emails):
        browser = Browser(client)
        browser.client.cookies.clear()
        juror_login(browser, email)
        keys = election.nominees["irv"]
        form = {f"c{approval}": election.nominees["approval"][index % 2]}
        form |= {f"c{irv}.{k}": str((i + index) % len(keys) + 1) for i, k in enumerate(keys)}
        response = browser.post(f"/juror/rounds/{election.round_id}/cast", form)
        assert response.status_code == 200, response.text[-500:]


def _season(settings, client) -> Season:
    closed = build_election(
        settings, jurors=6, methods=("approval", "irv"), kind="nomination", open_round=False
    )
    opened = build_election(
        settings, jurors=2, methods=("approval", "irv"), season_code="2025", open_round=False
    )
    # Opening freezes the categories: the long name goes in before.
    run_db(
        settings,
        lambda s: s.execute(update(Category).values(disclosure="full", name=LONG_NAME)),
    )
    staff = Browser(client)
    assert staff.login("editor", STAFF_PASSWORD).status_code == 303
    for election in (closed, opened):
        assert (
            staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}).status_code
            == 303
        )
    _cast_every_juror(client, closed)
    client.cookies.clear()
    assert staff.login("editor", STAFF_PASSWORD).status_code == 303
    assert (
        staff.post(f"/staff/rounds/{closed.round_id}/close", {"confirm": "yes"}).status_code == 303
    )
    assert (
        staff.post(f"/staff/rounds/{closed.round_id}/publish", {"confirm": "yes"}).status_code
        == 303
    )
    client.cookies.clear()
    return Season(closed, opened)


def _public_pages(season: Season) -> list[tuple[str, str]]:
    closed = season.closed.round_id
    return [
        ("home", "/"),
        ("staff login", "/login"),
        ("juror login", "/juror/login"),
        ("public rounds", "/rounds"),
        ("public round (manifest)", f"/rounds/{closed}"),
        ("public round (open)", f"/rounds/{season.open.round_id}"),
        ("public results", f"/rounds/{closed}/results"),
    ]


def _staff_pages(season: Season) -> list[tuple[str, str]]:
    s, election = season.closed.season_id, season.closed
    category = election.categories["approval"]
    return [
        ("staff home", "/staff"),
        ("seasons", "/staff/seasons"),
        ("season", f"/staff/seasons/{s}/edit"),
        ("categories", f"/staff/seasons/{s}/categories"),
        ("dramas", f"/staff/seasons/{s}/dramas"),
        ("drama import", f"/staff/seasons/{s}/dramas/import"),
        ("nominees", f"/staff/categories/{category}/nominees"),
        ("roster", f"/staff/seasons/{s}/jury"),
        ("a juror's page", f"/staff/seasons/{s}/jurors/{election.juror_ids[0]}"),
        ("rounds", f"/staff/seasons/{s}/rounds"),
        ("round (closed)", f"/staff/rounds/{election.round_id}"),
        ("round (open)", f"/staff/rounds/{season.open.round_id}"),
        ("turnout", f"/staff/rounds/{election.round_id}/turnout"),
        ("audit log", "/staff/audit"),
    ]


def _visit(page: Page, base: str, pages: list[tuple[str, str]], who: str) -> Findings:
    findings = Findings()
    for what, path in pages:
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, f"{what} ({path}): {response.status}"
        findings.check(page, f"{what} as {who} ({path})")
    return findings


@pytest.fixture
def season(settings, client, staff_user) -> Season:
    return _season(settings, client)


@pytest.mark.database("sqlite")  # the pages are the same on every database; they run once
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_public_pages_fit_a_phone_and_pass_axe(settings, tmp_path, season, locale):
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale=locale).new_page()
        page.set_default_timeout(15_000)
        if locale == "en":
            page.goto(server.url + "/lang/en?next=/")
        _visit(page, server.url, _public_pages(season), f"the public, {locale}").assert_none()


@pytest.mark.database("sqlite")
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_the_staff_pages_fit_a_phone_and_pass_axe(settings, tmp_path, season, locale):
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale=locale).new_page()
        page.set_default_timeout(15_000)
        page.goto(server.url + ("/lang/en?next=/login" if locale == "en" else "/login"))
        page.fill("#f-username", "editor")
        page.fill("#f-password", STAFF_PASSWORD)
        page.press("#f-password", "Enter")
        page.wait_for_url("**/staff**")
        pages = _staff_pages(season) + _public_pages(season)
        findings = _visit(page, server.url, pages, f"staff, {locale}")

        # Letters are the answer to the roster's form: one per chosen juror.
        page.goto(server.url + f"/staff/seasons/{season.closed.season_id}/jury")
        page.locator("input[name=juror_ids]").first.check()
        page.click("button[value=letters]")
        # This juror has a code already: replacing it asks first, on a confirmation page.
        page.wait_for_selector("form.confirm")
        findings.check(page, f"confirmation, {locale}")
        page.click("form.confirm button[type=submit]")
        page.wait_for_selector(".letter")
        findings.check(page, f"letters, {locale}")
        findings.assert_none()


@pytest.mark.database("sqlite")
def test_the_jurors_pages_fit_a_phone_and_pass_axe(settings, tmp_path, season):
    """A juror's way through: home, ballot, review, and the trackers page after casting (its
    32-digit trackers beside long category names)."""
    election = season.open
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(15_000)
        page.goto(server.url + "/juror/login")
        page.fill("#f-username", election.emails[0])
        page.fill("#f-password", "juror password for tests")
        page.press("#f-password", "Enter")
        page.wait_for_url("**/juror")
        findings = Findings()
        findings.check(page, "the juror's home")
        page.goto(server.url + f"/juror/rounds/{election.round_id}/ballot")
        page.locator(f"#cat-{election.categories['approval']} input[type=checkbox]").first.check()
        page.locator(f"#cat-{election.categories['irv']} input.rank").first.fill("1")
        findings.check(page, "the ballot")
        page.click("#ballot button[type=submit]")
        page.wait_for_url("**/review")
        findings.check(page, "the review")
        page.click("#cast")
        page.wait_for_selector("code.tracker")
        assert all(
            re.fullmatch(r"[0-9a-f]{32}", t) for t in page.locator("code.tracker").all_inner_texts()
        )
        findings.check(page, "the trackers page")
        findings.assert_none()


@pytest.mark.database("sqlite")
def test_the_header_folds_into_a_menu_on_a_phone_only(settings, tmp_path):
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(15_000)
        page.set_viewport_size(DESK)
        page.goto(server.url + "/")
        login = page.locator("header a", has_text="工作人员登录")
        assert login.is_visible()  # on a desk: no menu to open
        assert page.locator("header summary").is_hidden()
        page.set_viewport_size(PHONE)
        assert login.is_hidden()
        page.click("header summary")
        assert login.is_visible()
        login.click()
        page.wait_for_url("**/login")
