"""The nominees page (issue 11): import from a file as `awards import nominees` does, search
with pages, the search kept after "add", a warning for a drama of another kind than the
category's, and every list in pinyin order."""

import re

import pytest
from sqlalchemy import func, select

from awards import collation
from awards.models import Nominee
from tests.factories import make_category, make_drama, make_season, run_db

# In pinyin order (a bei bian chang fan gui xiao); by code point 凡 北 小 归 边 长 阿.
TITLES = ["阿麦从军", "北上", "边水往事", "长安十二时辰", "凡人歌", "归队", "小日子"]


def _titles(html: str, css: str = "nominee") -> list[str]:
    return re.findall(rf'<td class="{css}">([^<]*)', html)


@pytest.fixture
def season(settings):
    return run_db(settings, make_season)


@pytest.fixture
def category(settings, season):
    """最佳电视剧, for works."""

    async def build(s):
        return (await make_category(s, season, "best-drama", name="最佳电视剧")).id

    return run_db(settings, build)


def _add_dramas(settings, season, titles, kind="tv"):
    async def build(s):
        return [(await make_drama(s, season, t, kind=kind)).id for t in titles]

    return run_db(settings, build)


def test_the_sort_key_orders_chinese_by_pinyin():
    assert sorted(reversed(TITLES), key=collation.sort_key) == TITLES
    assert collation.by_name(["b", "A", "a"], str) == ["A", "a", "b"]  # case aside, then text


def test_search_results_have_pages(staff, settings, season, category):
    _add_dramas(settings, season, [f"剧{n:03}" for n in range(120)])
    first = staff.get(f"/staff/categories/{category}/nominees?q=剧")
    assert "共 120 部" in first.text
    assert "第 1 页，共 3 页" in first.text
    assert len(re.findall(r'name="drama_id"', first.text)) == 50
    last = staff.get(f"/staff/categories/{category}/nominees?q=剧&page=3")
    assert len(re.findall(r'name="drama_id"', last.text)) == 20
    assert "剧119" in last.text


def test_adding_keeps_the_search_and_its_page(staff, settings, season, category):
    ids = _add_dramas(settings, season, [f"剧{n:03}" for n in range(60)])
    added = staff.post(
        f"/staff/categories/{category}/nominees", {"drama_id": ids[55], "q": "剧", "page": "2"}
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"/staff/categories/{category}/nominees?q=%E5%89%A7&page=2"
    page = staff.get(added.headers["location"]).text
    assert 'value="剧"' in page  # the search box still holds it
    assert "第 2 页，共 2 页" in page


def test_a_drama_of_another_kind_is_flagged(staff, settings, season, category):
    web = _add_dramas(settings, season, ["边水往事"], kind="web")[0]
    _add_dramas(settings, season, ["归队"])
    found = staff.get(f"/staff/categories/{category}/nominees?q=边").text
    assert '<mark class="mismatch">网络剧 · 与本奖项类型不符</mark>' in found
    added = staff.post(f"/staff/categories/{category}/nominees", {"drama_id": web, "q": "边"})
    page = staff.get(added.headers["location"]).text
    assert "请核对：此剧为网络剧，而本奖项评选电视剧。" in page  # the confirmation says so
    assert "有 1 个候选不是本奖项评选的类型（电视剧）" in page
    assert "mismatch" not in staff.get(f"/staff/categories/{category}/nominees?q=归").text


@pytest.mark.parametrize(
    ("name", "name_en", "kind"),
    [
        ("最佳电视剧", None, "tv"),
        ("最佳网络剧", None, "web"),
        ("最佳网剧导演", None, "web"),
        ("Best drama", "Best Web Drama", "web"),
        ("最佳编剧", None, None),  # names no kind: no warning
        ("最佳电视剧或网络剧", None, None),  # names both
    ],
)
def test_the_kind_a_category_names(name, name_en, kind):
    from awards.catalogue.nominees import expected_kind
    from awards.models import Category

    assert expected_kind(Category(name=name, name_en=name_en)) == kind


def test_lists_are_in_pinyin_order(staff, settings, season, category):
    ids = _add_dramas(settings, season, list(reversed(TITLES)))
    for drama_id in ids:
        staff.post(f"/staff/categories/{category}/nominees", {"drama_id": drama_id})
    nominees = staff.get(f"/staff/categories/{category}/nominees?q=").text
    assert _titles(nominees) == TITLES
    catalogue = staff.get(f"/staff/seasons/{season.id}/dramas").text
    assert [t for t in re.findall(r"<td>([^<]*)</td>", catalogue) if t in TITLES] == TITLES
    staff.post(f"/staff/seasons/{season.id}/panels", {"code": "main", "name": "主评委会"})
    for n, name in enumerate(["张三", "李四", "王五", "艾青"]):
        staff.post(
            f"/staff/seasons/{season.id}/jurors",
            {"name": name, "email": f"j{n}@example.org", "panels": "main"},
        )
    roster = staff.get(f"/staff/seasons/{season.id}/jury").text
    names = [n for n in re.findall(r">([^<>]+)<", roster) if n in ("张三", "李四", "王五", "艾青")]
    assert names[:4] == ["艾青", "李四", "王五", "张三"]


def test_nominees_import_from_the_web_page(staff, settings, season, category):
    _add_dramas(settings, season, ["归队", "小日子"])
    url = f"/staff/seasons/{season.id}/nominees/import"
    page = staff.get(url)
    assert page.status_code == 200
    assert "奖项代码" in page.text
    bad = "奖项代码,剧名\r\nbest-drama,归队\r\nnope,小日子\r\n".encode()
    refused = staff.upload(url, "n.csv", bad)
    assert refused.status_code == 422
    assert '<q class="cell">nope</q>' in refused.text
    count = select(func.count()).select_from(Nominee)
    assert run_db(settings, lambda s: s.scalar(count), write=False) == 0
    good = "奖项代码,剧名\r\nbest-drama,归队\r\nbest-drama,小日子\r\n".encode()
    done = staff.upload(url, "n.csv", good)
    assert done.status_code == 303
    assert "已导入候选：新增 2 个。" in staff.get(done.headers["location"]).text
    assert run_db(settings, lambda s: s.scalar(count), write=False) == 2
