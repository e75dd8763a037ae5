"""Staff accounts in the browser (issue 9): an administrator creates accounts (a one-time code,
never a typed password), changes roles, disables, resets a password or an authenticator and
unlocks; the last administrator is kept; every action is audited."""

import asyncio
import json
import re

import pytest
from sqlalchemy import select

from awards.accounts import staff_accounts
from awards.accounts.sessions import Principal
from awards.audit import Action
from awards.database import Database
from awards.errors import NotAllowed
from awards.models import AuditEvent, StaffUser, WebSession
from awards.models.staff import ADMIN, AUDITOR, ELECTION_STAFF
from tests.accounts.test_second_factor import enrol
from tests.conftest import STAFF_PASSWORD
from tests.factories import build_election, create_staff_user, juror_login, run_db, shown_once

NEW_PASSWORD = "a long new password for staff"


def _account(settings, username: str) -> StaffUser:
    return run_db(
        settings,
        lambda s: s.scalar(select(StaffUser).where(StaffUser.username == username)),
        write=False,
    )


def _events(settings, action: str) -> list[dict]:
    events = run_db(
        settings, lambda s: s.scalars(select(AuditEvent).where(AuditEvent.action == action)), False
    ).all()
    return [{"actor": e.actor, **json.loads(e.changes)} for e in events]


def _code(page: str) -> str:
    return re.search(r'<span class="code">([A-Z2-7-]+)</span>', page)[1]


