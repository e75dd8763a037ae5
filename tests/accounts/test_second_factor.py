"""The staff second factor (issue 9): enrolment with a QR code and recovery codes, the code page
of a login, replay, throttling, the setting that requires it, and what is never stored or shown
in the clear."""

import re
from datetime import timedelta

import pyotp
import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from awards.accounts import throttle
from awards.accounts.sessions import COOKIE_NAME
from awards.app import create_app
from awards.audit import Action
from awards.models import AuditEvent, PendingLogin, StaffRecoveryCode, StaffUser
from awards.models.base import utcnow
from awards.settings import Settings
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, juror_login, run_db

PENDING = "awards_pending"


def enrol(browser: Browser) -> tuple[str, list[str]]:
    """Set up an authenticator as a person does; returns its secret and the recovery codes."""
    assert browser.post("/staff/second-factor/start").status_code == 303
    page = browser.get("/staff/second-factor/").text
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page)[1].replace(" ", "")
    done = browser.post("/staff/second-factor/confirm", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200, done.text
    codes = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", done.text)
    return secret, codes


def next_code(secret: str) -> str:
    """The code of the next time step: the current one was used by the step before."""
    return pyotp.TOTP(secret).at(utcnow() + timedelta(seconds=30))


def _user(settings: Settings) -> StaffUser:
    return run_db(settings, lambda s: s.scalar(select(StaffUser)), write=False)


def test_enrolment_shows_a_qr_code_inline_and_stores_the_secret_encrypted(staff, settings):
    page = staff.get("/staff/second-factor/")
    assert "设置身份验证器" in page.text
    assert '<code class="secret">' not in page.text  # no secret before asking for one
    staff.post("/staff/second-factor/start")
    page = staff.get("/staff/second-factor/")
    assert '<svg viewBox="0 0' in page.text
    assert 'class="qr"' in page.text
    assert "data:" not in page.text
    assert "<script" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    secret = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)[1]
    assert all(len(group) == 4 for group in secret.split())
    stored = _user(settings).totp_secret
    assert stored.startswith("v1:")
    assert secret.replace(" ", "") not in stored
    # The same secret until enrolment is done (a reload does not change the QR code).
    assert secret in staff.get("/staff/second-factor/").text


def test_enrolment_needs_a_right_code_then_shows_ten_recovery_codes_once(staff, settings):
    staff.post("/staff/second-factor/start")
    wrong = staff.post("/staff/second-factor/confirm", {"code": "000000"})
    assert wrong.status_code == 422
    assert "验证码不正确" in wrong.text
    assert _user(settings).totp_enrolled_at is None
    secret, codes = enrol(staff)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    hashes = run_db(
        settings, lambda s: s.scalars(select(StaffRecoveryCode.code_hash)), write=False
    ).all()
    assert len(hashes) == 10
    assert not set(codes) & set(hashes)
    after = staff.get("/staff/second-factor/").text
    assert "已开启两步登录" in after
    assert "还有 10 个未用的恢复码" in after
    assert secret not in after.replace(" ", "")
    assert "<svg" not in after
    assert not any(code in after for code in codes)
    events = run_db(settings, lambda s: s.scalars(select(AuditEvent)), write=False).all()
    assert Action.STAFF_SECOND_FACTOR_ENROLLED in [e.action for e in events]
    for event in events:  # neither the secret nor a recovery code is ever audited
        assert secret not in event.changes
        assert not any(code in event.changes for code in codes)


def test_an_enrolled_login_needs_the_code_and_a_code_works_once(staff, settings, client):
    secret, _codes = enrol(staff)
    staff.post("/logout")
    answer = staff.login("editor", STAFF_PASSWORD)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login/code?next=/staff"
    assert COOKIE_NAME not in staff.client.cookies  # not logged in yet
    assert staff.get("/staff/seasons", follow_redirects=False).status_code == 303
    assert "6 位验证码" in staff.get("/login/code").text
    code = next_code(secret)
    done = staff.post("/login/code", {"code": code, "next": "/staff"})
    assert done.status_code == 303
    assert done.headers["location"] == "/staff"
    assert staff.get("/staff/seasons").status_code == 200
    assert run_db(settings, lambda s: s.scalars(select(PendingLogin)), write=False).all() == []
    # The same code again, in a new login within its 30 seconds: refused as a replay.
    staff.post("/logout")
    staff.login("editor", STAFF_PASSWORD)
    replay = staff.post("/login/code", {"code": code, "next": "/staff"})
    assert replay.status_code == 401
    assert "已经用过" in replay.text
    assert COOKIE_NAME not in staff.client.cookies


def test_a_recovery_code_logs_in_once(staff, settings):
    _secret, codes = enrol(staff)
    staff.post("/logout")
    staff.login("editor", STAFF_PASSWORD)
    typed = codes[3].lower().replace("-", " ")  # as a person may type it
    assert staff.post("/login/code", {"code": typed}).status_code == 303
    staff.post("/logout")
    staff.login("editor", STAFF_PASSWORD)
    assert staff.post("/login/code", {"code": codes[3]}).status_code == 401
    assert "还有 9 个未用的恢复码" not in staff.get("/staff/second-factor/").text
    assert staff.post("/login/code", {"code": codes[4]}).status_code == 303
    assert "还有 8 个未用的恢复码" in staff.get("/staff/second-factor/").text


