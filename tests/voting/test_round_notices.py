"""Issue 11 (after every action a short confirmation says what happened): each staff action on
a round says what it did, once, on the page it leads to, and the page seen again says nothing
(the mechanism: `awards.notices`). Finals, their categories and nominees: test_final_round."""

from datetime import timedelta

from sqlalchemy import update

from awards.models import Round
from awards.models.base import utcnow
from tests.factories import build_election, run_db, shown_once

CONFIRM = {"confirm": "yes"}


def test_each_action_on_a_round_says_what_it_did(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    base = f"/staff/rounds/{election.round_id}"
    created = staff.post(
        f"/staff/seasons/{election.season_id}/rounds",
        {"code": "final-2", "name": "复评", "kind": "final"},
    )
    assert shown_once(staff, created) == "已创建轮次“复评”。"
    chosen = staff.post(f"{base}/categories", {"categories": str(election.categories["approval"])})
    assert shown_once(staff, chosen) == "已保存本轮奖项。"
    times = {"opens_at": "2031-01-01T10:00", "closes_at": "2031-01-02T10:00"}
    scheduled = staff.post(f"{base}/schedule", {**times, **CONFIRM})
    assert shown_once(staff, scheduled) == "已安排轮次“终评”：将在设定的时间自动开启。"
    unscheduled = staff.post(f"{base}/unschedule")
    assert shown_once(staff, unscheduled) == "已取消轮次“终评”的安排：它不会自动开启。"
    opened = staff.post(f"{base}/open", CONFIRM)
    assert shown_once(staff, opened) == "轮次“终评”已开启，评委现在可以投票。"
    closes_at = utcnow().replace(second=0, microsecond=0) + timedelta(days=1)
    run_db(
        settings,
        lambda s: s.execute(
            update(Round).where(Round.id == election.round_id).values(closes_at=closes_at)
        ),
    )
    later = closes_at + timedelta(days=2)
    extended = staff.post(f"{base}/extend", {"closes_at": later.isoformat()})
    shown = (later + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert shown_once(staff, extended) == f"投票截止时间已延至 {shown} 北京时间。"
    closed = staff.post(f"{base}/close", CONFIRM)
    assert shown_once(staff, closed) == "轮次“终评”已结束并封存。"
    published = staff.post(f"{base}/publish", CONFIRM)
    assert shown_once(staff, published) == "已发布“终评”的结果。"
