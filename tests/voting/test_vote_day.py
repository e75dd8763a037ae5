"""Issue 11 (the day of the vote): staff extend an open round's closing time (later only,
audited, announced on the round page and the juror's ballot page); turnout gives totals and
percentages per round and panel, keeps "not activated" apart from "not voted" and names jurors
who do not vote in a ranked category because of a recusal; staff e-mail reminders to those who
have not voted and see which addresses the mail server refused."""

from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from litestar.testing import TestClient
from sqlalchemy import select, update

from awards.app import create_app
from awards.audit import Action
from awards.models import AuditEvent, Juror, Round
from awards.models.base import utcnow
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, juror_login, run_db
from tests.server import free_port

CONFIRM = {"confirm": "yes"}


def _round(settings, round_id) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _actions(settings) -> list[str]:
    return run_db(settings, lambda s: s.scalars(select(AuditEvent.action)), write=False).all()


@pytest.fixture
def election(settings):
    made = build_election(settings, jurors=3, methods=("approval",))
    closes_at = utcnow().replace(microsecond=0) + timedelta(days=1)
    run_db(
        settings,
        lambda s: s.execute(
            update(Round).where(Round.id == made.round_id).values(closes_at=closes_at)
        ),
    )
    return made


def test_staff_extend_an_open_round_later_only(staff, second_browser, settings, election):
    url = f"/staff/rounds/{election.round_id}/extend"
    before = _round(settings, election.round_id).closes_at
    earlier = (before - timedelta(hours=2)).isoformat()
    refused = staff.post(url, {"closes_at": earlier})
    assert refused.status_code == 422
    assert "只能延后" in refused.text
    later = before + timedelta(days=2)
    assert staff.post(url, {"closes_at": later.isoformat()}).status_code == 303
    assert _round(settings, election.round_id).closes_at == later
    assert Action.ROUND_EXTENDED in _actions(settings)
    page = staff.get(f"/staff/rounds/{election.round_id}").text
    assert "投票截止时间已延长" in page
    juror_login(second_browser, election.emails[0])
    ballot = second_browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    shown = later.astimezone(ZoneInfo(settings.timezone)).strftime("%Y-%m-%d %H:%M")
    assert f"投票将于 {shown} 北京时间 结束" in ballot


def test_only_an_open_round_is_extended(staff, settings):
    draft = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    later = (utcnow() + timedelta(days=5)).isoformat()
    refused = staff.post(f"/staff/rounds/{draft.round_id}/extend", {"closes_at": later})
    assert refused.status_code == 409
    assert _round(settings, draft.round_id).closes_at is None


def test_turnout_has_totals_percentages_and_not_activated_apart(
    staff, second_browser, settings, election
):
    run_db(
        settings,
        lambda s: s.execute(
            update(Juror).where(Juror.id == election.juror_ids[2]).values(password_hash=None)
        ),
    )
    juror_login(second_browser, election.emails[1])
    cid = election.categories["approval"]
    second_browser.post(f"/juror/rounds/{election.round_id}/cast", {f"c{cid}.abstain": "on"})
    page = staff.get(f"/staff/rounds/{election.round_id}/turnout").text
    totals = page.split('id="totals"')[1].split("</table>")[0]
    assert "33%" in totals  # 1 of 3
    not_activated = page.split('class="not-activated"')[1].split("</ul>")[0]
    not_voted = page.split('class="not-voted"')[1].split("</ul>")[0]
    assert "评委002" in not_activated
    assert "评委002" not in not_voted
    assert "评委000" in not_voted


def test_turnout_names_jurors_recused_from_a_ranked_category(staff, settings):
    draft = build_election(settings, jurors=2, methods=("approval", "irv"), open_round=False)
    decided = staff.post(
        f"/staff/seasons/{draft.season_id}/jurors/{draft.juror_ids[1]}/recusals",
        {"nominee_id": draft.nominees["irv"][0][1:], "decision": "recuse", "reason": "制片人"},
    )
    assert decided.status_code == 303
    assert staff.post(f"/staff/rounds/{draft.round_id}/open", CONFIRM).status_code == 303
    page = staff.get(f"/staff/rounds/{draft.round_id}/turnout").text
    recused = page.split('id="ranked-recusals"')[1].split("</section>")[0]
    assert "评委001" in recused
    assert "评委000" not in recused


def test_reminders_go_to_activated_jurors_who_have_not_voted(
    settings, staff_user, second_browser, election
):
    refused_address = election.emails[0]
    received: list[bytes] = []

    class Picky:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == refused_address:
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    run_db(
        settings,
        lambda s: s.execute(
            update(Juror).where(Juror.id == election.juror_ids[2]).values(password_hash=None)
        ),
    )
    juror_login(second_browser, election.emails[1])
    cid = election.categories["approval"]
    second_browser.post(f"/juror/rounds/{election.round_id}/cast", {f"c{cid}.abstain": "on"})
    # Juror 0 has not voted (and the server refuses the address), juror 1 has voted, juror 2
    # has not activated the account (a reminder would not help: a new code would).
    port = free_port()
    sink = Controller(Picky(), hostname="127.0.0.1", port=port)
    sink.start()
    mailing = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    try:
        with TestClient(create_app(mailing), base_url="http://testserver.local") as client:
            staff = Browser(client)
            assert staff.login(staff_user, STAFF_PASSWORD).status_code == 303
            url = f"/staff/rounds/{election.round_id}/remind"
            asked = staff.post(url)
            assert asked.status_code == 200
            assert "1 位" in asked.text  # one reminder to send
            assert received == []
            done = staff.post(url, CONFIRM)
    finally:
        sink.stop()
    assert done.status_code == 200
    alert = done.text.split('role="alert">')[1].split("</p>")[0]
    assert "评委000" in alert
    assert received == []  # the only reminder was refused
    assert Action.ROUND_REMINDED in _actions(settings)


def test_a_reminder_says_when_voting_closes_and_nothing_secret(settings, staff_user, election):
    received: list[bytes] = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    mailing = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    try:
        with TestClient(create_app(mailing), base_url="http://testserver.local") as client:
            staff = Browser(client)
            assert staff.login(staff_user, STAFF_PASSWORD).status_code == 303
            done = staff.post(f"/staff/rounds/{election.round_id}/remind", CONFIRM)
    finally:
        sink.stop()
    assert done.status_code == 200
    assert "已向 3 位评委发出提醒" in done.text
    messages = [message_from_bytes(m) for m in received]
    assert {m["To"] for m in messages} == set(election.emails)
    body = messages[0].get_payload(decode=True).decode()
    assert "终评" in body
    assert "北京时间" in body
    assert "Beijing time" in body  # the English part names the zone as people say it too
    assert "Asia/Shanghai" not in body
    assert "/juror/login" in body


def test_without_a_mail_server_staff_are_told(staff, settings, election):
    page = staff.get(f"/staff/rounds/{election.round_id}/turnout").text
    assert "未配置邮件服务器" in page
    refused = staff.post(f"/staff/rounds/{election.round_id}/remind", CONFIRM)
    assert refused.status_code == 409
    assert Action.ROUND_REMINDED not in _actions(settings)
