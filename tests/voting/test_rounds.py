"""Rounds: transitions by hand and by schedule, what opening freezes and publishes, turnout."""

import csv
import hashlib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from awards.audit import Action
from awards.models import AuditEvent, Category, Juror, Nominee, Round
from awards.models.base import utcnow
from tests.factories import build_election, field_error, juror_login, run_cli, run_db


def _round(settings, round_id) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


@pytest.fixture
def draft(settings):
    return build_election(settings, jurors=3, methods=("approval", "irv"), open_round=False)


def test_staff_create_and_open_a_round(staff, settings, draft):
    page = staff.get(f"/staff/rounds/{draft.round_id}")
    assert page.status_code == 200
    assert "开启本轮投票" in page.text
    assert staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"}).status_code == 303
    opened = _round(settings, draft.round_id)
    assert opened.state == "open"
    assert opened.eligible_jurors == 3
    assert hashlib.sha256(bytes.fromhex(opened.seed)).hexdigest() == opened.seed_sha256
    events = run_db(
        settings,
        lambda s: s.scalars(select(AuditEvent).where(AuditEvent.action == Action.ROUND_OPENED)),
        write=False,
    ).all()
    assert len(events) == 1
    assert opened.seed not in events[0].changes  # the seed itself stays secret until close
    public = staff.get(f"/rounds/{draft.round_id}").text
    assert opened.seed_sha256 in public
    assert opened.config_sha256 in public
    assert opened.audit_head_at_open in public
    assert opened.seed not in public
    assert (
        staff.post(f"/staff/rounds/{draft.round_id}/close", {"confirm": "yes"}).status_code == 303
    )
    assert _round(settings, draft.round_id).state == "closed"


def test_the_schedule_form_names_the_zone_as_people_say_it(staff, draft):
    page = staff.get(f"/staff/rounds/{draft.round_id}").text
    assert "开启时间（北京时间）" in page
    assert "Asia/Shanghai" not in page


@pytest.mark.parametrize(
    ("state", "action", "message"),
    [
        ("draft", "close", "只有进行中的投票可以结束"),
        ("draft", "unschedule", "只有已设定时间的投票轮次可以退回草稿"),
        ("open", "open", "不能开启"),
        ("open", "unschedule", "只有已设定时间的投票轮次可以退回草稿"),
        ("closed", "open", "不能开启"),
        ("closed", "close", "只有进行中的投票可以结束"),
    ],
)
def test_illegal_transitions_change_nothing(staff, settings, draft, state, action, message):
    if state in ("open", "closed"):
        staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"})
    if state == "closed":
        staff.post(f"/staff/rounds/{draft.round_id}/close", {"confirm": "yes"})
    before = _round(settings, draft.round_id)
    response = staff.post(f"/staff/rounds/{draft.round_id}/{action}")
    assert response.status_code == 409
    assert message in response.text
    after = _round(settings, draft.round_id)
    assert (after.state, after.seed, after.opened_at, after.closed_at) == (
        before.state,
        before.seed,
        before.opened_at,
        before.closed_at,
    )


def test_schedule_and_categories_cannot_change_once_open(staff, settings, draft):
    staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"})
    response = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule",
        {"opens_at": "2030-01-01T10:00", "closes_at": "2030-01-02T10:00", "confirm": "yes"},
    )
    assert response.status_code == 409
    cats = staff.post(f"/staff/rounds/{draft.round_id}/categories", {"categories": []})
    assert cats.status_code == 409


def test_opening_freezes_categories_and_nominees(staff, settings, draft):
    staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"})
    category_id = draft.categories["approval"]
    edit = staff.post(
        f"/staff/categories/{category_id}/edit",
        {
            "code": "approval",
            "name": "改名",
            "subject": "work",
            "method": "approval",
            "winners": "1",
            "max_choices": "1",
            "quorum": "0",
            "disclosure": "full",
            "panels": "main",
        },
    )
    assert edit.status_code == 409
    assert "不能再修改" in edit.text
    nominee_id = int(draft.nominees["approval"][0][1:])
    remove = staff.post(f"/staff/categories/{category_id}/nominees/{nominee_id}/remove")
    assert remove.status_code == 409
    category = run_db(settings, lambda s: s.get(Category, category_id), write=False)
    assert category.name == "年度优秀电视剧"
    assert run_db(settings, lambda s: s.get(Nominee, nominee_id), write=False) is not None


def test_opening_needs_categories_nominees_and_jurors(staff, settings, draft):
    staff.post(f"/staff/rounds/{draft.round_id}/categories", {})
    response = staff.post(f"/staff/rounds/{draft.round_id}/open", {"confirm": "yes"})
    assert response.status_code == 409
    assert "请先为本轮投票添加奖项" in response.text
    assert _round(settings, draft.round_id).state == "draft"


