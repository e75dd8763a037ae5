"""Issue 9 (inputs): every form field and path id goes through one parser with bounds
(`awards.forms.Fields`). A bad value gets a 4xx with a message and writes nothing; before,
`str.isdigit()` then `int()` answered 500 to `²` or a 30-digit id, a repeated `next` broke the
login and a repeated `name` was saved as the text "['a', 'b']"."""

import re

import pytest
from sqlalchemy import func, select

from awards.models import Season
from awards.models.base import Base
from tests.conftest import STAFF_PASSWORD
from tests.factories import build_election, juror_login, run_db

BAD_IDS = ["²", "٣", "9" * 30, "+1", "1_0", " 1", "0", "-1", "1.0", "0x1", "1e3"]


def table_counts(settings) -> dict[str, int]:
    """Rows in every table: a request that writes nothing leaves all of them as they were."""

    async def count(s):
        return {
            name: await s.scalar(select(func.count()).select_from(table))
            for name, table in Base.metadata.tables.items()
        }

    return run_db(settings, count, write=False)


@pytest.fixture
def election(settings):
    return build_election(settings, jurors=2, methods=("approval",), open_round=False)


def _forms(election) -> list[tuple[str, str, dict]]:
    """(who, url, form) for the forms that take an id, with {id} where the bad id goes."""
    season, juror, round_ = election.season_id, election.juror_ids[0], election.round_id
    nominee = election.nominees["approval"][0][1:]
    return [
        ("juror", "/juror/affiliations", {"drama_id": "{id}", "role": "编剧"}),
        (
            "staff",
            f"/staff/seasons/{season}/jurors/{juror}/recusals",
            {"nominee_id": "{id}", "decision": "recuse", "reason": "近亲属参演"},
        ),
        ("staff", f"/staff/rounds/{round_}/categories", {"categories": ["{id}"]}),
        ("staff", f"/staff/seasons/{season}/jurors/codes", {"juror_ids": ["{id}"]}),
        (
            "staff",
            f"/staff/seasons/{season}/jurors/codes",
            {"juror_ids": [str(election.juror_ids[1]), "{id}"]},
        ),
        (
            "staff",
            f"/staff/categories/{election.categories['approval']}/nominees/",
            {"drama_id": "{id}"},
        ),
        (
            "staff",
            f"/staff/seasons/{season}/jurors/{juror}/recusals",
            {"nominee_id": nominee, "decision": "{id}", "reason": "x"},
        ),
    ]


def _fill(value: str | list[str], bad: str) -> str | list[str]:
    if isinstance(value, list):
        return [x.replace("{id}", bad) for x in value]
    return value.replace("{id}", bad)


@pytest.mark.parametrize("bad", BAD_IDS)
def test_a_bad_id_in_a_form_is_refused_with_a_message(
    staff, second_browser, settings, election, bad
):
    juror_login(second_browser, election.emails[0])
    before = table_counts(settings)
    for who, url, template in _forms(election):
        form = {
            k: [x.replace("{id}", bad) for x in v]
            if isinstance(v, list)
            else v.replace("{id}", bad)
            for k, v in template.items()
        }
        response = (second_browser if who == "juror" else staff).post(url, form)
        assert 400 <= response.status_code < 500, (url, form, response.status_code)
        assert 'class="error"' in response.text or 'class="alert"' in response.text, url
    assert table_counts(settings) == before


def test_a_repeated_single_field_is_refused_not_saved_as_a_list(staff, settings):
    response = staff.post(
        "/staff/seasons/new", {"code": "2030", "name": ["甲", "乙"], "year": "2030"}
    )
    assert response.status_code == 422
    assert "此项只能填写一次。" in response.text
    assert run_db(settings, lambda s: s.scalar(select(func.count(Season.id))), write=False) == 0


@pytest.mark.parametrize("field", ["next", "username", "password"])
def test_a_repeated_login_field_is_refused(browser, staff_user, settings, field):
    form = {"username": staff_user, "password": STAFF_PASSWORD, "next": "/staff"}
    form[field] = [form[field], form[field]]
    before = table_counts(settings)
    response = browser.post("/login", form)
    assert response.status_code == 422
    assert "此项只能填写一次。" in response.text
    assert table_counts(settings) == before


