"""The audit log as staff read it (issue 11): each event's action by a translated name, who did
it by name, when in Beijing time, what changed as "field: old → new", filtered by action, staff
and date, a page at a time (162 events were one 11,000 px page of raw JSON)."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import update

from awards import audit, audit_view, i18n
from awards.audit import Action
from awards.catalogue import seasons
from awards.jury import jurors
from awards.models import AuditEvent
from tests.factories import make_season, run_db


def _rows(page: str) -> list[str]:
    return re.findall(r"<tr class=\"event\".*?</tr>", page, re.S)


@pytest.fixture
def history(settings):
    """A season created and renamed, a juror added, and then, on 2 May, a juror activating."""

    async def build(s):
        season = await make_season(s)
        before = audit.snapshot(season)
        await seasons.update_season(
            s, season, seasons.SeasonForm(code="2024", name="第二十届推优", year=2024), "Editor"
        )
        assert before["name"] != season.name
        juror = await jurors.save_juror(
            s, season, jurors.JurorForm("张评委", "协会", "zhang@example.org", "", ()), "Editor"
        )
        event = await audit.record(
            s,
            actor=f"juror:{juror.id}",
            action=Action.JUROR_ACTIVATED,
            object_type="juror",
            object_id=juror.id,
        )
        return event.seq

    seq = run_db(settings, build)
    # The activation happened on 2 May, 00:30 UTC: 08:30 in Beijing. (The chain is not checked
    # by these tests; a changed time only marks it broken.)
    run_db(
        settings,
        lambda s: s.execute(
            update(AuditEvent)
            .where(AuditEvent.seq == seq)
            .values(occurred_at=datetime(2030, 5, 2, 0, 30, tzinfo=UTC))
        ),
    )


def test_every_action_has_a_translated_name():
    i18n.set_locale("zh_CN")
    for action in audit.ACTIONS:
        label = audit_view.ACTION_LABELS[action]
        assert i18n.gettext(label) != label, action  # translated
    assert set(audit_view.ACTION_LABELS) == audit.ACTIONS


def test_events_read_as_sentences(staff, settings, history):
    page = staff.get("/staff/audit").text
    rows = _rows(page)
    renamed = next(r for r in rows if "修改届次" in r)
    assert "名称" in renamed
    assert "2024 年度推优" in renamed
    assert "第二十届推优" in renamed
    assert "→" in renamed
    assert '{"name"' not in page  # no raw JSON
    activated = next(r for r in rows if "评委激活账号" in r)
    assert "张评委" in activated  # the juror by name, not "juror:1"
    assert "2030-05-02 08:30 北京时间" in activated


def test_the_log_is_filtered_by_action_staff_and_date(staff, settings, history):
    by_action = _rows(staff.get("/staff/audit", params={"action": "season.updated"}).text)
    assert len(by_action) == 1
    assert "修改届次" in by_action[0]
    by_actor = _rows(staff.get("/staff/audit", params={"actor": "Editor"}).text)
    assert by_actor
    assert all("Editor" in r for r in by_actor)
    by_day = _rows(
        staff.get("/staff/audit", params={"since": "2030-05-02", "until": "2030-05-02"}).text
    )
    assert len(by_day) == 1
    assert "评委激活账号" in by_day[0]
    before = _rows(staff.get("/staff/audit", params={"until": "2030-05-01"}).text)
    assert before
    assert not any("评委激活账号" in r for r in before)
    page = staff.get("/staff/audit", params={"action": "season.updated"}).text
    assert '<option value="season.updated" selected>' in page  # the filter is kept


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2030-13-01"},
        {"until": "yesterday"},
        {"action": "no.such"},
        {"since": "2030-05-03", "until": "2030-05-01"},
    ],
)
def test_a_bad_filter_is_a_clear_refusal(staff, settings, history, params):
    answer = staff.get("/staff/audit", params=params)
    assert 400 <= answer.status_code < 500
    assert re.search(r'class="(alert|error)"', answer.text)


def test_the_log_comes_a_page_at_a_time(staff, settings):
    async def many(s):
        await make_season(s)
        for i in range(160):
            await audit.record(
                s,
                actor="Editor",
                action=Action.STAFF_LOGGED_IN,
                object_type="staff_user",
                object_id=i,
            )

    run_db(settings, many)
    first = staff.get("/staff/audit", params={"action": "staff.logged_in"}).text
    assert len(_rows(first)) == audit_view.PAGE_SIZE
    assert len(first.encode()) < 100_000
    pages = re.search(r"第 1 页，共 (\d+) 页", first)
    assert pages is not None
    assert int(pages[1]) == -(-160 // audit_view.PAGE_SIZE)
    following = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert following is not None
    assert "action=staff.logged_in" in following[1].replace("&amp;", "&")
    last = staff.get("/staff/audit" + following[1].replace("&amp;", "&")).text
    assert _rows(last)


def test_ids_in_an_event_are_shown_by_name(staff, settings):
    from tests.factories import build_election

    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    nominee = election.nominees["approval"][0].removeprefix("n")
    answer = staff.post(
        f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}/recusals",
        {"nominee_id": nominee, "decision": "recuse", "reason": "亲属关系", "note": "内部"},
    )
    assert answer.status_code == 303
    [row] = _rows(staff.get("/staff/audit", params={"action": "recusal.decided"}).text)
    assert "评委000" in row
    assert "剧目0" in row
    assert "juror_id" not in row
    assert "公开理由" in row


def test_lists_and_codes_issued_read_plainly(settings):
    from awards.audit_view import readable_changes

    changes = {
        "panels": [["main"], ["main", "web"]],
        "jurors": [7, 8],
        "id": 3,
        "phone": [None, ""],
    }
    shown = readable_changes(changes, "Asia/Shanghai", {("juror_id", 7): "张评委"})
    assert [(c.label, c.old, c.new) for c in shown] == [
        ("Panels", "main", "main、web"),
        ("Jurors", None, "张评委、8"),
    ]