def test_schedule_validation(staff, settings, draft):
    bad = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule",
        {"opens_at": "2030-01-02T10:00", "closes_at": "2030-01-01T10:00", "confirm": "yes"},
    )
    assert bad.status_code == 422
    assert "结束时间必须晚于开启时间。" in bad.text
    past = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule",
        {"opens_at": "2020-01-01T10:00", "closes_at": "2020-01-02T10:00", "confirm": "yes"},
    )
    assert "结束时间已过。" in past.text
    ok = staff.post(
        f"/staff/rounds/{draft.round_id}/schedule",
        {"opens_at": "2030-01-01T10:00", "closes_at": "2030-01-02T10:00", "confirm": "yes"},
    )
    assert ok.status_code == 303
    scheduled = _round(settings, draft.round_id)
    assert scheduled.state == "scheduled"
    assert scheduled.opens_at.isoformat() == "2030-01-01T02:00:00+00:00"  # Asia/Shanghai is UTC+8


def _schedule_due(settings, round_id, opens_ago: timedelta, closes_in: timedelta) -> None:
    now = utcnow()
    run_db(
        settings,
        lambda s: s.execute(
            update(Round)
            .where(Round.id == round_id)
            .values(state="scheduled", opens_at=now - opens_ago, closes_at=now + closes_in)
        ),
    )


def test_the_schedule_opens_and_closes_rounds_on_requests(client, settings, draft):
    _schedule_due(settings, draft.round_id, timedelta(minutes=1), timedelta(hours=1))
    client.get("/login")
    assert _round(settings, draft.round_id).state == "open"
    run_db(
        settings,
        lambda s: s.execute(
            update(Round)
            .where(Round.id == draft.round_id)
            .values(closes_at=utcnow() - timedelta(seconds=1))
        ),
    )
    from awards.web import ScheduleMiddleware

    ScheduleMiddleware.EVERY_SECONDS = 0.0
    try:
        client.get("/login")
    finally:
        ScheduleMiddleware.EVERY_SECONDS = 5.0
    assert _round(settings, draft.round_id).state == "closed"
    by_schedule = run_db(
        settings,
        lambda s: s.scalars(
            select(AuditEvent.action).where(AuditEvent.actor == "schedule").order_by(AuditEvent.seq)
        ),
        write=False,
    ).all()
    # then the storage is scrubbed of the casting history (issue 8, item 5)
    assert by_schedule == [
        Action.ROUND_OPENED,
        Action.ROUND_CLOSED,
        Action.ROUND_SEALED,
        Action.ROUND_SCRUBBED,
    ]


def test_the_schedule_from_the_command_line(settings, draft, tmp_path):
    _schedule_due(settings, draft.round_id, timedelta(minutes=1), timedelta(hours=1))
    done = run_cli(settings, tmp_path, "rounds", "tick", lang="en_US.UTF-8")
    assert done.returncode == 0, done.stderr
    assert "opened: final" in done.stdout
    assert _round(settings, draft.round_id).state == "open"
    close = run_cli(settings, tmp_path, "rounds", "close", str(draft.round_id))
    assert close.returncode == 0
    assert _round(settings, draft.round_id).state == "closed"
    again = run_cli(settings, tmp_path, "rounds", "open", str(draft.round_id))
    assert again.returncode == 2


def test_turnout_shows_names_only_and_exports_reminders(staff, second_browser, settings):
    from tests.factories import juror_login

    election = build_election(settings, jurors=3, methods=("approval",))
    juror_login(second_browser, election.emails[1])
    cid = election.categories["approval"]
    assert (
        second_browser.post(
            f"/juror/rounds/{election.round_id}/cast", {f"c{cid}.abstain": "on"}
        ).status_code
        == 200
    )
    page = staff.get(f"/staff/rounds/{election.round_id}/turnout").text
    assert re.search(r"<h2>[^<]+：3 人中已有 1 人投票（33%）</h2>", page)  # full-width in Chinese
    voted = page.split('class="voted"')[1].split("</ul>")[0]
    assert "评委001" in voted
    assert "评委000" not in voted
    hostile = '=HYPERLINK("http://example.com","点我")'  # a name as imported from a file
    run_db(
        settings,
        lambda s: s.execute(
            update(Juror).where(Juror.id == election.juror_ids[2]).values(name=hostile)
        ),
    )
    reminder = staff.get(f"/staff/rounds/{election.round_id}/turnout/not-voted.csv")
    assert reminder.status_code == 200
    assert "juror0@example.org" in reminder.text
    assert "juror2@example.org" in reminder.text
    assert "juror1@example.org" not in reminder.text
    names = [row[1] for row in csv.reader(io.StringIO(reminder.text.lstrip("\ufeff")))]
    assert "'" + hostile in names  # text to a spreadsheet, never a formula


PUBLIC_ROUTES = (
    "/rounds/{id}",
    "/rounds/{id}/results",
    "/rounds/{id}/files/record",
    "/rounds/{id}/files/results",
)
JUROR_ROUTES = ("/juror/rounds/{id}/ballot", "/api/rounds/{id}/ballot", "/api/rounds/{id}/status")
UNKNOWN_ROUND = 2**31 - 1


