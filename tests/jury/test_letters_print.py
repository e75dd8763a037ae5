"""Printed activation letters in a real Chromium (issue 11): staff's banner and the site's header
stay on the screen, each letter starts a page of its own, and the QR code prints."""

import pytest
from playwright.sync_api import sync_playwright

from tests.factories import build_election, create_staff_user
from tests.pages_in_chromium import CHROMIUM, FLAGS, needs_chromium
from tests.server import Server

pytestmark = [pytest.mark.browser, needs_chromium]
PASSWORD = "print letters staff password"


@pytest.mark.database("sqlite")
def test_printed_letters_carry_no_staff_banner(settings, tmp_path):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    create_staff_user(settings, "printer", PASSWORD)
    with Server(settings, tmp_path) as server, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_context(
            locale="zh-CN", viewport={"width": 390, "height": 844}
        ).new_page()
        page.set_default_timeout(15_000)
        page.goto(server.url + "/login")
        page.fill("#f-username", "printer")
        page.fill("#f-password", PASSWORD)
        page.press("#f-password", "Enter")
        page.wait_for_url("**/staff**")
        page.goto(f"{server.url}/staff/seasons/{election.season_id}/jury")
        for box in page.locator('input[name="juror_ids"]').all():
            box.check()
        page.click('button[name="format"][value="letters"]')
        # These jurors have codes already: replacing them asks first (the confirmation page).
        page.click("form.confirm button[type=submit]")
        page.wait_for_selector("article.letter")
        assert page.locator(".noprint").first.is_visible()  # on the screen, staff see it
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.emulate_media(media="print")
        assert not page.locator(".noprint").first.is_visible()
        assert not page.locator("header.topbar").is_visible()
        first = page.locator("article.letter").first
        # Nothing printed above the first letter: it starts at the top of the first page.
        top = page.evaluate(
            "el => el.getBoundingClientRect().top + window.scrollY",
            first.element_handle(),
        )
        assert top < 40, top
        assert first.locator("svg.qr").is_visible()
        breaks = page.evaluate(
            "[...document.querySelectorAll('article.letter')]"
            ".map(el => getComputedStyle(el).breakAfter)"
        )
        assert breaks[:-1] == ["page"] * (len(breaks) - 1)
        assert breaks[-1] != "page"  # no blank sheet after the last letter
        browser.close()
