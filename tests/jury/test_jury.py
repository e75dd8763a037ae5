"""The jury: roster, activation codes, password rules, juror sessions and declared conflicts."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from awards.accounts import activation
from awards.jury import jurors
from awards.models import ActivationCode, Affiliation, Juror, Panel, WebSession
from awards.models.base import utcnow
from tests.factories import JUROR_PASSWORD, build_election, juror_login, make_season, run_db

NEW_PASSWORD = "一个足够长的新密码 2024"


@pytest.fixture
def season(settings):
    async def build(s):
        season = await make_season(s)
        await jurors.create_panel(s, season, jurors.PanelForm("main", "评审委员会"), "test")
        await jurors.create_panel(s, season, jurors.PanelForm("web", "网络剧组"), "test")
        return season

    return run_db(settings, build)


def _jurors(settings) -> list[Juror]:
    return run_db(
        settings, lambda s: s.scalars(select(Juror).order_by(Juror.email)), write=False
    ).all()


def test_add_a_juror_and_refuse_a_duplicate_email(staff, settings, season):
    form = {
        "name": "张评委",
        "organisation": "协会",
        "email": "Zhang@Example.org",
        "panels": "main web",
    }
    assert staff.post(f"/staff/seasons/{season.id}/jurors", form).status_code == 303
    [juror] = _jurors(settings)
    assert juror.email == "zhang@example.org"
    assert juror.password_hash is None
    again = staff.post(f"/staff/seasons/{season.id}/jurors", {**form, "name": "另一位"})
    assert again.status_code == 422
    assert "已有评委使用此邮箱。" in again.text
    bad_panel = staff.post(
        f"/staff/seasons/{season.id}/jurors", {**form, "email": "x@y.org", "panels": "nope"}
    )
    assert "本届没有代码为“nope”的评审组。" in bad_panel.text
    assert len(_jurors(settings)) == 1


ROSTER = (
    "姓名,单位,邮箱,电话,评审组\n"
    "张评委,协会,zhang@example.org,138,main\n"
    "李评委,大学,li@example.org,,main web\n"
)


def test_roster_import_all_or_nothing(staff, settings, season):
    bad = (
        ROSTER
        + "王评委,,not-an-email,,main\n"
        + "赵评委,,zhang@example.org,,main\n"
        + "钱评委,,qian@example.org,,film\n"
    )
    response = staff.upload(f"/staff/seasons/{season.id}/jurors/import", "roster.csv", bad.encode())
    assert response.status_code == 422
    for text in ("请填写邮箱地址。", "与第 2 行的邮箱重复。", "本届没有代码为“film”的评审组。"):
        assert text in response.text
    assert _jurors(settings) == []
    ok = staff.upload(f"/staff/seasons/{season.id}/jurors/import", "roster.csv", ROSTER.encode())
    assert ok.status_code == 303
    imported = {j.email: j for j in _jurors(settings)}
    assert set(imported) == {"zhang@example.org", "li@example.org"}
    page = staff.get(f"/staff/seasons/{season.id}/jury").text
    assert "张评委" in page
    assert "未激活" in page


def _issue(staff, settings, season, fmt="letters"):
    ids = [str(j.id) for j in _jurors(settings)]
    return staff.post(
        f"/staff/seasons/{season.id}/jurors/codes",
        {"juror_ids": ids, "format": fmt, "confirm": "yes"},
    )


def test_codes_are_shown_once_and_stored_only_as_hashes(staff, settings, season):
    staff.upload(f"/staff/seasons/{season.id}/jurors/import", "roster.csv", ROSTER.encode())
    letters = _issue(staff, settings, season)
    assert letters.status_code == 200
    codes = re.findall(r'<span class="code">([A-Z2-7-]+)</span>', letters.text)
    assert len(codes) == 2
    assert all(len(activation.normalise(c)) == 26 for c in codes)  # 130 bits
    stored = run_db(settings, lambda s: s.scalars(select(ActivationCode)), write=False).all()
    assert {row.code_hash for row in stored} == {activation.code_hash(c) for c in codes}
    assert not any(activation.normalise(c) in row.code_hash for c in codes for row in stored)
    csv_answer = _issue(staff, settings, season, fmt="csv")
    assert csv_answer.headers["content-type"].startswith("text/csv")
    new_codes = re.findall(r"[A-Z2-7]{4}(?:-[A-Z2-7]{1,4}){6}", csv_answer.text)
    assert len(new_codes) == 2
    assert not set(new_codes) & set(codes)  # re-issuing replaced the old codes


def _activate(browser, code, password=NEW_PASSWORD, repeat=None):
    return browser.post(
        "/juror/activate",
        {"code": code, "password": password, "password_repeat": repeat or password},
    )


def test_activation_sets_the_password_once(staff, browser, client, settings, season):
    staff.upload(f"/staff/seasons/{season.id}/jurors/import", "roster.csv", ROSTER.encode())
    code = re.findall(
        r'<span class="code">([A-Z2-7-]+)</span>', _issue(staff, settings, season).text
    )[0]
    juror_browser = type(browser)(client)
    assert (
        _activate(juror_browser, code.lower().replace("-", " ")).status_code == 303
    )  # typed loosely
    reused = _activate(juror_browser, code)
    assert reused.status_code == 422
    assert "激活码无效或已过期" in reused.text
    email = next(j.email for j in _jurors(settings) if j.password_hash)
    assert juror_login(juror_browser, email, NEW_PASSWORD).status_code == 303
    assert "我的选票" in juror_browser.get("/juror").text


def test_expired_and_replaced_codes_fail(staff, browser, settings, season):
    staff.upload(f"/staff/seasons/{season.id}/jurors/import", "roster.csv", ROSTER.encode())
    first = re.findall(
        r'<span class="code">([A-Z2-7-]+)</span>', _issue(staff, settings, season).text
    )
    second = re.findall(
        r'<span class="code">([A-Z2-7-]+)</span>', _issue(staff, settings, season).text
    )
    assert _activate(browser, first[0]).status_code == 422  # replaced by the second issue
    run_db(
        settings,
        lambda s: s.execute(
            update(ActivationCode).values(expires_at=utcnow() - timedelta(seconds=1))
        ),
    )
    assert _activate(browser, second[0]).status_code == 422
    assert all(j.password_hash is None for j in _jurors(settings))


@pytest.mark.parametrize(
    ("password", "repeat", "message"),
    [
        ("short", None, "请使用 12 到 128 个字符。"),
        ("x" * 129, None, "请使用 12 到 128 个字符。"),
        ("password1234", None, "这个密码太常见，请换一个。"),
        ("1qaz2wsx3edc", None, "这个密码太常见，请换一个。"),
        ("aaaaaaaaaaaaaaa", None, "这个密码太常见，请换一个。"),
        (NEW_PASSWORD, "something else entirely", "两次输入的密码不一致。"),
    ],
)
def test_password_rules(staff, browser, settings, season, password, repeat, message):
    staff.upload(f"/staff/seasons/{season.id}/jurors/import", "roster.csv", ROSTER.encode())
    code = re.findall(
        r'<span class="code">([A-Z2-7-]+)</span>', _issue(staff, settings, season).text
    )[0]
    response = _activate(browser, code, password, repeat)
    assert response.status_code == 422
    assert message in response.text
    assert (
        run_db(
            settings,
            lambda s: s.scalar(select(func.count()).select_from(ActivationCode)),
            write=False,
        )
        == 2
    )


def test_changing_the_password_ends_other_sessions(client, settings):
    from litestar.testing import TestClient

    from awards.app import create_app
    from tests.factories import Browser

    election = build_election(settings, jurors=1, methods=("approval",))
    here = Browser(client)
    juror_login(here, election.emails[0])
    with TestClient(create_app(settings), base_url="http://testserver.local") as other_client:
        elsewhere = Browser(other_client)
        juror_login(elsewhere, election.emails[0])
        wrong = here.post(
            "/juror/password",
            {"current": "not it at all", "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
        )
        assert wrong.status_code == 422
        assert "当前密码不正确。" in wrong.text
        done = here.post(
            "/juror/password",
            {"current": JUROR_PASSWORD, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD},
        )
        assert done.status_code == 303
        assert here.get("/juror").status_code == 200  # this browser got a fresh session
        assert elsewhere.get("/juror", follow_redirects=False).status_code == 303  # the other ended
    assert (
        run_db(
            settings, lambda s: s.scalar(select(func.count()).select_from(WebSession)), write=False
        )
        == 1
    )


def test_a_reset_by_a_new_code_ends_every_session_and_the_old_password(client, settings):
    """Staff reset a juror's password by issuing a new code: once it is used, the sessions
    logged in with the old password end, and the old password no longer works."""
    from litestar.testing import TestClient

    from awards.app import create_app
    from tests.factories import Browser

    election = build_election(settings, jurors=1, methods=("approval",))
    logged_in = Browser(client)
    juror_login(logged_in, election.emails[0])

    async def reissue(s):
        juror = await s.get(Juror, election.juror_ids[0])
        [issued] = await activation.issue_codes(s, [juror], utcnow(), 1, "staff")
        return issued.code

    code = run_db(settings, reissue)
    assert logged_in.get("/juror").status_code == 200  # issuing alone changes nothing yet
    with TestClient(create_app(settings), base_url="http://testserver.local") as other_client:
        assert _activate(Browser(other_client), code).status_code == 303
    assert logged_in.get("/juror", follow_redirects=False).status_code == 303
    assert juror_login(Browser(client), election.emails[0]).status_code == 401
    assert juror_login(Browser(client), election.emails[0], NEW_PASSWORD).status_code == 303


def test_a_juror_is_not_staff_and_staff_is_not_a_juror(browser, settings, staff_user):
    from tests.conftest import STAFF_PASSWORD

    election = build_election(settings, jurors=1, methods=("approval",))
    juror_login(browser, election.emails[0])
    assert browser.get("/staff/seasons").status_code == 403
    browser.login(staff_user, STAFF_PASSWORD)
    assert browser.get("/juror").status_code == 403


def test_declared_conflicts_derive_recusals_and_staff_decide(second_browser, staff, settings):
    browser = second_browser
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    juror_login(browser, election.emails[0])
    assert (
        browser.post("/juror/affiliations", {"company": "公司0", "role": "制片人"}).status_code
        == 303
    )
    drama_id = run_db(settings, lambda s: s.scalar(select(func.min(Affiliation.id))), write=False)
    assert drama_id is not None
    search = browser.get("/juror/affiliations", params={"q": "剧目2"}).text
    found = re.search(r'name="drama_id" value="(\d+)"', search)
    assert found is not None
    assert (
        browser.post("/juror/affiliations", {"drama_id": found[1], "role": "编剧"}).status_code
        == 303
    )
    duplicate = browser.post("/juror/affiliations", {"company": "公司0"})
    assert duplicate.status_code == 422
    juror_id = election.juror_ids[0]
    page = staff.get(f"/staff/seasons/{election.season_id}/jurors/{juror_id}").text
    assert "申报关联公司：公司0" in page
    assert "申报参与作品：剧目2" in page
    nominee_ids = [int(k[1:]) for k in election.nominees["approval"]]
    no_reason = staff.post(
        f"/staff/seasons/{election.season_id}/jurors/{juror_id}/recusals",
        {"nominee_id": str(nominee_ids[0]), "decision": "lift", "reason": ""},
    )
    assert no_reason.status_code == 422
    staff.post(
        f"/staff/seasons/{election.season_id}/jurors/{juror_id}/recusals",
        {"nominee_id": str(nominee_ids[0]), "decision": "lift", "note": "已离职三年"},
    )
    staff.post(
        f"/staff/seasons/{election.season_id}/jurors/{juror_id}/recusals",
        {"nominee_id": str(nominee_ids[1]), "decision": "recuse", "reason": "近亲属参演"},
    )

    async def recusals(s):
        from sqlalchemy.orm import selectinload

        from awards.jury.recusals import effective_recusals
        from awards.models import Nominee

        nominees = await s.scalars(select(Nominee).options(selectinload(Nominee.drama)))
        return {
            n: r.reason
            for (_j, n), r in (await effective_recusals(s, [juror_id], nominees)).items()
        }

    assert run_db(settings, recusals, write=False) == {
        nominee_ids[1]: "近亲属参演",
        nominee_ids[2]: "申报参与作品：剧目2",
    }


def test_panels_need_unique_codes(staff, settings, season):
    again = staff.post(f"/staff/seasons/{season.id}/panels", {"code": "main", "name": "重复"})
    assert again.status_code == 422
    assert (
        run_db(settings, lambda s: s.scalar(select(func.count()).select_from(Panel)), write=False)
        == 2
    )


def _issue_by_mail(settings, staff_user, election, port: int):
    from dataclasses import replace

    from litestar.testing import TestClient

    from awards.app import create_app
    from tests.conftest import STAFF_PASSWORD
    from tests.factories import Browser

    mailing = replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False)
    with TestClient(create_app(mailing), base_url="http://testserver.local") as client:
        staff = Browser(client)
        staff.login(staff_user, STAFF_PASSWORD)
        return staff.post(
            f"/staff/seasons/{election.season_id}/jurors/codes",
            {
                "juror_ids": [str(j) for j in election.juror_ids],
                "format": "email",
                "confirm": "yes",
            },
        )


def _stored_code_hashes(settings) -> list[str]:
    return sorted(
        run_db(settings, lambda s: s.scalars(select(ActivationCode.code_hash)), write=False)
    )


def test_codes_are_emailed_where_a_mail_server_is_configured(settings, staff_user):
    import asyncio
    from email import message_from_bytes

    from aiosmtpd.controller import Controller

    from tests.server import free_port

    received: list[bytes] = []
    stored_when_sent: list[list[str]] = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            # Another connection already sees the codes: they were committed before any e-mail.
            stored_when_sent.append(await asyncio.to_thread(_stored_code_hashes, settings))
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    try:
        election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
        response = _issue_by_mail(settings, staff_user, election, port)
        assert response.status_code == 200
        assert "已通过电子邮件发出 2 个激活码。" in response.text
        assert 'role="alert"' not in response.text
    finally:
        sink.stop()
    assert len(received) == 2
    messages = [message_from_bytes(m) for m in received]
    assert {m["To"] for m in messages} == set(election.emails)
    codes = [
        re.search(r"\b([A-Z2-7]{4}(?:-[A-Z2-7]{1,4}){6})\b", m.get_payload(decode=True).decode())[1]
        for m in messages
    ]
    assert not any(code in response.text for code in codes)  # staff do not see them
    stored = _stored_code_hashes(settings)
    assert stored == sorted(activation.code_hash(c) for c in codes)
    assert stored_when_sent == [stored, stored]


def test_staff_learn_which_codes_the_mail_server_did_not_take(settings, staff_user):
    from aiosmtpd.controller import Controller

    from tests.server import free_port

    election = build_election(settings, jurors=3, methods=("approval",), open_round=False)
    refused = election.emails[1]

    class Picky:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == refused:
                return "550 no such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    port = free_port()
    sink = Controller(Picky(), hostname="127.0.0.1", port=port)
    sink.start()
    try:
        response = _issue_by_mail(settings, staff_user, election, port)
    finally:
        sink.stop()
    assert response.status_code == 200
    assert "已通过电子邮件发出 2 个激活码。" in response.text
    alert = response.text.split('role="alert">')[1].split("</p>")[0]
    assert "评委001" in alert
    assert "评委000" not in alert
    assert "评委002" not in alert

    # No mail server listening at all: nobody is reached, and staff are told who.
    nobody = _issue_by_mail(settings, staff_user, election, free_port())
    assert nobody.status_code == 200
    assert "已通过电子邮件发出" not in nobody.text
    alert = nobody.text.split('role="alert">')[1].split("</p>")[0]
    assert all(f"评委00{i}" in alert for i in range(3))
