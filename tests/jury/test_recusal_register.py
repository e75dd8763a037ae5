"""Issue 11 (the register of recusals): the public round page heads its reason column with what
it shows, the public reason (never the private note), and the register fits a phone: long
names and reasons wrap, nothing scrolls sideways at 390 px."""

import re

import pytest
from sqlalchemy import update

from awards.models import Drama, Juror
from tests.factories import build_election, run_db
from tests.pages_in_chromium import PHONE, check_page, chromium, needs_chromium
from tests.server import Server

LONG_REASON = "与该剧出品方（某某影视文化传媒股份有限公司）存在长期合作关系，依章程回避"


def _register(staff, settings):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    run_db(
        settings,
        lambda s: s.execute(
            update(Drama).values(title="一部名字非常长的年代现实题材电视剧" + Drama.title)
        ),
    )
    run_db(settings, lambda s: s.execute(update(Juror).values(name="欧阳长名字" + Juror.name)))
    nominee = election.nominees["approval"][0][1:]
    url = f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}/recusals"
    decided = staff.post(url, {"nominee_id": nominee, "decision": "recuse", "reason": LONG_REASON})
    assert decided.status_code == 303
    opened = staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"})
    assert opened.status_code == 303
    return election


def _headers(html: str) -> list[str]:
    return re.findall(r"<th[^>]*>([^<]*)</th>", html.split("回避名单")[-1].split("Register")[-1])


def test_the_register_heads_its_reason_column_as_the_public_reason(staff, settings):
    election = _register(staff, settings)
    page = staff.get(f"/rounds/{election.round_id}").text
    assert _headers(page)[-1] == "公开理由"
    assert LONG_REASON in page
    staff.get("/lang/en?next=/")
    assert _headers(staff.get(f"/rounds/{election.round_id}").text)[-1] == "Public reason"


@pytest.mark.browser
@needs_chromium
@pytest.mark.database("sqlite")
def test_the_register_fits_a_phone(staff, settings, tmp_path):
    election = _register(staff, settings)
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale="zh-CN", viewport=PHONE).new_page()
        page.goto(f"{server.url}/rounds/{election.round_id}")
        assert page.get_by_text(LONG_REASON).is_visible()
        check_page(page, "the public round page with its register")