def test_wrong_codes_are_throttled_and_a_right_password_does_not_reset_the_count(staff, settings):
    secret, _codes = enrol(staff)
    staff.post("/logout")
    for attempt in range(settings.login_max_failures):
        staff.login("editor", STAFF_PASSWORD)  # a right password each time
        assert staff.post("/login/code", {"code": "123456"}).status_code == 401, attempt
    # Over the limit: even the right code is refused, unchecked, and the pending login ends.
    staff.login("editor", STAFF_PASSWORD)
    answer = staff.post("/login/code", {"code": next_code(secret)})
    assert answer.status_code == 429
    assert "错误的验证码次数过多，请在" in answer.text
    assert run_db(settings, lambda s: s.scalars(select(PendingLogin)), write=False).all() == []
    assert COOKIE_NAME not in staff.client.cookies
    # An administrator's unlock clears it.
    run_db(settings, lambda s: throttle.unlock(s, "staff", "editor", actor="admin"))
    staff.login("editor", STAFF_PASSWORD)
    assert staff.post("/login/code", {"code": next_code(secret)}).status_code == 303


def test_a_pending_login_expires_and_opens_nothing_else(staff, settings):
    secret, _codes = enrol(staff)
    staff.post("/logout")
    staff.login("editor", STAFF_PASSWORD)
    pending = staff.client.cookies[PENDING]
    # The pending cookie is not a session: planted as one, it opens nothing.
    staff.set_cookie(COOKIE_NAME, pending)
    assert staff.get("/staff/seasons", follow_redirects=False).status_code == 303
    run_db(
        settings,
        lambda s: s.execute(
            update(PendingLogin).values(expires_at=utcnow() - timedelta(seconds=1))
        ),
    )
    late = staff.post("/login/code", {"code": next_code(secret)})
    assert late.status_code == 401
    assert "等待时间过长" in late.text
    assert staff.get("/login/code", follow_redirects=False).headers["location"] == "/login"


def test_new_recovery_codes_need_a_code_from_the_authenticator(staff, settings):
    secret, old = enrol(staff)
    refused = staff.post("/staff/second-factor/recovery-codes", {"code": "000000"})
    assert refused.status_code == 422
    fresh = staff.post("/staff/second-factor/recovery-codes", {"code": next_code(secret)})
    assert fresh.status_code == 200
    new = re.findall(r"<li><code>([A-Z0-9-]{19})</code></li>", fresh.text)
    assert len(new) == 10
    assert not set(new) & set(old)
    staff.post("/logout")
    staff.login("editor", STAFF_PASSWORD)
    assert staff.post("/login/code", {"code": old[0]}).status_code == 401
    assert staff.post("/login/code", {"code": new[0]}).status_code == 303


@pytest.fixture
def required(settings: Settings):
    """The app with AWARDS_STAFF_REQUIRE_TOTP on."""
    strict = Settings(**{**settings.__dict__, "staff_require_totp": True})
    with TestClient(create_app(strict), base_url="http://testserver.local") as client:
        yield Browser(client)


def test_when_required_a_staff_member_reaches_only_enrolment_until_enrolled(
    required, staff_user, settings
):
    election = build_election(settings, jurors=1, methods=("approval",))
    assert required.login(staff_user, STAFF_PASSWORD).status_code == 303
    for page in ("/staff", "/staff/seasons", "/staff/audit/", "/staff/accounts/"):
        answer = required.get(page, follow_redirects=False)
        assert answer.status_code == 303, page
        assert answer.headers["location"] == "/staff/second-factor", page
    refused = required.post("/staff/seasons/new", {"code": "2030", "name": "x", "year": "2030"})
    assert refused.headers["location"] == "/staff/second-factor"
    page = required.get("/staff/second-factor/").text
    assert "必须使用两步登录" in page
    assert 'href="/staff/seasons"' not in page  # the menu offers only the enrolment
    enrol(required)
    assert required.get("/staff/seasons").status_code == 200
    # Jurors are not affected.
    juror = Browser(required.client)
    required.post("/logout")
    assert juror_login(juror, election.emails[0]).status_code == 303
    assert juror.get("/juror").status_code == 200


def test_after_the_secret_key_changes_codes_fail_cleanly_and_recovery_codes_still_work(
    staff, settings
):
    secret, codes = enrol(staff)
    rekeyed = Settings(**{**settings.__dict__, "secret_key": "another-secret-key"})
    with TestClient(create_app(rekeyed), base_url="http://testserver.local") as client:
        browser = Browser(client)
        browser.login("editor", STAFF_PASSWORD)
        assert browser.post("/login/code", {"code": next_code(secret)}).status_code == 401
        assert browser.post("/login/code", {"code": codes[0]}).status_code == 303


def test_the_audit_log_records_a_login_only_once_the_second_factor_is_passed(staff, settings):
    secret, _codes = enrol(staff)
    staff.post("/logout")

    def logins() -> list[str]:
        events = run_db(
            settings,
            lambda s: s.scalars(
                select(AuditEvent).where(AuditEvent.action == Action.STAFF_LOGGED_IN)
            ),
            write=False,
        )
        return [e.changes for e in events]

    before = logins()
    staff.login("editor", STAFF_PASSWORD)
    assert logins() == before  # a right password alone is not a login
    staff.post("/login/code", {"code": next_code(secret)})
    assert logins() == [*before, '{"second_factor":"totp"}']
