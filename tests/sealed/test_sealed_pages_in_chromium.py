"""A sealed round's pages in a real Chromium, on a phone and on a desk (the checks of
tests/pages_in_chromium.py: nothing scrolls sideways, axe-core finds nothing serious): the round
page at each step of the key ceremony and while the box awaits its trustees, the public
manifest, and the juror's trackers with their receipts."""

import pytest

from tests.conftest import STAFF_PASSWORD
from tests.factories import build_election
from tests.pages_in_chromium import Findings, chromium, needs_chromium
from tests.sealed.test_sealed_round import ceremony, passphrase  # noqa: F401
from tests.server import Server

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.usefixtures("passphrase")]


@pytest.mark.database("sqlite")  # the pages are the same on every database
def test_a_sealed_rounds_pages_fit_a_phone_and_pass_axe(staff, settings, tmp_path):
    election = build_election(settings, jurors=2, methods=("approval", "irv"), open_round=False)
    round_id = election.round_id
    names = {
        "names": "中国电视剧制作产业协会资深会员张三\n李四\n某某会计师事务所",
        "threshold": "2",
    }
    assert staff.post(f"/staff/rounds/{round_id}/trustees", names).status_code == 303
    keys = tmp_path / "keys"
    keys.mkdir()
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale="zh-CN").new_page()
        page.set_default_timeout(15_000)
        page.goto(server.url + "/login")
        page.fill("#f-username", "editor")
        page.fill("#f-password", STAFF_PASSWORD)
        page.press("#f-password", "Enter")
        page.wait_for_url("**/staff**")
        findings = Findings()

        def look(step: str) -> None:
            page.goto(server.url + f"/staff/rounds/{round_id}")
            findings.check(page, f"the round page before the ceremony's step {step}")

        ceremony(staff, round_id, "final", keys, before=look)
        assert staff.post(f"/staff/rounds/{round_id}/open", {"confirm": "yes"}).status_code == 303
        page.goto(server.url + f"/rounds/{round_id}")
        findings.check(page, "the sealed round's public manifest")

        juror = browser.new_context(locale="zh-CN").new_page()
        juror.set_default_timeout(15_000)
        juror.goto(server.url + "/juror/login")
        juror.fill("#f-username", election.emails[0])
        juror.fill("#f-password", "juror password for tests")
        juror.press("#f-password", "Enter")
        juror.wait_for_url("**/juror")
        juror.goto(server.url + f"/juror/rounds/{round_id}/ballot")
        juror.locator(f"#cat-{election.categories['approval']} input[type=checkbox]").first.check()
        juror.locator(f"#cat-{election.categories['irv']} input.rank").first.fill("1")
        juror.click("#ballot button[type=submit]")
        juror.wait_for_url("**/review")
        juror.click("#cast")
        juror.wait_for_selector("code.receipt")
        assert juror.locator("code.receipt").count() == 2
        findings.check(juror, "the juror's trackers and receipts")

        page.goto(server.url + f"/staff/rounds/{round_id}/close")
        page.click("form.confirm button[type=submit]")
        page.wait_for_selector("#trustees")
        findings.check(page, "the round page while the box awaits its trustees")
        page.goto(server.url + f"/rounds/{round_id}")
        findings.check(page, "the public manifest while the trustees count")
        findings.assert_none()
