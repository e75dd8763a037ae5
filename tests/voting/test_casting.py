"""Casting secret ballots through the browser pages and the JSON API: every ballot kind valid
and invalid, abstention, one cast only, trackers shown once, nothing stored on refusal."""

import json
import re
from dataclasses import replace

import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from awards.app import create_app
from awards.models import Ballot, Participation, WebSession
from ballots.content import FORMS
from tests.factories import Browser, build_election, juror_login, run_db

ALL_METHODS = ("approval", "borda", "irv", "schulze", "score_mean", "score_trimmed_mean")


def _stored(settings, election) -> tuple[int, list[Ballot]]:
    async def read(s):
        participations = await s.scalar(select(func.count()).select_from(Participation))
        return participations, list(await s.scalars(select(Ballot)))

    return run_db(settings, read, write=False)


@pytest.fixture
def election(settings):
    return build_election(settings, jurors=3, methods=ALL_METHODS)


@pytest.fixture
def juror(browser, election):
    assert juror_login(browser, election.emails[0]).status_code == 303
    return browser


def _form(election, **overrides) -> dict:
    """A valid ballot for every category, as the ballot page would post it."""
    c, n = election.categories, election.nominees
    form = {
        f"c{c['approval']}": [n["approval"][1], n["approval"][0]],
        f"c{c['borda']}.{n['borda'][2]}": "1",
        f"c{c['borda']}.{n['borda'][0]}": "2",
        f"c{c['irv']}.{n['irv'][1]}": "1",
        f"c{c['schulze']}.abstain": "on",
        f"c{c['score_mean']}.{n['score_mean'][0]}": "7",
        f"c{c['score_mean']}.{n['score_mean'][1]}": "10",
        f"c{c['score_trimmed_mean']}.{n['score_trimmed_mean'][2]}": "55",
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def test_the_ballot_page_offers_every_kind(juror, election):
    page = juror.get(f"/juror/rounds/{election.round_id}/ballot")
    assert page.status_code == 200
    html = page.text
    assert html.count('type="checkbox" name="c') >= 3  # approval boxes
    assert 'class="rank"' in html
    assert 'class="score"' in html
    assert html.count("本奖项我弃权") == len(ALL_METHODS)
    assert "剧目0" in html
    assert "公司0" in html


def test_review_then_cast_stores_exactly_the_choices(juror, settings, election):
    review = juror.post(f"/juror/rounds/{election.round_id}/review", _form(election))
    assert review.status_code == 200, review.text
    assert "核对选票" in review.text
    assert "投出选票" in review.text
    assert _stored(settings, election) == (0, [])  # reviewing stores nothing
    hidden = dict(re.findall(r'<input type="hidden" name="(c[^"]+)" value="([^"]*)">', review.text))
    assert hidden, "the review page carries the choices"
    cast = juror.post(f"/juror/rounds/{election.round_id}/cast", _form(election))
    assert cast.status_code == 200
    trackers = re.findall(r'<code class="tracker">([0-9a-f]{32})</code>', cast.text)
    assert len(trackers) == len(ALL_METHODS)
    assert "data:text/plain" in cast.text
    assert 'download="trackers.txt"' in cast.text
    participations, ballots = _stored(settings, election)
    assert participations == 1
    assert sorted(b.tracker for b in ballots) == sorted(trackers)
    c, n = election.categories, election.nominees
    contents = {b.category_id: json.loads(b.content) for b in ballots}
    assert contents[c["approval"]] == {"approve": sorted([n["approval"][0], n["approval"][1]])}
    assert contents[c["borda"]] == {"ranking": [n["borda"][2], n["borda"][0]]}
    assert contents[c["irv"]] == {"ranking": [n["irv"][1]]}
    assert contents[c["schulze"]] == {"abstain": True}
    assert contents[c["score_mean"]] == {"scores": {n["score_mean"][0]: 7, n["score_mean"][1]: 10}}
    # Stored as canonical JSON, the form the election record uses.
    assert all(
        b.content
        == json.dumps(
            json.loads(b.content), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        )
        for b in ballots
    )


def test_a_second_cast_is_refused_kindly_and_stores_nothing(juror, settings, election):
    assert juror.post(f"/juror/rounds/{election.round_id}/cast", _form(election)).status_code == 200
    again = juror.post(f"/juror/rounds/{election.round_id}/cast", _form(election))
    assert again.status_code == 409
    assert "你已投票" in again.text
    participations, ballots = _stored(settings, election)
    assert (participations, len(ballots)) == (1, len(ALL_METHODS))
    back = juror.get(f"/juror/rounds/{election.round_id}/ballot")
    assert back.status_code == 200
    assert "你已在" in back.text
    assert "剧目0" not in back.text  # the ballot is never shown again


def test_abstaining_everywhere_is_a_ballot(juror, settings, election):
    form = {f"c{cid}.abstain": "on" for cid in election.categories.values()}
    assert juror.post(f"/juror/rounds/{election.round_id}/cast", form).status_code == 200
    _p, ballots = _stored(settings, election)
    assert [json.loads(b.content) for b in ballots] == [{"abstain": True}] * len(ALL_METHODS)


@pytest.mark.parametrize(
    ("method", "fields", "message"),
    [
        ("approval", lambda n: {"": [n[0], n[1], n[2]]}, "最多选 2 项。"),
        ("approval", lambda n: {"": ["n999999"]}, "所选项不是本奖项的候选。"),
        ("borda", lambda n: {f".{n[0]}": "1", f".{n[1]}": "1"}, "有两个候选名次相同。"),
        ("irv", lambda n: {f".{n[0]}": "0"}, "名次从 1 开始。"),
        ("irv", lambda n: {}, "请至少为一个候选排名，或选择弃权。"),
        ("schulze", lambda n: {f".{n[0]}": "first"}, "“first”不是整数。"),
        ("score_mean", lambda n: {f".{n[0]}": "11"}, "分数范围为 1 到 10。"),
        ("score_trimmed_mean", lambda n: {}, "请至少为一个候选打分，或选择弃权。"),
    ],
)
def test_invalid_ballots_are_refused_per_category(
    juror, settings, election, method, fields, message
):
    cid = election.categories[method]
    prefix = f"c{cid}"
    cleared = {k: None for k in _form(election) if k == prefix or k.startswith(prefix + ".")}
    given = {prefix + suffix: value for suffix, value in fields(election.nominees[method]).items()}
    response = juror.post(
        f"/juror/rounds/{election.round_id}/cast", _form(election, **{**cleared, **given})
    )
    assert response.status_code == 422
    assert message in response.text
    assert _stored(settings, election) == (0, [])


def test_a_recused_nominee_posted_by_hand_is_refused(browser, settings):
    from awards.jury import conflicts

    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)

    async def declare_and_open(s):
        from awards.models.base import utcnow
        from awards.voting import opening, rounds

        await conflicts.declare(s, election.juror_ids[0], company="公司1")
        await opening.open_round(s, await rounds.get_round(s, election.round_id), utcnow(), "test")

    run_db(settings, declare_and_open)
    juror_login(browser, election.emails[0])
    page = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert "回避：申报关联公司：公司1" in page
    assert re.search(r'value="' + election.nominees["approval"][1] + r'" disabled', page)
    cid = election.categories["approval"]
    refused = browser.post(
        f"/juror/rounds/{election.round_id}/cast", {f"c{cid}": election.nominees["approval"][1]}
    )
    assert refused.status_code == 422
    assert "你选择了需要回避的候选。" in refused.text
    assert _stored(settings, election) == (0, [])
    public = browser.get(f"/rounds/{election.round_id}").text
    assert "评委000" in public
    assert "申报关联公司：公司1" in public


