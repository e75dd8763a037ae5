"""Staff roles (issue 9): administrators and election staff change the election, auditors only
read (and download full records), only administrators manage staff accounts. The guards are
walked over every route the app has, so a route added later is covered too."""

import re

import pytest
from sqlalchemy import func, select

from awards.app import create_app
from awards.models import AuditEvent, StaffUser
from awards.models.staff import ADMIN, AUDITOR, ELECTION_STAFF
from awards.settings import Settings
from awards.web import requires_staff, requires_staff_admin, requires_staff_login
from tests.conftest import STAFF_PASSWORD
from tests.factories import build_election, create_staff_user, run_cli, run_db

# A staff member's own authenticator: every role sets up its own.
OWN_ACCOUNT = {
    "/staff/second-factor/start",
    "/staff/second-factor/confirm",
    "/staff/second-factor/recovery-codes",
}


def _staff_routes(method: str) -> list[tuple[str, list]]:
    app = create_app(Settings(base_url="http://testserver.local"))
    found = []
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if method in handler.http_methods and route.path.startswith("/staff"):
                found.append((route.path, handler.resolve_guards()))
    assert len(found) > 10  # the walk found the routes
    return sorted(found, key=lambda item: item[0])


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}:]+:int\}", "1", re.sub(r"\{[^}:]+:str\}", "x", path))


def _events(settings) -> int:
    return run_db(settings, lambda s: s.scalar(select(func.count(AuditEvent.seq))), write=False)


def test_every_staff_route_has_one_staff_guard():
    for path, guards in _staff_routes("GET") + _staff_routes("POST"):
        staff_guards = [
            g for g in guards if g in (requires_staff, requires_staff_admin, requires_staff_login)
        ]
        assert len(staff_guards) == 1, path
        if path not in OWN_ACCOUNT and not path.startswith("/staff/second-factor"):
            assert staff_guards[0] is not requires_staff_login, path


@pytest.mark.parametrize(
    ("role", "refused"),
    [(AUDITOR, "every"), (ELECTION_STAFF, "accounts")],
)
def test_staff_post_routes_refuse_the_roles_that_may_not_change_them(
    browser, settings, role, refused
):
    create_staff_user(settings, "boss", STAFF_PASSWORD)  # an administrator to manage
    create_staff_user(settings, "someone", STAFF_PASSWORD, role=role)
    build_election(settings, jurors=1, methods=("approval",))  # ids 1 exist: nothing is a 404
    assert browser.login("someone", STAFF_PASSWORD).status_code == 303
    before = _events(settings)
    walked = 0
    for path, _guards in _staff_routes("POST"):
        if path in OWN_ACCOUNT or (refused == "accounts" and "/staff/accounts" not in path):
            continue
        response = browser.post(_concrete(path), {"role": ADMIN, "active": "0"})
        assert response.status_code == 403, path
        walked += 1
    assert walked >= (20 if refused == "every" else 3)
    assert _events(settings) == before  # nothing written
    roles = run_db(settings, lambda s: s.scalars(select(StaffUser.role)), write=False).all()
    assert sorted(roles) == sorted([ADMIN, role])


def test_an_auditor_is_told_why_in_their_language(browser, settings):
    create_staff_user(settings, "reader", STAFF_PASSWORD, role=AUDITOR)
    browser.login("reader", STAFF_PASSWORD)
    response = browser.post("/staff/seasons/new", {"code": "2030", "name": "x", "year": "2030"})
    assert response.status_code == 403
    assert "你的角色只能查看这些页面" in response.text
    browser.client.cookies.set("lang", "en", domain="testserver.local")
    response = browser.post("/staff/seasons/new", {"code": "2030", "name": "x", "year": "2030"})
    assert "Your role lets you read these pages, not change them." in response.text


def test_an_auditor_sees_every_staff_page_without_buttons_that_change_anything(browser, settings):
    election = build_election(settings, jurors=1, methods=("approval",))
    create_staff_user(settings, "reader", STAFF_PASSWORD, role=AUDITOR)
    browser.login("reader", STAFF_PASSWORD)
    season, round_ = election.season_id, election.round_id
    category = election.categories["approval"]
    pages = [
        "/staff/seasons",
        f"/staff/seasons/{season}/edit",
        f"/staff/seasons/{season}/categories",
        f"/staff/categories/{category}/edit",
        f"/staff/categories/{category}/nominees",
        f"/staff/seasons/{season}/dramas",
        f"/staff/seasons/{season}/jury",
        f"/staff/seasons/{season}/jurors/{election.juror_ids[0]}",
        f"/staff/seasons/{season}/rounds",
        f"/staff/rounds/{round_}",
        f"/staff/rounds/{round_}/turnout",
        "/staff/audit/",
        "/staff/accounts/",
    ]
    for page in pages:
        response = browser.get(page)
        assert response.status_code == 200, page
        actions = re.findall(r'<form method="post" action="([^"]+)"', response.text)
        assert actions == ["/logout"], (page, actions)


def test_cli_creates_accounts_with_a_role(settings, tmp_path):
    made = run_cli(
        settings, tmp_path, "staff", "create", "first", "--password-stdin", stdin=STAFF_PASSWORD
    )
    assert made.returncode == 0, made.stderr
    made = run_cli(
        settings,
        tmp_path,
        *("staff", "create", "checker", "--role", "auditor", "--password-stdin"),
        stdin=STAFF_PASSWORD,
    )
    assert made.returncode == 0, made.stderr
    wrong = run_cli(settings, tmp_path, "staff", "create", "x", "--role", "boss")
    assert wrong.returncode != 0
    roles = run_db(
        settings,
        lambda s: s.execute(select(StaffUser.username, StaffUser.role).order_by(StaffUser.id)),
        write=False,
    ).all()
    assert [tuple(r) for r in roles] == [("first", ADMIN), ("checker", AUDITOR)]
