"""Secrecy of the shortlist review (DESIGN: staff never see what anyone voted): staff see of the
nomination round what the public results page may show of it, by the category's disclosure level
as shown (winners only below the small-jury threshold), and the tie across the cut they settle.
With one juror, per-nominee votes or the ranking would be that juror's ballot, and turnout names
the juror. (Found by review: the page showed every nominee's rank and votes to staff.)"""

import re
from dataclasses import replace

import pytest
from sqlalchemy import update

from awards.models import Category
from tests.factories import build_election, run_db
from tests.voting.test_final_round import _cast, _create_final


def _lone_juror(settings, staff, voters, disclosure: str, approved: list[int]):
    election = build_election(
        settings,
        jurors=1,
        methods=("approval",),
        open_round=False,
        nominees_per_category=4,
        kind="nomination",
    )
    run_db(
        settings,
        lambda s: s.execute(update(Category).values(shortlist_size=2, disclosure=disclosure)),
    )
    rid = election.round_id
    assert staff.post(f"/staff/rounds/{rid}/open", {"confirm": "yes"}).status_code == 303
    approval = election.categories["approval"]
    keys = election.nominees["approval"]
    _cast(voters, election, rid, [{f"c{approval}": [keys[i] for i in approved]}])
    assert staff.post(f"/staff/rounds/{rid}/close", {"confirm": "yes"}).status_code == 303
    return election


def _votes(page: str) -> list[str]:
    return re.findall(r"\d+ (?:票|votes?)", page)


def _lot(page: str) -> str:
    """The tie's list of nominees."""
    found = re.search(r'class="lot".*?</[ou]l>', page, re.S)
    assert found, "no tie shown"
    return found.group()


def test_below_the_threshold_staff_see_who_is_inside_the_cut_and_the_tie_only(
    settings, staff, second_browser
):
    # The juror approves 剧目3 alone: 剧目0..2 tie at 0 votes for the second place.
    election = _lone_juror(settings, staff, second_browser, "counts", [3])
    rid, approval = election.round_id, election.categories["approval"]
    public = staff.get(f"/rounds/{rid}/results").text
    assert not _votes(public)  # one ballot: the public page shows the winners only

    page = staff.get(f"/staff/rounds/{rid}/shortlist").text
    assert not _votes(page), "staff see per-nominee votes of a one-ballot category"
    assert "有效票" not in page  # nor the count of valid ballots, as the public page
    assert not re.search(r'<td class="rank">\d', page)  # nor the ranking
    table = page[page.index('<table class="shortlist"') :]
    rows = re.findall(r"<td>(剧目\d)</td>", table)
    inside, rest = rows[:2], rows[2:]
    assert "剧目3" in inside
    assert inside == sorted(inside)  # by name, not by rank (剧目3 came first)
    # The tie staff settle: the two outside the cut, not which nominee inside it is tied (that
    # would say 剧目3 had more votes than the rest: the lone ballot).
    assert f'name="tie-{approval}"' in page
    tied = re.findall(r"<li>(剧目\d)", _lot(page))
    assert sorted(tied) == sorted(rest)

    final_id = _create_final(staff, election, **{f"tie-{approval}": "lot"})
    category = staff.get(f"/staff/rounds/{final_id}/categories/{approval}").text
    assert not _votes(category)
    assert "提名轮第" not in category  # no place in the nomination round


@pytest.fixture
def settings(settings, request):
    """The small-jury threshold as the test asks (`indirect`), else the default."""
    return replace(settings, small_jury_threshold=getattr(request, "param", 5))


@pytest.mark.parametrize("settings", [1], indirect=True)
def test_the_ranking_level_shows_the_order_and_no_votes(settings, staff, second_browser):
    election = _lone_juror(settings, staff, second_browser, "ranking", [3])
    rid, approval = election.round_id, election.categories["approval"]
    page = staff.get(f"/staff/rounds/{rid}/shortlist").text
    assert not _votes(page)
    assert "有效票" not in page
    assert re.search(r'<td class="rank">1</td>\s*<td>剧目3</td>', page)  # as the public sees it
    assert len(re.findall(r"<li>剧目\d", _lot(page))) == 3  # public: ties shown
    final_id = _create_final(staff, election, **{f"tie-{approval}": "lot"})
    category = staff.get(f"/staff/rounds/{final_id}/categories/{approval}").text
    assert "提名轮第 1 名" in category
    assert not _votes(category)