def test_ranked_categories_exclude_a_juror_recused_from_any_nominee(browser, settings):
    from awards.jury import conflicts
    from awards.models.base import utcnow
    from awards.voting import opening, rounds

    election = build_election(settings, jurors=2, methods=("irv", "approval"), open_round=False)

    async def declare_and_open(s):
        await conflicts.declare(s, election.juror_ids[0], company="公司2")
        round_ = await rounds.get_round(s, election.round_id)
        await opening.open_round(s, round_, utcnow(), "test")
        return round_.eligible_jurors

    assert run_db(settings, declare_and_open) == 2
    juror_login(browser, election.emails[0])
    page = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert f'id="cat-{election.categories["approval"]}"' in page
    cid = election.categories["irv"]
    # Shown with the reason (issue 11: it had vanished without a word), with nothing to fill in.
    assert f'<section class="category not-voting" id="cat-{cid}">' in page
    assert f'name="c{cid}.' not in page
    sneaky = {
        f"c{cid}.{election.nominees['irv'][0]}": "1",
        f"c{election.categories['approval']}.abstain": "on",
    }
    response = browser.post(f"/juror/rounds/{election.round_id}/cast", sneaky)
    assert response.status_code == 200  # the irv field is ignored: not on this juror's ballot
    _p, ballots = _stored(settings, election)
    assert [b.category_id for b in ballots] == [election.categories["approval"]]


def test_casting_changes_no_session_state(juror, settings, election):
    before = run_db(settings, lambda s: s.scalars(select(WebSession)), write=False).all()
    cast = juror.post(f"/juror/rounds/{election.round_id}/cast", _form(election))
    trackers = re.findall(r'<code class="tracker">([0-9a-f]{32})</code>', cast.text)
    after = run_db(settings, lambda s: s.scalars(select(WebSession)), write=False).all()
    assert [(w.id_hash, w.created_at) for w in before] == [(w.id_hash, w.created_at) for w in after]
    assert not any(t in (c.value or "") for c in juror.client.cookies.jar for t in trackers)


