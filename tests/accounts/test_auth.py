"""Staff authentication: login, logout, session rotation and fixation, CSRF, throttling,
timeouts, rehashing and security headers."""

from datetime import timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import select, update

from awards.accounts.sessions import COOKIE_NAME, hash_id
from awards.app import create_app
from awards.audit import Action
from awards.models import AttemptCounter, AuditEvent, StaffUser, WebSession
from awards.models.base import utcnow
from awards.settings import Argon2Params, Settings
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, juror_login, run_db


def _sessions(settings: Settings) -> list[WebSession]:
    return run_db(settings, lambda s: s.scalars(select(WebSession)), write=False).all()


def test_login_sets_a_safe_session_cookie_and_opens_staff_pages(browser, staff_user, settings):
    response = browser.login(staff_user, STAFF_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/staff"
    cookie = next(c for c in response.headers.get_list("set-cookie") if c.startswith(COOKIE_NAME))
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # these test settings are for plain http
    raw = browser.client.cookies[COOKIE_NAME]
    [stored] = _sessions(settings)
    assert stored.id_hash == hash_id(raw)  # only the hash is stored
    assert raw not in stored.id_hash
    assert browser.get("/staff/seasons").status_code == 200


def test_cookie_is_secure_outside_local_development(settings: Settings, staff_user):
    secure = Settings(**{**settings.__dict__, "cookie_secure": True})
    with TestClient(create_app(secure), base_url="https://testserver.local") as client:
        response = Browser(client).login(staff_user, STAFF_PASSWORD)
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith(COOKIE_NAME) and "Secure" in c for c in cookies)


