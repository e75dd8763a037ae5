"""Issue 11 (irreversible actions are one click): open, close, publish, deleting a drama and
re-issuing activation codes happened at once (a round was closed three days early with 15
jurors not voted). Each now asks on a page that says what will happen (GET shows it, or a POST
without the confirm field; a POST with it acts), and a refusal is a page with a way back."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from awards.models import ActivationCode, AuditEvent, Drama, Juror, Round
from awards.models.base import utcnow
from tests.factories import build_election, make_drama, run_db

CONFIRM = {"confirm": "yes"}


def _round(settings, round_id) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _events(settings) -> int:
    return len(run_db(settings, lambda s: s.scalars(select(AuditEvent)), write=False).all())


def test_closing_early_says_who_has_not_voted_and_how_early(staff, settings):
    election = build_election(settings, jurors=3, methods=("approval",))
    closes_at = utcnow() + timedelta(days=3, hours=2)
    run_db(
        settings,
        lambda s: s.execute(
            update(Round).where(Round.id == election.round_id).values(closes_at=closes_at)
        ),
    )
    page = staff.get(f"/staff/rounds/{election.round_id}/close")
    assert page.status_code == 200
    assert "3 位评委尚未投票；本轮将提前 3 天结束" in page.text
    before = _events(settings)
    asked = staff.post(f"/staff/rounds/{election.round_id}/close")
    assert asked.status_code == 200
    assert "3 位评委尚未投票" in asked.text
    assert (_round(settings, election.round_id).state, _events(settings)) == ("open", before)
    assert staff.post(f"/staff/rounds/{election.round_id}/close", CONFIRM).status_code == 303
    assert _round(settings, election.round_id).state == "closed"


def test_publishing_asks_first(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",))
    assert staff.post(f"/staff/rounds/{election.round_id}/close", CONFIRM).status_code == 303
    page = staff.get(f"/staff/rounds/{election.round_id}/publish")
    assert "发布后不能撤回" in page.text
    assert staff.post(f"/staff/rounds/{election.round_id}/publish").status_code == 200
    assert _round(settings, election.round_id).published_at is None
    assert staff.post(f"/staff/rounds/{election.round_id}/publish", CONFIRM).status_code == 303
    assert _round(settings, election.round_id).published_at is not None


def test_deleting_a_drama_asks_first(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)

    async def make(s):
        from awards.models import Season

        return (await make_drama(s, await s.get(Season, election.season_id), "孤剧")).id

    drama_id = run_db(settings, make)
    page = staff.get(f"/staff/dramas/{drama_id}/delete")
    assert "《孤剧》" in page.text
    assert staff.post(f"/staff/dramas/{drama_id}/delete").status_code == 200
    assert run_db(settings, lambda s: s.get(Drama, drama_id), write=False) is not None
    assert staff.post(f"/staff/dramas/{drama_id}/delete", CONFIRM).status_code == 303
    assert run_db(settings, lambda s: s.get(Drama, drama_id), write=False) is None


def _codes(settings) -> list[str]:
    return run_db(settings, lambda s: s.scalars(select(ActivationCode.code_hash)), False).all()


def test_reissuing_codes_says_what_stops_working(staff, settings):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    new, activated = election.juror_ids
    run_db(
        settings,
        lambda s: s.execute(update(Juror).where(Juror.id == new).values(password_hash=None)),
    )
    url = f"/staff/seasons/{election.season_id}/jurors/codes"
    chosen = {"juror_ids": [str(new)], "format": "letters"}
    first = staff.post(url, chosen)  # a first code replaces nothing: no question
    assert first.status_code == 200
    assert 'name="confirm"' not in first.text
    [old] = _codes(settings)
    asked = staff.post(url, chosen)
    assert asked.status_code == 200
    assert "原有的激活码将立即失效" in asked.text
    assert f'value="{new}"' in asked.text  # the choice goes on with the confirmation
    assert _codes(settings) == [old]
    again = staff.post(url, {**chosen, **CONFIRM})
    assert again.status_code == 200
    assert _codes(settings) != [old]
    reset = staff.post(url, {"juror_ids": [str(activated)], "format": "letters"})
    assert "已激活账号" in reset.text  # the new code would reset the password
    assert len(_codes(settings)) == 1


@pytest.mark.parametrize("path", ["open", "close", "publish"])
def test_an_auditor_sees_the_confirmation_without_a_button(settings, client, path):
    from tests.conftest import STAFF_PASSWORD
    from tests.factories import Browser, create_staff_user

    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    if path != "open":
        run_db(
            settings,
            lambda s: s.execute(
                update(Round).where(Round.id == election.round_id).values(state="open")
            ),
        )
    create_staff_user(settings, "reader", STAFF_PASSWORD, role="auditor")
    browser = Browser(client)
    browser.login("reader", STAFF_PASSWORD)
    page = browser.get(f"/staff/rounds/{election.round_id}/{path}")
    assert page.status_code in (200, 409)
    assert 'name="confirm"' not in page.text


def test_a_refusal_is_a_page_with_a_way_back(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    round_page = f"/staff/rounds/{election.round_id}"
    refused = staff.post(f"{round_page}/close", CONFIRM)  # a draft cannot close
    assert refused.status_code == 409
    assert "只有进行中的投票可以结束" in refused.text
    assert f'href="{round_page}"' in refused.text  # the object's page
    assert "出错了 409" not in refused.text
    came_from = staff.post(
        f"{round_page}/close",
        CONFIRM,
        headers={"referer": f"http://testserver.local{round_page}/open"},
    )
    assert f'href="{round_page}/open"' in came_from.text  # where the user came from
    elsewhere = staff.post(
        f"{round_page}/close", CONFIRM, headers={"referer": "http://evil.example/x"}
    )
    assert "evil.example" not in elsewhere.text