def test_staff_cannot_open_a_ballot(staff, election):
    assert staff.get(f"/juror/rounds/{election.round_id}/ballot").status_code == 403


def test_api_ballot_definition_cast_and_status(juror, settings, election):
    headers = {"x-csrftoken": juror.csrf()}
    definition = juror.get(f"/api/rounds/{election.round_id}/ballot").json()
    assert {c["method"] for c in definition["categories"]} == set(ALL_METHODS)
    approval = next(c for c in definition["categories"] if c["method"] == "approval")
    assert approval["max_choices"] == 2
    assert juror.get(f"/api/rounds/{election.round_id}/status").json()["voted"] is False
    ballots = {c["id"]: {"abstain": True} for c in definition["categories"]}
    ballots[approval["id"]] = {"approve": sorted(n["id"] for n in approval["nominees"][:2])}
    bad = juror.client.post(
        f"/api/rounds/{election.round_id}/cast",
        json={"ballots": {**ballots, approval["id"]: {"approve": ["x"]}}},
        headers=headers,
    )
    assert bad.status_code == 422
    assert approval["id"] in bad.json()["fields"]
    no_csrf = juror.client.post(f"/api/rounds/{election.round_id}/cast", json={"ballots": ballots})
    assert no_csrf.status_code == 403
    cast = juror.client.post(
        f"/api/rounds/{election.round_id}/cast", json={"ballots": ballots}, headers=headers
    )
    assert cast.status_code == 201
    assert set(cast.json()["trackers"]) == set(ballots)
    again = juror.client.post(
        f"/api/rounds/{election.round_id}/cast", json={"ballots": ballots}, headers=headers
    )
    assert again.status_code == 409
    assert "投过票" in again.json()["error"]
    assert juror.get(f"/api/rounds/{election.round_id}/status").json()["voted"] is True
    assert _stored(settings, election)[0] == 1


def test_each_juror_sees_the_nominees_in_an_order_of_their_own(settings):
    """Against ballot-order bias: the order differs from juror to juror, and stays the same for
    one juror from page load to page load. (A fixed secret keeps the test deterministic: with a
    random one, two of the three orders would coincide once in about 13,000 runs.)"""
    settings = replace(settings, secret_key="a fixed secret for a deterministic shuffle")
    election = build_election(settings, jurors=3, methods=("irv",), nominees_per_category=8)
    url = f"/api/rounds/{election.round_id}/ballot"
    with TestClient(create_app(settings), base_url="http://testserver.local") as client:
        browser = Browser(client)

        def order() -> list[str]:
            return [n["id"] for n in browser.get(url).json()["categories"][0]["nominees"]]

        orders = []
        for email in election.emails:
            assert juror_login(browser, email).status_code == 303
            first = order()
            assert order() == first
            assert sorted(first) == sorted(election.nominees["irv"])
            orders.append(first)
    assert len({tuple(o) for o in orders}) == 3


def test_openapi_schema_describes_only_the_api(client):
    schema = client.get("/schema/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/rounds/{round_id}/ballot",
        "/api/rounds/{round_id}/booth",
        "/api/rounds/{round_id}/cast",
        "/api/rounds/{round_id}/status",
        "/api/rounds/{round_id}/trackers",
    }


@pytest.mark.parametrize("abstain", [1, 1.0, False, "true"])
def test_an_abstention_is_true_exactly(juror, settings, election, abstain):
    """Issue 8: {"abstain": 1} was cast (1 == True), then counted as a vote, and the tally
    raised KeyError while sealing: the round could never be closed."""
    definition = juror.get(f"/api/rounds/{election.round_id}/ballot").json()
    ballots = {c["id"]: {"abstain": abstain} for c in definition["categories"]}
    response = juror.client.post(
        f"/api/rounds/{election.round_id}/cast",
        json={"ballots": ballots},
        headers={"x-csrftoken": juror.csrf()},
    )
    assert response.status_code == 422
    assert set(response.json()["fields"]) == set(ballots)
    assert set(response.json()["fields"].values()) == {'弃权请提交 {"abstain": true}。'}
    assert _stored(settings, election) == (0, [])


def _api_refusal(juror, election, method: str, content) -> str:
    definition = juror.get(f"/api/rounds/{election.round_id}/ballot").json()
    ballots = {c["id"]: {"abstain": True} for c in definition["categories"]}
    code = next(c["id"] for c in definition["categories"] if c["method"] == method)
    response = juror.client.post(
        f"/api/rounds/{election.round_id}/cast",
        json={"ballots": {**ballots, code: content}},
        headers={"x-csrftoken": juror.csrf()},
    )
    assert response.status_code == 422, response.text
    return response.json()["fields"][code]


