"""A season, category, panel or juror made by mistake can be removed while nothing depends on
it (issue 11); otherwise the refusal says what does. Every removal is audited."""

import re

import pytest
from sqlalchemy import func, select

from awards.models import AuditEvent, Category, Juror, Panel, Season, WebSession
from tests.factories import (
    JUROR_PASSWORD,
    build_election,
    juror_login,
    make_category,
    make_drama,
    make_season,
    run_db,
)


def _count(settings, model) -> int:
    query = select(func.count()).select_from(model)
    return run_db(settings, lambda s: s.scalar(query), write=False)


def _actions(settings) -> list[str]:
    query = select(AuditEvent.action).order_by(AuditEvent.seq)
    return list(run_db(settings, lambda s: s.scalars(query), write=False))


def _refusal(response) -> str:
    assert response.status_code == 409, response.text
    text = re.sub(r"<[^>]+>", " ", response.text)
    return " ".join(text.split())


@pytest.fixture
def season(settings):
    return run_db(settings, make_season)


def test_an_empty_season_is_removed(staff, settings, season):
    done = staff.post(f"/staff/seasons/{season.id}/remove")
    assert done.status_code == 303
    assert "已删除届次“2024 年度推优”。" in staff.get(done.headers["location"]).text
    assert _count(settings, Season) == 0
    assert _actions(settings)[-1] == "season.removed"


def test_a_season_with_contents_says_what_it_holds(staff, settings, season):
    async def build(s):
        await make_category(s, season, "best-drama")
        await make_drama(s, season, "归队")
        await make_drama(s, season, "小日子")

    run_db(settings, build)
    refused = _refusal(staff.post(f"/staff/seasons/{season.id}/remove"))
    assert "届次“2024 年度推优”不能删除：有 1 个奖项、有 2 部剧目。" in refused
    assert _count(settings, Season) == 1
    assert "season.removed" not in _actions(settings)


def test_a_category_goes_once_its_nominees_have(staff, settings, season):
    async def build(s):
        category = await make_category(s, season, "best-drama", name="最佳电视剧")
        drama = await make_drama(s, season, "归队")
        return category.id, drama.id

    category_id, drama_id = run_db(settings, build)
    staff.post(f"/staff/categories/{category_id}/nominees", {"drama_id": drama_id})
    refused = _refusal(staff.post(f"/staff/categories/{category_id}/remove"))
    assert "奖项“最佳电视剧”不能删除：有 1 个候选。" in refused
    nominee = re.search(
        r"/nominees/(\d+)/remove", staff.get(f"/staff/categories/{category_id}/nominees").text
    )
    staff.post(f"/staff/categories/{category_id}/nominees/{nominee[1]}/remove")
    done = staff.post(f"/staff/categories/{category_id}/remove")
    assert done.status_code == 303
    assert "已删除奖项“最佳电视剧”。" in staff.get(done.headers["location"]).text
    assert _count(settings, Category) == 0
    assert _actions(settings)[-1] == "category.removed"


def test_what_a_round_holds_stays(staff, settings):
    election = build_election(settings, jurors=2, methods=("approval",), nominees_per_category=2)
    category_id = election.categories["approval"]
    refused = _refusal(staff.post(f"/staff/categories/{category_id}/remove"))
    assert "有 2 个候选" in refused
    assert "已在投票轮次 final 中" in refused
    juror_id = election.juror_ids[0]
    refused = _refusal(staff.post(f"/staff/seasons/{election.season_id}/jurors/{juror_id}/remove"))
    assert "投票轮次 final 已将此评委计入" in refused
    panel_id = run_db(settings, lambda s: s.scalar(select(Panel.id)), write=False)
    refused = _refusal(staff.post(f"/staff/seasons/{election.season_id}/panels/{panel_id}/remove"))
    assert "评审组“评审委员会”不能删除：有 2 位评委、有 1 个奖项由其评选。" in refused
    assert _count(settings, Juror) == 2


def test_an_empty_panel_is_removed(staff, settings, season):
    staff.post(f"/staff/seasons/{season.id}/panels", {"code": "spare", "name": "备用组"})
    panel_id = run_db(settings, lambda s: s.scalar(select(Panel.id)), write=False)
    assert f"/panels/{panel_id}/remove" in staff.get(f"/staff/seasons/{season.id}/jury").text
    done = staff.post(f"/staff/seasons/{season.id}/panels/{panel_id}/remove")
    assert done.status_code == 303
    assert "已删除评审组“备用组”。" in staff.get(done.headers["location"]).text
    assert _count(settings, Panel) == 0
    assert _actions(settings)[-1] == "panel.removed"


def test_a_juror_in_no_round_is_removed_and_logged_out(staff, settings, second_browser):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    assert juror_login(second_browser, election.emails[0], JUROR_PASSWORD).status_code == 303
    assert _count(settings, WebSession) == 2  # the staff member's and the juror's
    done = staff.post(f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}/remove")
    assert done.status_code == 303
    page = staff.get(done.headers["location"]).text
    assert "已将评委“评委000”移出本届。" in page
    assert "评委000" not in page.split("移出本届。", 1)[1]
    assert _count(settings, Juror) == 1
    assert _count(settings, WebSession) == 1
    assert _actions(settings)[-1] == "juror.removed"
    assert second_browser.get("/juror", follow_redirects=False).status_code == 303  # log in


def test_a_juror_of_two_seasons_only_leaves_this_one(staff, settings):
    first = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    second = run_db(settings, lambda s: make_season(s, "2025"))
    staff.post(f"/staff/seasons/{second.id}/panels", {"code": "main", "name": "主评委会"})
    juror_id = first.juror_ids[0]
    staff.post(
        f"/staff/seasons/{second.id}/jurors/{juror_id}",
        {"name": "评委000", "email": first.emails[0], "panels": "main"},
    )
    done = staff.post(f"/staff/seasons/{first.season_id}/jurors/{juror_id}/remove")
    assert done.status_code == 303
    assert _count(settings, Juror) == 1
    roster = staff.get(f"/staff/seasons/{second.id}/jury").text
    assert "评委000" in roster
