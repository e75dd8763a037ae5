"""The schedule never jams (issue 8, item 2): each scheduled transition runs on its own, a
failure is logged, audited and shown to staff instead of being raised into an unrelated request,
a round whose window passed unopened lapses, and what could not open cannot be scheduled."""

import asyncio
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import OperationalError

from awards.audit import Action
from awards.database import Database
from awards.i18n import Message
from awards.models import AuditEvent, Ballot, Nominee, RecusalDecision, Round, RoundNominee
from awards.models.base import utcnow
from awards.voting import schedule, sealing
from tests.factories import build_election, plant_ballot, run_cli, run_db


def _round(settings, round_id: int) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _set(settings, round_id: int, **values) -> None:
    run_db(
        settings, lambda s: s.execute(update(Round).where(Round.id == round_id).values(**values))
    )


def _events(settings, round_id: int) -> list[str]:
    return run_db(
        settings,
        lambda s: s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "round", AuditEvent.object_id == str(round_id))
            .order_by(AuditEvent.seq)
        ),
        write=False,
    ).all()


def _missed_and_due(settings):
    """Two scheduled rounds: one whose window passed while nobody made a request, and one due
    to open now."""
    now = utcnow()
    missed = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    due = build_election(
        settings, jurors=1, methods=("approval",), open_round=False, season_code="2025"
    )
    for election, opens, closes in ((missed, -2, -1), (due, -1 / 60, 1)):
        _set(
            settings,
            election.round_id,
            state="scheduled",
            opens_at=now + timedelta(hours=opens),
            closes_at=now + timedelta(hours=closes),
        )
    return missed, due


def test_a_window_that_passed_unopened_lapses_and_other_rounds_go_on(
    client, staff, settings, every_request_ticks
):
    missed, due = _missed_and_due(settings)
    for _ in range(5):
        assert client.get("/login").status_code == 200
    assert _round(settings, missed.round_id).state == "lapsed"
    assert _round(settings, due.round_id).state == "open"
    assert Action.ROUND_LAPSED in _events(settings, missed.round_id)
    page = staff.get(f"/staff/rounds/{missed.round_id}").text
    assert "未按时开启" in page
    again = staff.post(
        f"/staff/rounds/{missed.round_id}/schedule",
        {"opens_at": "2031-01-01T10:00", "closes_at": "2031-01-02T10:00", "confirm": "yes"},
    )
    assert again.status_code == 303  # staff schedule a lapsed round again
    assert _round(settings, missed.round_id).state == "scheduled"


def test_a_scheduled_round_that_cannot_open_lapses_with_its_reason(
    client, staff, settings, every_request_ticks
):
    now = utcnow()
    broken = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    _set(
        settings,
        broken.round_id,
        state="scheduled",
        opens_at=now - timedelta(minutes=1),
        closes_at=now + timedelta(hours=1),
    )

    async def drop_nominees(s):  # behind the checks' back, as a bug or a database edit would
        await s.execute(delete(RoundNominee))
        await s.execute(delete(Nominee))

    run_db(settings, drop_nominees)
    assert client.get("/login").status_code == 200
    assert client.get("/rounds/").status_code == 200
    lapsed = _round(settings, broken.round_id)
    assert lapsed.state == "lapsed"
    assert Action.ROUND_OPEN_FAILED in _events(settings, broken.round_id)
    page = staff.get(f"/staff/rounds/{broken.round_id}").text
    assert "没有候选" in page  # the reason, in the staff member's language


def test_a_scheduled_close_that_fails_is_reported_once_and_blocks_nothing(
    client, staff, settings, every_request_ticks
):
    stuck = build_election(settings, jurors=1, methods=("approval",))
    fine = build_election(settings, jurors=1, methods=("approval",), season_code="2025")
    plant_ballot(settings, stuck, '{"abstain":1}', "cd" * 16, voter=False)
    past = utcnow() - timedelta(seconds=1)
    _set(settings, stuck.round_id, closes_at=past)
    _set(settings, fine.round_id, closes_at=past)
    for _ in range(5):
        assert client.get("/login").status_code == 200
    assert _round(settings, fine.round_id).state == "closed"
    failed = _round(settings, stuck.round_id)
    assert failed.state == "open"
    assert failed.schedule_problem
    assert _events(settings, stuck.round_id).count(Action.ROUND_CLOSE_FAILED) == 1
    page = staff.get(f"/staff/rounds/{stuck.round_id}").text
    assert "核验" in page
    run_db(settings, lambda s: s.execute(delete(Ballot).where(Ballot.tracker == "cd" * 16)))
    assert (
        staff.post(f"/staff/rounds/{stuck.round_id}/close", {"confirm": "yes"}).status_code == 303
    )
    closed = _round(settings, stuck.round_id)
    assert (closed.state, closed.schedule_problem) == ("closed", None)


def test_rounds_tick_exits_0_and_says_what_it_did(settings, tmp_path):
    missed, due = _missed_and_due(settings)
    done = run_cli(settings, tmp_path, "rounds", "tick")
    assert done.returncode == 0, done.stderr
    assert "已开启：" in done.stdout
    assert "已错过：" in done.stdout
    assert "投票时段已过，未能开启。" in done.stdout
    assert _round(settings, due.round_id).state == "open"
    assert _round(settings, missed.round_id).state == "lapsed"