@pytest.mark.parametrize(
    ("method", "content", "message"),
    [
        ("approval", {"approve": 5}, '本奖项的选票格式应为 {"approve": [ids]}。'),
        ("approval", {"approve": [["n1"]]}, '本奖项的选票格式应为 {"approve": [ids]}。'),
        ("irv", {"ranking": [1, 2]}, '本奖项的选票格式应为 {"ranking": [ids]}。'),
        ("score_mean", {"scores": [1]}, '本奖项的选票格式应为 {"scores": {id: score}}。'),
        ("score_mean", {"scores": {}}, "请至少为一个候选打分，或选择弃权。"),
        ("irv", {"ranking": []}, "请至少为一个候选排名，或选择弃权。"),
        ("score_mean", {"scores": "x"}, '本奖项的选票格式应为 {"scores": {id: score}}。'),
    ],
)
def test_api_ballots_of_the_wrong_json_type_are_refused_in_chinese(
    juror, settings, election, method, content, message
):
    """{"approve": 5} or a list inside the list raised TypeError in the recusal check (500)."""
    assert _api_refusal(juror, election, method, content) == message
    assert _stored(settings, election) == (0, [])


def test_api_every_problem_code_has_its_own_message(juror, election):
    n = election.nominees
    approval, score = n["approval"], n["score_mean"]
    messages = {
        "repeated": _api_refusal(juror, election, "approval", {"approve": [approval[0]] * 2}),
        "unsorted": _api_refusal(
            juror, election, "approval", {"approve": sorted(approval[:2])[::-1]}
        ),
        "score": _api_refusal(juror, election, "score_mean", {"scores": {score[0]: 7.5}}),
        "above": _api_refusal(juror, election, "score_mean", {"scores": {score[0]: 11}}),
    }
    assert messages == {
        "repeated": "同一候选被选了两次。",
        "unsorted": "所选候选须按编号升序排列。",
        "score": "“7.5”不是整数。",
        "above": "分数范围为 1 到 10。",
    }


def test_api_ballot_errors_follow_the_jurors_language(juror, settings, election):
    """Issue 9: on SQLite the cast runs on the writer thread, which did not see the request's
    context variables, so a juror browsing in English got the ballot's errors in Chinese."""
    juror.set_cookie("lang", "en")
    assert _api_refusal(juror, election, "irv", {"ranking": []}) == (
        "Rank at least one nominee, or abstain."
    )
    assert _api_refusal(juror, election, "approval", {"approve": ["n999999"]}) == (
        "A choice is not a nominee of this category."
    )
    assert _stored(settings, election) == (0, [])


@pytest.mark.parametrize(
    "body",
    [
        '{"ballots": {"approval": {"approve": ' + "[" * 20_000 + "]" * 20_000 + "}}}",
        '{"ballots": {"approval": ' + '{"a":' * 20_000 + "1" + "}" * 20_000 + "}}",
        '{"ballots": {"score-mean": {"scores": {"n1": ' + "[" * 990 + "]" * 990 + "}}}}",
        '{"ballots": ' + "[" * 20_000 + "]" * 20_000 + "}",
    ],
)
def test_api_deeply_nested_json_is_refused_with_a_message(juror, settings, election, body):
    """Issue 9: decoding a ballot of `Any` recursed once per level (RecursionError, 500)."""
    response = juror.client.post(
        f"/api/rounds/{election.round_id}/cast",
        content=body,
        headers={"x-csrftoken": juror.csrf(), "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "请求中的 JSON 嵌套层数过多。"
    assert _stored(settings, election) == (0, [])


@pytest.mark.parametrize("method", ALL_METHODS)
def test_api_refuses_the_mark_of_a_ballot_invalid_once_decrypted(juror, settings, election, method):
    """Issue 13: `{"invalid": true}` is what a sealed round's record writes for a ballot that
    broke the rules; a juror who sends it is refused by the ballot rules, as any other shape."""
    refused = _api_refusal(juror, election, method, {"invalid": True})
    assert refused == f"本奖项的选票格式应为 {FORMS[method]}。"
    assert _stored(settings, election) == (0, [])


def test_the_form_cannot_mark_a_ballot_invalid(juror, settings, election):
    """Issue 13: the form has no field for the mark; one posted by hand, in place of the
    category's fields, leaves the category unvoted and the cast refused."""
    cid = election.categories["irv"]
    cleared = {k: None for k in _form(election) if k.startswith(f"c{cid}")}
    form = _form(election, **cleared, **{f"c{cid}.invalid": "true", f"c{cid}": "invalid"})
    response = juror.post(f"/juror/rounds/{election.round_id}/cast", form)
    assert response.status_code == 422
    assert "请至少为一个候选排名，或选择弃权。" in response.text
    assert _stored(settings, election) == (0, [])