@pytest.mark.parametrize("state", ["draft", "lapsed"])
def test_a_round_never_announced_is_unknown_to_the_public_and_to_jurors(browser, settings, state):
    """Issue 9: `/rounds/ID` showed a draft round (its name and categories) to anyone who
    guessed its id. Only scheduled, open and closed rounds are public; any other answers
    exactly as an unknown id does, on every public route, and on a juror's routes too."""
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    run_db(
        settings,
        lambda s: s.execute(update(Round).where(Round.id == election.round_id).values(state=state)),
    )

    def check(routes: tuple[str, ...]) -> None:
        for route in routes:
            answer = browser.get(route.format(id=election.round_id))
            unknown = browser.get(route.format(id=UNKNOWN_ROUND)).text
            same = unknown.replace(str(UNKNOWN_ROUND), str(election.round_id))  # the path
            assert (answer.status_code, answer.text) == (404, same), route

    check(PUBLIC_ROUTES)
    assert "终评" not in browser.get("/rounds/").text
    assert juror_login(browser, election.emails[0]).status_code == 303
    check(PUBLIC_ROUTES + JUROR_ROUTES)


def test_the_results_of_a_round_not_closed_yet_are_refused_in_the_visitors_language(
    client, settings
):
    """The message of this 404 was passed to NotFound through a variable, so it was never
    extracted for translation: a Chinese page said "No results yet." in English."""
    election = build_election(settings, jurors=1, methods=("approval",))
    answer = client.get(f"/rounds/{election.round_id}/results")
    assert answer.status_code == 404
    assert "还没有结果。" in answer.text


def test_a_scheduled_round_is_public(browser, settings, draft):
    _schedule_due(settings, draft.round_id, -timedelta(days=1), timedelta(days=2))
    page = browser.get(f"/rounds/{draft.round_id}")
    assert page.status_code == 200
    assert "终评" in page.text


def _schedule(browser, round_id: int, opens_at: str, closes_at: str = "2031-12-01T12:00"):
    return browser.post(
        f"/staff/rounds/{round_id}/schedule",
        {"opens_at": opens_at, "closes_at": closes_at, "confirm": "yes"},
    )


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2031-01-01T00:00+00:00", "2031-01-01T00:00:00+00:00"),
        ("2031-01-01T00:00Z", "2031-01-01T00:00:00+00:00"),
        ("2031-01-01T09:00+09:00", "2031-01-01T00:00:00+00:00"),
        ("2031-01-01T08:00", "2031-01-01T00:00:00+00:00"),  # no offset: Asia/Shanghai
    ],
)
def test_a_typed_utc_offset_is_honoured(staff, settings, draft, typed, stored):
    """Issue 9: `2031-01-01T00:00+00:00` was stored as 00:00 Shanghai time: the offset was
    dropped and the zone put in its place."""
    assert _schedule(staff, draft.round_id, typed).status_code == 303
    assert _round(settings, draft.round_id).opens_at.isoformat() == stored


@pytest.fixture
def berlin(settings, staff_user):
    """Staff of an association whose zone has summer time."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from awards.app import create_app
    from tests.conftest import STAFF_PASSWORD
    from tests.factories import Browser

    with TestClient(
        create_app(replace(settings, timezone="Europe/Berlin")), base_url="http://testserver.local"
    ) as client:
        browser = Browser(client)
        assert browser.login(staff_user, STAFF_PASSWORD).status_code == 303
        yield browser


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (  # the clocks go from 02:00 to 03:00 on 30 March 2031
            "2031-03-30T02:30",
            "Europe/Berlin 时区不存在 2031-03-30 02:30（此时时钟拨快），请另选时间。",
        ),
        (  # and from 03:00 back to 02:00 on 26 October 2031
            "2031-10-26T02:30",
            "Europe/Berlin 时区的 2031-10-26 02:30 会出现两次（此时时钟拨回），请另选时间。",
        ),
        ("0001-01-01T00:00", "请选择 2000 年至 2999 年之间的时间。"),
    ],
)
def test_a_local_time_that_does_not_exist_or_happens_twice_is_refused(
    berlin, settings, draft, typed, message
):
    refused = _schedule(berlin, draft.round_id, typed)
    assert refused.status_code == 422
    assert field_error(refused.text, "opens_at") == message
    assert _round(settings, draft.round_id).state == "draft"


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("2031-10-26T02:30+02:00", "2031-10-26T00:30:00+00:00"),  # the first 02:30
        ("2031-10-26T02:30+01:00", "2031-10-26T01:30:00+00:00"),  # the second
        ("2031-07-01T12:00", "2031-07-01T10:00:00+00:00"),  # summer time
        ("2031-12-01T11:00", "2031-12-01T10:00:00+00:00"),  # winter time
    ],
)
def test_times_in_a_zone_with_summer_time(berlin, settings, draft, typed, stored):
    assert _schedule(berlin, draft.round_id, typed, "2031-12-24T12:00").status_code == 303
    assert _round(settings, draft.round_id).opens_at.isoformat() == stored
    assert "开启时间（Europe/Berlin）" in berlin.get(f"/staff/rounds/{draft.round_id}").text