def test_scheduling_refuses_what_opening_would_refuse(staff, settings):
    draft = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    cid = draft.categories["approval"]
    for key in draft.nominees["approval"]:
        assert staff.post(f"/staff/categories/{cid}/nominees/{key[1:]}/remove").status_code == 303
    opened = staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"})
    scheduled = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule",
        {"opens_at": "2031-01-01T10:00", "closes_at": "2031-01-02T10:00", "confirm": "yes"},
    )
    assert (opened.status_code, scheduled.status_code) == (409, 409)
    assert "没有候选" in opened.text
    assert "没有候选" in scheduled.text
    assert _round(settings, draft.round_id).state == "draft"


def test_a_change_that_would_stop_a_scheduled_round_from_opening_is_refused(staff, settings):
    draft = build_election(
        settings, jurors=1, methods=("approval",), open_round=False, nominees_per_category=1
    )
    scheduled = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule",
        {"opens_at": "2031-01-01T10:00", "closes_at": "2031-01-02T10:00", "confirm": "yes"},
    )
    assert scheduled.status_code == 303
    cid = draft.categories["approval"]
    [key] = draft.nominees["approval"]
    removed = staff.post(f"/staff/categories/{cid}/nominees/{key[1:]}/remove")
    assert removed.status_code == 409
    assert "已设定时间" in removed.text
    no_panel = staff.post(
        f"/staff/categories/{cid}/edit",
        {
            "code": "approval",
            "name": "年度优秀电视剧",
            "subject": "work",
            "method": "approval",
            "winners": "1",
            "max_choices": "1",
            "quorum": "0",
            "disclosure": "full",
        },
    )
    assert no_panel.status_code == 409
    assert run_db(settings, lambda s: s.get(Nominee, int(key[1:])), write=False) is not None
    back = staff.post(f"/staff/rounds/{draft.round_id}/unschedule")
    assert back.status_code == 303
    removed = staff.post(f"/staff/categories/{cid}/nominees/{key[1:]}/remove")
    assert removed.status_code == 303  # a draft may be emptied at will


def test_a_database_that_keeps_refusing_a_close_is_reported_on_the_third_pass(
    client, staff, settings, every_request_ticks, monkeypatch
):
    """Busy once is worth another try; the same database error pass after pass (a full disk)
    is a problem for staff, not a retry for ever."""
    election = build_election(settings, jurors=1, methods=("approval",))
    _set(settings, election.round_id, closes_at=utcnow() - timedelta(seconds=1))
    attempts = []

    async def full_disk(*_args, **_kwargs):
        attempts.append(1)
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(sealing, "seal", full_disk)
    for passes in (1, 2):
        client.get("/login")
        assert len(attempts) == passes
        assert _round(settings, election.round_id).schedule_problem is None
    client.get("/login")
    assert _round(settings, election.round_id).schedule_problem
    assert _events(settings, election.round_id).count(Action.ROUND_CLOSE_FAILED) == 1
    client.get("/login")
    assert len(attempts) == 3  # left for staff now


def test_a_round_closed_meanwhile_by_another_process_is_no_failure(settings):
    election = build_election(settings, jurors=1, methods=("approval",))
    _set(settings, election.round_id, closes_at=utcnow() - timedelta(seconds=1))

    async def two_passes_at_once():
        first, second = Database.from_settings(settings), Database.from_settings(settings)
        try:
            return await asyncio.gather(
                schedule.tick(first, utcnow(), settings), schedule.tick(second, utcnow(), settings)
            )
        finally:
            await first.dispose()
            await second.dispose()

    reports = asyncio.run(two_passes_at_once())
    scrubbed = Message("storage scrubbed")
    said = [line for r in reports for line in r.lines() if line.params["what"] != scrubbed]
    assert said == [Message("%(what)s: %(item)s", what=Message("closed"), item="final")]
    assert Action.ROUND_CLOSE_FAILED not in _events(settings, election.round_id)


def test_a_staff_recusal_that_would_stop_a_scheduled_round_is_refused(staff, settings):
    """A ranked category loses a juror recused from any of its nominees: with one juror, a staff
    decision to recuse them leaves nobody to vote. (The juror's own declaration is always
    accepted; the schedule then lets the round lapse and says why.)"""
    draft = build_election(settings, jurors=1, methods=("irv",), open_round=False)
    assert (
        staff.post(
            f"/staff/rounds/{draft.round_id}/schedule",
            {"opens_at": "2031-01-01T10:00", "closes_at": "2031-01-02T10:00", "confirm": "yes"},
        ).status_code
        == 303
    )
    decided = staff.post(
        f"/staff/seasons/{draft.season_id}/jurors/{draft.juror_ids[0]}/recusals",
        {"nominee_id": draft.nominees["irv"][0][1:], "decision": "recuse", "reason": "制片人"},
    )
    assert decided.status_code == 409
    assert "已设定时间" in decided.text
    assert run_db(settings, lambda s: s.scalars(select(RecusalDecision)), False).all() == []