@pytest.mark.parametrize(
    ("username", "password"),
    [("editor", "wrong password entirely"), ("nobody", "whatever it is here"), ("editor", "")],
)
def test_login_failures_give_one_generic_message(browser, staff_user, username, password):
    response = browser.login(username, password)
    assert response.status_code == 401
    assert "用户名或密码错误" in response.text
    assert COOKIE_NAME not in browser.client.cookies


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get("/staff/seasons", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/staff/seasons"


def test_login_replaces_the_session_id_and_logout_ends_it(browser, staff_user, settings):
    browser.login(staff_user, STAFF_PASSWORD)
    first = browser.client.cookies[COOKIE_NAME]
    browser.login(staff_user, STAFF_PASSWORD)
    second = browser.client.cookies[COOKIE_NAME]
    assert first != second
    assert [s.id_hash for s in _sessions(settings)] == [hash_id(second)]

    response = browser.post("/logout")
    assert response.status_code == 303
    assert _sessions(settings) == []
    # The old cookie, replayed, opens nothing.
    browser.set_cookie(COOKIE_NAME, second)
    assert browser.get("/staff/seasons", follow_redirects=False).status_code == 303


def test_a_session_id_the_server_did_not_issue_is_never_adopted(browser, staff_user, settings):
    planted = "attacker-chosen-session-id"
    browser.set_cookie(COOKIE_NAME, planted)
    page = browser.get("/login")
    assert any(
        c.startswith(f"{COOKIE_NAME}=;") for c in page.headers.get_list("set-cookie")
    )  # the unknown cookie is cleared
    browser.set_cookie(COOKIE_NAME, planted)
    browser.login(staff_user, STAFF_PASSWORD)
    assert browser.client.cookies[COOKIE_NAME] != planted
    assert hash_id(planted) not in {s.id_hash for s in _sessions(settings)}


def test_post_without_csrf_token_is_refused_and_writes_nothing(staff, settings):
    response = staff.client.post(
        "/staff/seasons/new",
        data={"code": "2025", "name": "x", "year": "2025"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    from awards.models import Season

    assert run_db(settings, lambda s: s.scalars(select(Season)), write=False).all() == []


def test_login_form_needs_csrf_token_too(client, staff_user):
    response = client.post("/login", data={"username": staff_user, "password": STAFF_PASSWORD})
    assert response.status_code == 403


def test_failed_logins_lock_the_account_in_the_database(browser, staff_user, settings):
    for _ in range(settings.login_max_failures):
        assert browser.login(staff_user, "not the password at all").status_code == 401
    response = browser.login(staff_user, STAFF_PASSWORD)
    assert response.status_code == 429
    assert "失败次数过多" in response.text
    rows = run_db(settings, lambda s: s.scalars(select(AttemptCounter)), write=False).all()
    assert {(r.scope, r.subject) for r in rows} == {
        ("login", "staff:editor"),
        ("login-account", "staff:editor"),
        ("login-address", ""),
    }
    # Another process (a second app on the same database) sees the same lock.
    with TestClient(create_app(settings), base_url="http://testserver.local") as other:
        assert Browser(other).login(staff_user, STAFF_PASSWORD).status_code == 429
    # When the window has passed, the right password works again and clears the account's count.
    passed = utcnow() - timedelta(minutes=settings.login_lock_minutes)
    run_db(settings, lambda s: s.execute(update(AttemptCounter).values(window_start=passed)))
    assert browser.login(staff_user, STAFF_PASSWORD).status_code == 303
    rows = run_db(settings, lambda s: s.scalars(select(AttemptCounter)), write=False).all()
    assert [(r.scope, r.count) for r in rows] == [("login-address", 0)]


def test_unknown_accounts_are_throttled_like_real_ones(browser, staff_user, settings):
    for _ in range(settings.login_max_failures):
        browser.login("ghost", "not the password at all")
    assert browser.login("ghost", "not the password at all").status_code == 429


@pytest.mark.parametrize(
    ("column", "age"),
    [("last_seen_at", timedelta(minutes=31)), ("created_at", timedelta(hours=12, minutes=1))],
)
def test_sessions_expire_when_idle_or_too_old(staff, settings, column, age):
    run_db(settings, lambda s: s.execute(update(WebSession).values({column: utcnow() - age})))
    response = staff.get("/staff/seasons", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login")


def test_password_is_rehashed_at_login_when_parameters_change(browser, staff_user, settings):
    old_hash = run_db(settings, lambda s: s.scalar(select(StaffUser.password_hash)), write=False)
    stronger = Settings(
        **{**settings.__dict__, "argon2": Argon2Params(time_cost=2, memory_kib=2048, parallelism=1)}
    )
    with TestClient(create_app(stronger), base_url="http://testserver.local") as client:
        assert Browser(client).login(staff_user, STAFF_PASSWORD).status_code == 303
    new_hash = run_db(settings, lambda s: s.scalar(select(StaffUser.password_hash)), write=False)
    assert new_hash != old_hash
    assert new_hash.startswith("$argon2id$")
    assert "m=2048,t=2,p=1" in new_hash


def test_logins_are_audited_without_secrets(browser, staff_user, settings):
    browser.login(staff_user, STAFF_PASSWORD)
    events = run_db(settings, lambda s: s.scalars(select(AuditEvent)), write=False).all()
    assert [e.action for e in events] == [Action.STAFF_CREATED, Action.STAFF_LOGGED_IN]
    raw = browser.client.cookies[COOKIE_NAME]
    for e in events:
        assert STAFF_PASSWORD not in e.changes
        assert raw not in e.changes


def test_security_headers(staff):
    response = staff.get("/staff/seasons")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert response.headers["cache-control"] == "no-store"


def test_next_parameter_cannot_send_the_browser_elsewhere(browser, staff_user):
    for target in ("//evil.example", "https://evil.example", "/\\evil.example"):
        response = browser.post(
            "/login", {"username": staff_user, "password": STAFF_PASSWORD, "next": target}
        )
        assert response.headers["location"] == "/staff"


def test_expired_sessions_are_purged_at_the_next_login(browser, staff_user, settings):
    browser.login(staff_user, STAFF_PASSWORD)
    run_db(
        settings,
        lambda s: s.execute(update(WebSession).values(last_seen_at=utcnow() - timedelta(hours=1))),
    )
    browser.client.cookies.clear()
    browser.login(staff_user, STAFF_PASSWORD)
    assert len(_sessions(settings)) == 1


def test_a_wrong_juror_login_names_the_e_mail_and_where_to_get_a_new_code(browser, settings):
    """Jurors log in with their e-mail, not a user name; one who has forgotten the password
    needs to know who can help (issue 11)."""
    election = build_election(settings, jurors=1)
    refused = juror_login(browser, election.emails[0], "not the password at all")
    assert refused.status_code == 401
    assert "邮箱或密码错误。如果忘记了密码，请联系协会工作人员重新发放激活码。" in refused.text
    assert "用户名" not in refused.text
    browser.get("/lang/en?next=/juror/login")
    refused = juror_login(browser, election.emails[0], "not the password at all")
    assert (
        "Wrong e-mail or password. If you have forgotten your password, ask the association's"
        " staff for a new activation code." in refused.text.replace("&#39;", "'")
    )
