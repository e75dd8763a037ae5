"""Issue 11 (staff pages): the juror's page names declared works by title (not "#111"), and its
recusal table is a filtered, paged list (it was one form per nominee of the season: 533 forms,
371 KB)."""

import re

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from awards.catalogue import nominees
from awards.jury import conflicts
from awards.models import Category, Drama
from tests.factories import build_election, make_drama, run_db


def _many_nominees(settings, count: int = 120):
    """An election whose one category has `count` nominees; the first juror declared a work."""
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)

    async def add(s):
        category = await s.get(
            Category, election.categories["approval"], options=[selectinload(Category.season)]
        )
        for i in range(count):
            drama = await make_drama(s, category.season, f"长剧名{i:03d}", companies=f"出品{i}")
            await nominees.add_nominee(s, category, nominees.NomineeForm(drama.id, "", ""), "test")
        work_id = await s.scalar(select(Drama.id).where(Drama.title == "长剧名007"))
        await conflicts.declare(s, election.juror_ids[0], drama_id=work_id, role="编剧")
        return work_id

    return election, run_db(settings, add)


def _page(staff, election, **params):
    url = f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}"
    answer = staff.get(url, params=params)
    assert answer.status_code == 200, answer.text
    return answer.text


def _rows(page: str) -> list[str]:
    """The nominees in the recusal table."""
    return re.findall(r'<td data-label="候选">(长剧名\d{3})</td>', page)


def test_declared_works_are_named_by_title(staff, settings):
    election, work_id = _many_nominees(settings, count=10)
    page = _page(staff, election)
    declared = re.search(r"<h2>申报的利益冲突</h2>\s*<ul>(.*?)</ul>", page, re.S)
    assert declared is not None, page
    assert "长剧名007" in declared[1]
    assert f"#{work_id}" not in declared[1]


def test_the_recusal_table_is_filtered_and_paged(staff, settings):
    election, _work = _many_nominees(settings)
    first = _page(staff, election)
    assert len(first.encode()) < 60_000
    # By default: the recusals in force and staff decisions, here the declared work alone.
    assert first.count('name="nominee_id"') == 1
    assert "长剧名007" in first
    everything = _page(staff, election, show="all")
    rows = everything.count('name="nominee_id"')
    assert 10 <= rows <= 50
    assert re.search(r"第 1 页，共 \d+ 页", everything)
    second = _page(staff, election, show="all", page="2")
    assert second.count('name="nominee_id"') >= 1
    assert set(_rows(second)).isdisjoint(_rows(everything))
    found = _page(staff, election, q="长剧名11")
    assert set(_rows(found)) == {f"长剧名{i}" for i in range(110, 120)}
    assert 'value="长剧名11"' in found  # the search box keeps its text
    nothing = _page(staff, election, q="没有这部剧")
    assert nothing.count('name="nominee_id"') == 0
    assert "没有符合条件的候选" in nothing


def test_a_decision_returns_to_the_same_filter(staff, settings):
    election, _work = _many_nominees(settings, count=30)
    page = _page(staff, election, q="长剧名020")
    found = re.search(r'name="nominee_id" value="(\d+)"', page)
    assert found is not None
    answer = staff.post(
        f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}/recusals",
        {"nominee_id": found[1], "decision": "recuse", "reason": "利益关联", "q": "长剧名020"},
    )
    assert answer.status_code == 303
    assert "q=%E9%95%BF" in answer.headers["location"]
    back = staff.get(answer.headers["location"]).text
    assert back.count('name="nominee_id"') == 1
    assert "利益关联" in back