def test_an_administrator_creates_an_account_whose_owner_sets_the_password(
    staff, second_browser, settings
):
    page = staff.post(
        "/staff/accounts/", {"username": "wang.fang", "display_name": "王芳", "role": AUDITOR}
    )
    assert page.status_code == 200
    assert "只显示这一次" in page.text
    code = _code(page.text)
    assert "/activate" in page.text
    # No password yet: nothing logs in, not even an empty one.
    assert second_browser.login("wang.fang", "").status_code == 401
    assert second_browser.login("wang.fang", "!").status_code == 401
    done = second_browser.post(
        "/activate", {"code": code, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert done.status_code == 303
    assert second_browser.login("wang.fang", NEW_PASSWORD).status_code == 303
    assert second_browser.get("/staff/seasons").status_code == 200
    assert _account(settings, "wang.fang").role == AUDITOR
    [created] = _events(settings, Action.STAFF_CREATED)[-1:]
    assert created["username"] == "wang.fang"
    assert created["role"] == AUDITOR
    assert created["actor"] == "Editor"
    assert code not in json.dumps(_events(settings, Action.STAFF_CODE_ISSUED))


def test_the_accounts_page_shows_its_form_once_and_a_plain_title(staff):
    page = staff.get("/staff/accounts/").text
    assert re.search(r"<title>([^<]*)</title>", page)[1].startswith("工作人员账号")
    assert page.count('name="username"') == 1


def test_a_taken_or_bad_user_name_is_refused_next_to_the_field(staff):
    for username, message in (("editor", "已存在"), ("bad name", "字母")):
        page = staff.post(
            "/staff/accounts/", {"username": username, "display_name": "", "role": ADMIN}
        )
        assert page.status_code == 422
        assert message in re.search(r'id="e-username">([^<]*)<', page.text)[1]


def test_role_changes_are_audited_old_to_new_and_take_effect_at_once(
    staff, second_browser, settings
):
    other = create_staff_user(settings, "li", STAFF_PASSWORD)
    second_browser.login("li", STAFF_PASSWORD)
    assert second_browser.get("/staff/accounts/").status_code == 200
    assert staff.post(f"/staff/accounts/{other}/role", {"role": AUDITOR}).status_code == 303
    assert _events(settings, Action.STAFF_ROLE_CHANGED) == [
        {"actor": "Editor", "username": "li", "role": [ADMIN, AUDITOR]}
    ]
    # The auditor's open session reads, no longer writes.
    refused = second_browser.post(f"/staff/accounts/{other}/role", {"role": ADMIN})
    assert refused.status_code == 403


@pytest.mark.parametrize(
    ("action", "data", "message"),
    [
        ("role", {"role": ELECTION_STAFF}, "不能更改自己的角色"),
        ("active", {"active": "0"}, "不能停用自己的账号"),
        ("password", {}, "不能在这里重置自己的密码"),
    ],
)
def test_nobody_demotes_disables_or_resets_themselves(staff, settings, action, data, message):
    me = _account(settings, "editor").id
    page = staff.post(f"/staff/accounts/{me}/{action}", data)
    assert page.status_code == 403
    assert message in page.text
    assert _account(settings, "editor").role == ADMIN
    assert _account(settings, "editor").is_active


def test_the_last_active_administrator_is_kept(settings, staff_user):
    """Reachable only when two administrators act at once (each may not touch themselves): the
    domain rule is checked here with the other administrator already gone."""
    other = create_staff_user(settings, "li", STAFF_PASSWORD, role=AUDITOR)
    actor = Principal("staff", other, "Li", "x", ADMIN)

    async def attempt(session, what):
        user = await session.scalar(select(StaffUser).where(StaffUser.username == staff_user))
        if what == "role":
            await staff_accounts.change_role(session, user, AUDITOR, actor)
        elif what == "disable":
            await staff_accounts.set_active(session, user, False, actor)
        else:
            user.totp_secret = "v1:x"
            await staff_accounts.reset_second_factor(session, user, actor)

    for what in ("role", "disable", "second factor"):
        with pytest.raises(NotAllowed, match="last active administrator"):
            run_db(settings, lambda s, what=what: attempt(s, what))
    assert _account(settings, staff_user).role == ADMIN


def test_disabling_ends_the_accounts_sessions(staff, second_browser, settings):
    other = create_staff_user(settings, "li", STAFF_PASSWORD, role=ELECTION_STAFF)
    second_browser.login("li", STAFF_PASSWORD)
    assert staff.post(f"/staff/accounts/{other}/active", {"active": "0"}).status_code == 303
    assert second_browser.get("/staff/seasons", follow_redirects=False).status_code == 303
    sessions = run_db(settings, lambda s: s.scalars(select(WebSession)), write=False).all()
    assert [s.principal_id for s in sessions] == [_account(settings, "editor").id]
    assert second_browser.login("li", STAFF_PASSWORD).status_code == 401
    assert _events(settings, Action.STAFF_DISABLED)[0]["is_active"] == [True, False]
    staff.post(f"/staff/accounts/{other}/active", {"active": "1"})
    assert second_browser.login("li", STAFF_PASSWORD).status_code == 303


def test_a_password_reset_kills_the_old_password_and_the_code_sets_a_new_one(
    staff, second_browser, settings
):
    other = create_staff_user(settings, "li", STAFF_PASSWORD)
    second_browser.login("li", STAFF_PASSWORD)
    page = staff.post(f"/staff/accounts/{other}/password")
    assert page.status_code == 200
    code = _code(page.text)
    assert second_browser.get("/staff/seasons", follow_redirects=False).status_code == 303
    assert second_browser.login("li", STAFF_PASSWORD).status_code == 401
    second_browser.post(
        "/activate", {"code": code, "password": NEW_PASSWORD, "password_repeat": NEW_PASSWORD}
    )
    assert second_browser.login("li", NEW_PASSWORD).status_code == 303
    assert _events(settings, Action.STAFF_PASSWORD_RESET)[0]["password"] == ["set", "unset"]


def test_a_lost_authenticator_is_reset_by_another_administrator(staff, second_browser, settings):
    other = create_staff_user(settings, "li", STAFF_PASSWORD)
    second_browser.login("li", STAFF_PASSWORD)
    enrol(second_browser)
    assert "两步登录" in staff.get(f"/staff/accounts/{other}").text
    assert staff.post(f"/staff/accounts/{other}/second-factor/reset").status_code == 303
    second_browser.post("/logout")
    login = second_browser.login("li", STAFF_PASSWORD)
    assert login.headers["location"] == "/staff"  # the password alone again
    assert _events(settings, Action.STAFF_SECOND_FACTOR_RESET)[0]["second_factor"] == ["on", "off"]
    me = _account(settings, "editor").id
    enrol(staff)
    refused = staff.post(f"/staff/accounts/{me}/second-factor/reset")
    assert refused.status_code == 403
    assert "不能重置自己的身份验证器" in refused.text


def test_staff_unlock_a_locked_staff_account_and_a_locked_juror(staff, second_browser, settings):
    other = create_staff_user(settings, "li", STAFF_PASSWORD)
    election = build_election(settings, jurors=1, methods=("approval",))
    for _ in range(settings.login_max_failures + 1):
        second_browser.login("li", "wrong password, many times")
        juror_login(second_browser, election.emails[0], "wrong password, many times")
    assert second_browser.login("li", STAFF_PASSWORD).status_code == 429
    assert juror_login(second_browser, election.emails[0]).status_code == 429
    unlocked = staff.post(f"/staff/accounts/{other}/unlock")
    assert unlocked.headers["location"] == f"/staff/accounts/{other}?unlocked=1"
    assert "已解锁" in staff.get(unlocked.headers["location"]).text
    path = f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}"
    assert staff.post(f"{path}/unlock").status_code == 303
    assert second_browser.login("li", STAFF_PASSWORD).status_code == 303
    second_browser.post("/logout")
    assert juror_login(second_browser, election.emails[0]).status_code == 303
    assert len(_events(settings, Action.STAFF_UNLOCKED)) == 1
    assert len(_events(settings, Action.JUROR_UNLOCKED)) == 1


def test_two_administrators_demoting_each_other_at_once_leave_one(settings):
    """The admins' rows are locked before they are counted (PostgreSQL runs both at once)."""
    first = create_staff_user(settings, "a", STAFF_PASSWORD)
    second = create_staff_user(settings, "b", STAFF_PASSWORD)

    async def both() -> list:
        db = Database.from_settings(settings)

        async def demote(target: int, actor: int) -> str:
            async with db.transaction() as session:
                user = await session.get(StaffUser, target)
                principal = Principal("staff", actor, "x", "x", ADMIN)
                try:
                    await staff_accounts.change_role(session, user, AUDITOR, principal)
                except NotAllowed:
                    return "refused"
                await asyncio.sleep(0.05)  # both hold their transaction open at once
                return "done"

        try:
            return await asyncio.gather(demote(first, second), demote(second, first))
        finally:
            await db.dispose()

    assert sorted(asyncio.run(both())) == ["done", "refused"]
    roles = {_account(settings, name).role for name in ("a", "b")}
    assert roles == {ADMIN, AUDITOR}


def test_account_changes_say_what_they_did_once(staff, second_browser, settings):
    """Issue 11 (a short confirmation after every action). Creating an account and resetting a
    password answer with the one-time code's page, which says so in its heading."""
    other = create_staff_user(settings, "li", STAFF_PASSWORD)
    url = f"/staff/accounts/{other}"
    role = staff.post(f"{url}/role", {"role": AUDITOR})
    assert shown_once(staff, role) == "li 的角色已改为“审计员”。"
    disabled = staff.post(f"{url}/active", {"active": "0"})
    assert shown_once(staff, disabled) == "已停用账号 li：它不能再登录。"
    enabled = staff.post(f"{url}/active", {"active": "1"})
    assert shown_once(staff, enabled) == "已启用账号 li。"
    second_browser.login("li", STAFF_PASSWORD)
    enrol(second_browser)
    reset = staff.post(f"{url}/second-factor/reset")
    assert shown_once(staff, reset) == "已重置 li 的两步登录：下次只需密码即可登录。"
    new = staff.post("/staff/accounts/", {"username": "wang", "display_name": "", "role": ADMIN})
    assert "已创建账号 wang" in new.text
    assert "为 li 重设密码" in staff.post(f"{url}/password").text
