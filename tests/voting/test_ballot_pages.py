"""The juror's ballot pages over HTTP (issue 11, "Jurors"): a session that ends while a ballot
is open, a ranked category the juror does not vote in because of a recusal, and every mistake
of a ballot reported at once."""

import json
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from awards.jury import conflicts
from awards.models import Category, Drama, Juror, Nominee, Round, RoundConfig, WebSession
from awards.models.base import utcnow
from awards.voting import opening
from awards.voting.rounds import nominee_id_of
from tests.factories import build_election, juror_login, run_db

pytestmark = pytest.mark.database("sqlite")  # pages over the same units on every database


def _end_sessions(settings) -> None:
    """Every session idle for longer than the limit, as after a long lunch."""

    async def age(s):
        long_ago = utcnow() - timedelta(minutes=settings.session_idle_minutes + 5)
        await s.execute(update(WebSession).values(last_seen_at=long_ago))

    run_db(settings, age)


def test_a_ballot_sent_after_the_session_ended_leads_to_the_juror_login_and_back(settings, browser):
    """Issue 11: a juror whose session had ended clicked "review" and lost the ballot; a form
    sent without a session leads, after the login, back to the page it was sent from (the
    review's own address answers only POST)."""
    election = build_election(settings, jurors=1)
    assert juror_login(browser, election.emails[0]).status_code == 303
    ballot = f"/juror/rounds/{election.round_id}/ballot"
    _end_sessions(settings)
    sent = browser.post(
        f"/juror/rounds/{election.round_id}/review",
        {"c1.abstain": "on"},
        headers={"referer": "http://testserver.local" + ballot},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/juror/login?next={ballot}"
    again = juror_login(browser, election.emails[0])
    login_page = browser.get(sent.headers["location"])
    assert f'name="next" value="{ballot}"' in login_page.text
    # The review and cast addresses, reached by a link, a reload or a login, show the ballot.
    for page in ("review", "cast"):
        answer = browser.get(f"/juror/rounds/{election.round_id}/{page}", follow_redirects=False)
        assert answer.status_code == 303, page
        assert answer.headers["location"] == ballot
    assert again.status_code == 303


@pytest.mark.parametrize(
    ("referer", "expected"),
    [
        (None, "/juror/login"),  # nothing to go back to: the juror's home after the login
        ("http://elsewhere.example/juror/rounds/1/ballot", "/juror/login"),  # not this site
    ],
)
def test_a_form_sent_without_a_session_never_goes_back_elsewhere(
    settings, browser, referer, expected
):
    election = build_election(settings, jurors=1)
    headers = {"referer": referer} if referer else {}
    sent = browser.post(f"/juror/rounds/{election.round_id}/review", {}, headers=headers)
    assert sent.status_code == 303
    assert sent.headers["location"] == expected


def test_a_page_reached_without_a_session_keeps_its_query(settings, browser):
    answer = browser.get("/juror/rounds/1/ballot?x=1", follow_redirects=False)
    assert answer.headers["location"] == "/juror/login?next=/juror/rounds/1/ballot%3Fx%3D1"


def test_the_ballot_keeps_the_session_alive_and_says_for_how_long(settings, browser):
    """The ballot page's light request while the juror works: it refreshes the session and says
    how long it lasts without another; once ended it answers 401, never a login page."""
    election = build_election(settings, jurors=1)
    juror_login(browser, election.emails[0])
    page = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert f'data-session-seconds="{settings.session_idle_minutes * 60}"' in page
    status = f"/api/rounds/{election.round_id}/status"
    answer = browser.get(status).json()
    assert answer["session_seconds"] == settings.session_idle_minutes * 60
    assert answer["voted"] is False

    async def near_the_absolute_limit(s):
        created = utcnow() - timedelta(hours=settings.session_absolute_hours, minutes=-10)
        await s.execute(update(WebSession).values(created_at=created))

    run_db(settings, near_the_absolute_limit)
    assert 9 * 60 <= browser.get(status).json()["session_seconds"] <= 10 * 60
    _end_sessions(settings)
    ended = browser.get(status)
    assert ended.status_code == 401


def _recused_election(settings):
    """A juror recused (by staff) from one nominee of a ranked category, before opening."""
    election = build_election(settings, jurors=2, methods=("approval", "irv"), open_round=False)
    recused_key = election.nominees["irv"][1]

    async def recuse_and_open(s):
        juror = await s.get(Juror, election.juror_ids[0])
        await conflicts.decide(
            s, juror, nominee_id_of(recused_key), True, "与该剧有亲属关系", "与该剧导演为夫妻", "t"
        )
        round_ = await s.get(Round, election.round_id)
        await opening.open_round(s, round_, utcnow(), "test")

    run_db(settings, recuse_and_open)
    return election


def test_a_ranked_category_the_juror_does_not_vote_in_is_shown_with_the_reason(settings, browser):
    """Issue 11: one recusal removed 最佳导演 from a juror's ballot without a word."""
    election = _recused_election(settings)
    juror_login(browser, election.emails[0])
    page = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    irv = election.categories["irv"]
    assert f'id="cat-{irv}"' in page
    assert "你不参加本奖项的投票" in page
    assert "与该剧有亲属关系" in page  # the public reason
    assert "与该剧导演为夫妻" not in page  # never staff's private note
    assert f'name="c{irv}.' not in page  # nothing to fill in
    # The juror casts the other category alone.
    approval = election.categories["approval"]
    review = browser.post(
        f"/juror/rounds/{election.round_id}/review", {f"c{approval}.abstain": "on"}
    )
    assert review.status_code == 200, review.text
    assert "你不参加本奖项的投票" in review.text


def test_staff_see_the_ranked_categories_a_juror_does_not_vote_in(settings, staff):
    election = _recused_election(settings)
    page = staff.get(f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}").text
    assert "该评委不参加投票的排序奖项" in page
    other = staff.get(f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[1]}").text
    assert "该评委不参加投票的排序奖项" not in other


def test_every_mistake_of_a_ballot_is_reported_at_once(settings, browser):
    """Issue 11: an approval over its limit was reported only on the second submission, after
    the juror had corrected a ranking."""
    election = build_election(settings, jurors=1, methods=("approval", "irv", "score_mean"))
    juror_login(browser, election.emails[0])
    approval, irv, score = (election.categories[m] for m in ("approval", "irv", "score_mean"))
    keys = election.nominees
    form = {
        f"c{approval}": keys["approval"],  # three of at most two
        f"c{irv}.{keys['irv'][0]}": "1",
        f"c{irv}.{keys['irv'][1]}": "1",  # the same rank twice
        f"c{score}.{keys['score_mean'][0]}": "11",  # above 10
    }
    answer = browser.post(f"/juror/rounds/{election.round_id}/review", form)
    assert answer.status_code == 422
    page = answer.text
    assert "最多选 2 项" in page
    assert "有两个候选名次相同" in page
    assert "分数范围为 1 到 10" in page
    for category in (approval, irv, score):  # each listed at the top, with a link
        assert f'<a href="#cat-{category}">' in page


def english_election(settings, **kw):
    """An election whose categories and dramas have English names, and whose ranked category
    names people with their roles: entered before opening, frozen by it."""
    election = build_election(settings, open_round=False, **kw)

    async def name_and_open(s):
        for method, category_id in election.categories.items():
            await s.execute(
                update(Category)
                .where(Category.id == category_id)
                .values(name_en=f"Best {method}", subject="person" if method == "irv" else "work")
            )
        for drama in await s.scalars(select(Drama)):
            drama.title_en = drama.title.replace("剧目", "Drama ")
        irv = election.nominees["irv"]
        for i, key in enumerate(irv):
            nominee = await s.get(Nominee, nominee_id_of(key))
            nominee.person_name, nominee.person_role = f"演员{i}", f"饰 阿宝{i}"
        await opening.open_round(s, await s.get(Round, election.round_id), utcnow(), "test")

    run_db(settings, name_and_open)
    return election


def test_people_show_their_role_and_english_mode_shows_english_names(settings, browser):
    """Issue 11: the ballot, review and trackers pages showed Chinese names in English mode,
    and no role beside a person."""
    election = english_election(settings, jurors=1)
    juror_login(browser, election.emails[0])
    ballot = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert "饰 阿宝0" in ballot
    assert "演员0（剧目0）" in ballot
    assert 'data-search="Drama 0"' in ballot  # the filter box finds English titles in Chinese mode
    browser.get("/lang/en")
    ballot = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert "Best irv" in ballot
    assert "演员0 (Drama 0)" in ballot
    assert "剧目0" not in ballot
    approval, irv, score = (election.categories[m] for m in ("approval", "irv", "score_mean"))
    form = {
        f"c{approval}": [election.nominees["approval"][0]],
        f"c{irv}.{election.nominees['irv'][1]}": "1",
        f"c{score}.abstain": "on",
    }
    review = browser.post(f"/juror/rounds/{election.round_id}/review", form)
    assert review.status_code == 200
    assert "Best approval" in review.text
    assert "Drama 0" in review.text
    assert "演员1 (Drama 1)" in review.text
    assert "年度优秀电视剧" not in review.text
    cast = browser.post(f"/juror/rounds/{election.round_id}/cast", form)
    assert cast.status_code == 200, cast.text
    assert "Best score_mean" in cast.text
    assert "年度优秀电视剧" not in cast.text


def test_the_frozen_configuration_carries_english_names_and_roles_only_where_entered(settings):
    election = english_election(settings, jurors=1)
    plain = build_election(settings, jurors=1, season_code="2025")

    def config(round_id):
        document = run_db(settings, lambda s: s.get(RoundConfig, round_id), write=False)
        return json.loads(document.document)

    named = {c["method"]: c for c in config(election.round_id)["categories"]}
    assert named["irv"]["name_en"] == "Best irv"
    assert named["irv"]["nominees"][0]["role"] == "饰 阿宝0"
    assert named["irv"]["nominees"][0]["label_en"] == "演员0 (Drama 0)"
    assert named["approval"]["nominees"][0]["label_en"] == "Drama 0"
    assert "role" not in named["approval"]["nominees"][0]
    for category in config(plain.round_id)["categories"]:  # as rounds always froze them
        assert "name_en" not in category
        assert all(
            set(n) == {"id", "label", "kind", "companies", "broadcaster"}
            for n in category["nominees"]
        )