def test_too_many_values_for_a_list_field_are_refused(staff, settings, election):
    before = table_counts(settings)
    response = staff.post(
        f"/staff/rounds/{election.round_id}/categories",
        {"categories": [str(election.categories["approval"])] * 1001},
    )
    assert response.status_code == 422
    assert "最多选 1000 项。" in response.text
    assert table_counts(settings) == before


@pytest.mark.parametrize("value", ["a\x00b", "a\x1bb", "x" * 201])
def test_text_with_control_characters_or_too_long_is_refused(staff, settings, value):
    response = staff.post("/staff/seasons/new", {"code": "2030", "name": value, "year": "2030"})
    assert response.status_code == 422
    assert run_db(settings, lambda s: s.scalar(select(func.count(Season.id))), write=False) == 0


@pytest.mark.parametrize("bad", ["+1", "1_0", "٣", "01", "9" * 30, "0"])
def test_a_path_id_is_ascii_digits_within_bounds(staff, settings, election, bad):
    """`{round_id:int}` took whatever `int()` takes: `/staff/rounds/+1/open` opened round 1."""
    assert election.round_id == 1
    before = table_counts(settings)
    response = staff.post(f"/staff/rounds/{bad}/open", {"confirm": "yes"})
    assert 400 <= response.status_code < 500
    assert staff.get(f"/staff/rounds/{bad}").status_code in (400, 404)
    assert table_counts(settings) == before


def test_the_ballot_page_shows_back_exactly_the_approvals_sent(browser, settings):
    """The page tested `key in chosen` on one text: sent "n12" alone, it showed n1 ticked too."""
    election = build_election(settings, jurors=1, methods=("approval",), nominees_per_category=12)
    juror_login(browser, election.emails[0])
    cid = election.categories["approval"]
    assert election.nominees["approval"][0] == "n1"
    page = browser.post(f"/juror/rounds/{election.round_id}/ballot", {f"c{cid}": "n12"}).text
    ticked = re.findall(rf'name="c{cid}" value="(n\d+)"[^>]*checked', page)
    assert ticked == ["n12"]


def test_the_review_page_carries_only_the_ballot_fields(browser, settings):
    election = build_election(settings, jurors=1, methods=("approval",))
    juror_login(browser, election.emails[0])
    cid = election.categories["approval"]
    page = browser.post(
        f"/juror/rounds/{election.round_id}/review",
        {f"c{cid}": "n1", "planted": "x" * 1000, f"c{cid}.n1": "5"},
    )
    assert page.status_code == 200
    hidden = re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
    assert [pair for pair in hidden if pair[0] != "_csrf_token"] == [(f"c{cid}", "n1")] * 2


@pytest.mark.parametrize("query", ["q=%00", "q=a%1Bb", "q=" + "x" * 201])
def test_a_search_with_control_characters_is_refused(staff, second_browser, election, query):
    """PostgreSQL refused a NUL in a search: DataError, a 500."""
    juror_login(second_browser, election.emails[0])
    season, category = election.season_id, election.categories["approval"]
    for browser, url in [
        (staff, f"/staff/seasons/{season}/dramas"),
        (staff, f"/staff/categories/{category}/nominees/"),
        (second_browser, "/juror/affiliations"),
    ]:
        assert browser.get(f"{url}?{query}").status_code == 400, url
    assert staff.get(f"/staff/seasons/{season}/dramas?q=剧目").status_code == 200


def test_a_body_larger_than_a_form_is_refused_before_it_is_parsed(browser, settings, election):
    """Up to the 8 MB allowed for uploads, an url-encoded form took 3.2 s of the event loop to
    parse, for anyone: the CSRF check parses it before any login."""
    before = table_counts(settings)
    form = b"a=1&" * (settings.max_form_bytes // 4 + 1)
    response = browser.client.post(
        "/login", content=form, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 413
    assert "上传的内容太大。" in response.text
    juror_login(browser, election.emails[0])
    before = table_counts(settings)
    response = browser.client.post(
        f"/api/rounds/{election.round_id}/cast",
        content=b'{"ballots": {}, "x": "' + b"x" * settings.max_form_bytes + b'"}',
        headers={"content-type": "application/json", "x-csrftoken": browser.csrf()},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "上传的内容太大。"
    assert table_counts(settings) == before
