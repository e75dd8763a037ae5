"""The public results page says results as the terminal and the report do (issue 11): votes and
a percentage, the winners as 获奖者, ties as 并列; in English, the English names entered for the
category and the dramas (frozen at opening), on the results page and the round's manifest."""

import re

from sqlalchemy import select, update

from awards.models import Category, Drama
from tests.factories import build_election, juror_login, run_db


def _published_round(staff, juror, settings, kind: str = "final", **category) -> int:
    """Five jurors; each approves the first of the three nominees, the first two also the second."""
    election = build_election(
        settings, jurors=5, methods=("approval",), open_round=False, kind=kind
    )

    async def name(session) -> None:
        await session.execute(
            update(Category).values(
                name_en="Outstanding TV Drama", disclosure="full", winners=1, **category
            )
        )
        first = await session.scalar(select(Drama).where(Drama.title == "剧目0"))
        first.title_en = "The Return"

    run_db(settings, name)
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}).status_code == 303
    )
    cid = election.categories["approval"]
    for i, email in enumerate(election.emails):
        juror.client.cookies.clear()
        juror_login(juror, email)
        page = juror.get(f"/juror/rounds/{election.round_id}/ballot").text
        keys = sorted(re.findall(rf'name="c{cid}" value="(n\d+)"', page), key=lambda k: int(k[1:]))
        chosen = keys[:2] if i < 2 else keys[:1]
        cast = juror.post(f"/juror/rounds/{election.round_id}/cast", {f"c{cid}": chosen})
        assert cast.status_code == 200, cast.text[-300:]
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/publish", {"confirm": "yes"}).status_code
        == 303
    )
    return election.round_id


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_results_page_says_votes_and_shares_in_either_language(staff, second_browser, settings):
    round_id = _published_round(staff, second_browser, settings)
    client = second_browser.client
    client.cookies.clear()
    page = _text(client.get(f"/rounds/{round_id}/results").text)
    assert "获奖者：剧目0" in page
    assert "5 票（100%）" in page
    assert "2 票（40%）" in page
    assert "0 票（0%）" in page
    assert not re.search(r"\b\d+/\d+\b", page)
    client.get("/lang/en", params={"next": "/"})
    english = _text(client.get(f"/rounds/{round_id}/results").text)
    assert "Outstanding TV Drama" in english
    assert "Winners: The Return" in english
    assert "5 votes (100%)" in english
    assert "年度优秀电视剧" not in english
    manifest = _text(client.get(f"/rounds/{round_id}").text)
    assert "Outstanding TV Drama" in manifest
    assert "年度优秀电视剧" not in manifest


def test_a_nomination_round_shortlists_and_awards_nothing(staff, second_browser, settings):
    """Its outcome is 入围 (the category's shortlist size is the cut), never 获奖."""
    round_id = _published_round(staff, second_browser, settings, "nomination", shortlist_size=2)
    second_browser.client.cookies.clear()
    page = _text(second_browser.get(f"/rounds/{round_id}/results").text)
    assert "入围：剧目0、剧目1" in page
    assert page.count("入围") == 4  # the list, the column, and the two shortlisted
    assert "获奖" not in page
