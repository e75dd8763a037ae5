"""Issue 11 (checks before opening): a round opened with a quorum of 20 and 16 eligible jurors, a
final with 10 winners of 10 nominees and never-activated jurors counted as eligible all passed
without a word. Problems block opening and scheduling; warnings are shown on the round page and
on the confirmation page, and opening goes ahead once staff confirm."""

import pytest
from sqlalchemy import update

from awards.models import Category, Juror, Round
from awards.models.base import utcnow
from awards.voting import readiness, rounds
from tests.factories import build_election, run_db

SCHEDULE = {"opens_at": "2031-01-01T10:00", "closes_at": "2031-01-02T10:00"}


def _round(settings, round_id) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _update(settings, statement) -> None:
    run_db(settings, lambda s: s.execute(statement))


def _review(settings, round_id) -> readiness.Readiness:
    async def review(s):
        return await readiness.review(s, await rounds.get_round(s, round_id), utcnow())

    return run_db(settings, review, write=False)


def _texts(checks) -> list[str]:
    return [check.message.msgid % check.message.params for check in checks]


@pytest.fixture
def draft(settings):
    """Four jurors, two categories (approval, irv) of three nominees each, winners 1."""
    made = build_election(settings, jurors=4, methods=("approval", "irv"), open_round=False)
    _update(settings, update(Category).values(winners=1))
    return made


def test_a_quorum_above_the_eligible_jurors_is_a_problem(settings, draft):
    _update(
        settings, update(Category).where(Category.id == draft.categories["irv"]).values(quorum=20)
    )
    found = _review(settings, draft.round_id)
    assert _texts(found.problems) == [
        "“年度优秀电视剧” needs 20 ballots (its quorum), but only 4 jurors may vote in it: "
        "it could name no winner."
    ]


def test_never_activated_jurors_winners_and_ranked_recusals_are_warnings(settings, draft):
    _update(
        settings,
        update(Juror).where(Juror.id.in_(draft.juror_ids[2:])).values(password_hash=None),
    )
    _update(
        settings,
        update(Category)
        .where(Category.id == draft.categories["approval"])
        .values(winners=3, quorum=3),
    )
    found = _review(settings, draft.round_id)
    assert found.problems == []
    texts = _texts(found.warnings)
    assert texts[0].startswith("2 eligible jurors have never activated their account")
    assert found.warnings[0].names == ("评委002", "评委003")
    assert texts[1] == "1 categories reach their quorum only if more jurors activate their account:"
    [short] = found.warnings[1].names
    assert short.msgid % short.params == "“年度优秀电视剧” (quorum 3; 2 of 4 jurors activated)"
    assert "has 3 winners and only 3 nominees: every nominee wins" in texts[2]
    assert texts[3].startswith("Opened by hand now, the round has no closing time")


def test_a_juror_recused_in_a_ranked_category_is_named(staff, settings, draft):
    nominee = draft.nominees["irv"][0][1:]
    decided = staff.post(
        f"/staff/seasons/{draft.season_id}/jurors/{draft.juror_ids[1]}/recusals",
        {"nominee_id": nominee, "decision": "recuse", "reason": "制片人"},
    )
    assert decided.status_code == 303
    [recused] = [w for w in _review(settings, draft.round_id).warnings if w.names == ("评委001",)]
    assert "1 jurors will not vote in" in recused.message.msgid % recused.message.params


def test_the_round_page_lists_problems_and_warnings_before_opening(staff, settings, draft):
    _update(
        settings, update(Juror).where(Juror.id == draft.juror_ids[3]).values(password_hash=None)
    )
    _update(
        settings, update(Category).where(Category.id == draft.categories["irv"]).values(quorum=9)
    )
    page = staff.get(f"/staff/rounds/{draft.round_id}").text
    checks = page.split('id="checks"')[1].split("</section>")[0]
    assert "需要 9 张选票（法定票数）" in checks
    assert "1 位有资格投票的评委从未激活账号" in checks
    assert "评委003" in checks
    assert "无法开启" in checks  # problems block


def test_opening_asks_for_confirmation_showing_the_warnings(staff, settings, draft):
    _update(
        settings, update(Juror).where(Juror.id == draft.juror_ids[3]).values(password_hash=None)
    )
    page = staff.get(f"/staff/rounds/{draft.round_id}/open")
    assert page.status_code == 200
    assert "评委003" in page.text
    assert 'name="confirm"' in page.text
    # The old one-click form (no confirmation) opens nothing: it shows the same page.
    unconfirmed = staff.post(f"/staff/rounds/{draft.round_id}/open")
    assert unconfirmed.status_code == 200
    assert 'name="confirm"' in unconfirmed.text
    assert _round(settings, draft.round_id).state == "draft"
    assert staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"}).status_code == 303
    assert _round(settings, draft.round_id).state == "open"


def test_with_a_problem_the_confirmation_page_has_no_button_and_opening_is_refused(
    staff, settings, draft
):
    _update(
        settings, update(Category).where(Category.id == draft.categories["irv"]).values(quorum=9)
    )
    page = staff.get(f"/staff/rounds/{draft.round_id}/open")
    assert "需要 9 张选票（法定票数）" in page.text
    assert 'name="confirm"' not in page.text
    refused = staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"})
    assert refused.status_code == 409
    assert "需要 9 张选票（法定票数）" in refused.text
    scheduled = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule", {**SCHEDULE, "confirm": "yes"}
    )
    assert scheduled.status_code == 409
    assert _round(settings, draft.round_id).state == "draft"


def test_scheduling_asks_for_confirmation_showing_the_checks(staff, settings, draft):
    _update(
        settings, update(Juror).where(Juror.id == draft.juror_ids[3]).values(password_hash=None)
    )
    asked = staff.post(f"/staff/rounds/{draft.round_id}/schedule", SCHEDULE)
    assert asked.status_code == 200
    assert "评委003" in asked.text
    assert 'value="2031-01-01T10:00"' in asked.text  # the times go on with the confirmation
    assert _round(settings, draft.round_id).state == "draft"
    done = staff.post(f"/staff/rounds/{draft.round_id}/schedule", {**SCHEDULE, "confirm": "yes"})
    assert done.status_code == 303
    assert _round(settings, draft.round_id).state == "scheduled"
