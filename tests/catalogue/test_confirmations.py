"""After every action a short confirmation says what happened (issue 11): carried by the
redirect in a signed cookie, shown once by the next page, in the reader's language."""

import re

import pytest

from awards.notices import COOKIE_NAME
from tests.factories import make_category, make_drama, make_season, notice, run_db, shown_once


def _follow(staff, response) -> str:
    assert response.status_code == 303, response.text
    return staff.get(response.headers["location"]).text


@pytest.fixture
def season(settings):
    return run_db(settings, make_season)


def test_a_created_season_is_confirmed_once(staff):
    done = staff.post(
        "/staff/seasons/new", {"code": "2025", "name": "2025 年度推优", "year": "2025"}
    )
    page = _follow(staff, done)
    assert notice(page) == "已创建届次“2025 年度推优”。"
    assert notice(staff.get("/staff/seasons").text) is None  # once, not on every page after


def test_the_confirmation_is_in_the_readers_language(staff):
    staff.get("/lang/en?next=/")
    done = staff.post("/staff/seasons/new", {"code": "2025", "name": "Awards", "year": "2025"})
    assert notice(_follow(staff, done)) == "Season “Awards” created."


def test_a_planted_or_altered_notice_is_not_shown(staff, season):
    done = staff.post(
        f"/staff/seasons/{season.id}/edit", {"code": "2024", "name": "届", "year": "2024"}
    )
    value = done.cookies[COOKIE_NAME]
    body, _sep, signature = value.rpartition(".")
    staff.set_cookie(COOKIE_NAME, f"{body}x.{signature}")
    assert notice(staff.get("/staff/seasons").text) is None
    staff.set_cookie(COOKIE_NAME, "eyJtIjoiSGFja2VkIiwicCI6e319.00")
    assert notice(staff.get("/staff/seasons").text) is None


def test_only_the_page_redirected_to_shows_thenotice(staff, season):
    """A page opened meanwhile (the public register in another tab) neither shows nor uses
    it up: a test that went there instead of following the redirect saw a changed title in
    the confirmation on the public page."""
    done = staff.post(
        f"/staff/seasons/{season.id}/edit", {"code": "2024", "name": "届", "year": "2024"}
    )
    assert notice(staff.get("/rounds").text) is None
    assert notice(staff.get("/staff/audit").text) is None
    assert notice(staff.get(done.headers["location"]).text) == "已保存届次“届”。"


def test_a_redirect_that_lands_on_another_keeps_thenotice(staff, season):
    done = staff.post(
        f"/staff/seasons/{season.id}/edit", {"code": "2024", "name": "届", "year": "2024"}
    )
    assert done.status_code == 303
    hop = staff.get("/staff", follow_redirects=False)  # /staff redirects to the seasons list
    assert hop.status_code == 303
    assert notice(staff.get(hop.headers["location"]).text) == "已保存届次“届”。"


def test_catalogue_actions_say_what_they_did(staff, settings, season):
    async def build(s):
        drama = await make_drama(s, season, "归队")
        category = await make_category(s, season, "best-drama")
        return drama.id, category.id

    drama_id, category_id = run_db(settings, build)
    steps = [
        (
            f"/staff/seasons/{season.id}/categories/new",
            {
                "code": "best-web",
                "name": "最佳网络剧",
                "subject": "work",
                "method": "approval",
                "winners": "1",
                "max_choices": "1",
                "quorum": "0",
                "disclosure": "winners",
            },
            "已创建奖项“最佳网络剧”。",
        ),
        (f"/staff/categories/{category_id}/move", {"direction": "down"}, "已保存奖项顺序。"),
        (
            f"/staff/seasons/{season.id}/dramas/new",
            {"title": "小日子", "kind": "tv"},
            "已添加剧目“小日子”。",
        ),
        (
            f"/staff/dramas/{drama_id}/edit",
            {"title": "归队", "kind": "web"},
            "已保存剧目“归队”。",
        ),
        (
            f"/staff/categories/{category_id}/nominees/",
            {"drama_id": str(drama_id)},
            # the drama was made a web drama above, and the category is for TV dramas
            "已添加候选“归队”。请核对：此剧为网络剧，而本奖项评选电视剧。",
        ),
    ]
    for url, data, message in steps:
        assert notice(_follow(staff, staff.post(url, data))) == message, url


def test_a_drama_import_says_how_many_were_added(staff, season):
    data = "剧名,类型\r\n归队,电视剧\r\n小日子,网络剧\r\n".encode()
    done = staff.upload(f"/staff/seasons/{season.id}/dramas/import", "d.csv", data)
    assert notice(_follow(staff, done)) == "已导入剧目：新增 2 部。"


def test_jury_actions_say_what_they_did(staff, season):
    panel = staff.post(f"/staff/seasons/{season.id}/panels", {"code": "main", "name": "主评委会"})
    assert notice(_follow(staff, panel)) == "已创建评审组“主评委会”。"
    juror = staff.post(
        f"/staff/seasons/{season.id}/jurors",
        {"name": "张三", "email": "zhang@example.org", "panels": "main"},
    )
    assert notice(_follow(staff, juror)) == "已添加评委“张三”。"
    juror_id = re.findall(r"/jurors/(\d+)", staff.get(f"/staff/seasons/{season.id}/jury").text)[0]
    saved = staff.post(
        f"/staff/seasons/{season.id}/jurors/{juror_id}",
        {"name": "张三丰", "email": "zhang@example.org", "panels": "main"},
    )
    assert notice(_follow(staff, saved)) == "已保存评委“张三丰”。"
    roster = "姓名,邮箱,评审组\r\n李四,li@example.org,main\r\n王五,wang@example.org,main\r\n"
    done = staff.upload(f"/staff/seasons/{season.id}/jurors/import", "r.csv", roster.encode())
    assert notice(_follow(staff, done)) == "已导入评委名单：共 2 人。"


def test_a_deleted_drama_is_confirmed_once(staff, settings, season):
    drama = run_db(settings, lambda s: make_drama(s, season, "归队"))
    deleted = staff.post(f"/staff/dramas/{drama.id}/delete", {"confirm": "yes"})
    assert shown_once(staff, deleted) == "已删除剧目“归队”。"
