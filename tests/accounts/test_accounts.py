"""Accounts: one password rule for staff and jurors (NFKC-normalised), activation codes looked up
before any password is hashed, and sessions that an active person never loses to the idle
timeout."""

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from litestar.testing import TestClient

from awards.accounts import password_rules, sessions
from awards.accounts.passwords import Passwords
from awards.app import create_app
from awards.database import Database
from awards.models.base import utcnow
from tests.factories import Browser, build_election, issue_code, juror_login, run_cli

FULL_WIDTH_DIGITS = "１２３４５６７８９０１２"


@pytest.mark.parametrize("password", ["password1234", "123456789012", FULL_WIDTH_DIGITS])
def test_staff_passwords_follow_the_one_rule(settings, tmp_path, password):
    done = run_cli(
        settings, tmp_path, "staff", "create", "chen", "--password-stdin", stdin=password + "\n"
    )
    assert done.returncode == 2, done.stdout
    assert "太常见" in done.stderr


def _activate(browser: Browser, code: str, password: str) -> object:
    return browser.post(
        "/juror/activate", {"code": code, "password": password, "password_repeat": password}
    )


def test_a_full_width_common_password_is_refused_to_jurors(browser, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    code = issue_code(settings, election.juror_ids[0])
    response = _activate(browser, code, FULL_WIDTH_DIGITS)
    assert response.status_code == 422
    assert "这个密码太常见" in response.text


def test_passwords_are_normalised_so_either_width_logs_in(browser, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    code = issue_code(settings, election.juror_ids[0])
    assert _activate(browser, code, "Ｍｙ Ｆａｖｏｕｒｉｔｅ Ｓｈｏｗ").status_code == 303
    assert juror_login(browser, election.emails[0], "My Favourite Show").status_code == 303


def test_made_up_activation_codes_cost_no_password_hash(settings):
    hashed: list[str] = []

    class Counting(Passwords):
        async def hash(self, password: str) -> str:
            hashed.append(password)
            return await super().hash(password)

    app = create_app(settings)
    with TestClient(app, base_url="http://testserver.local") as client:
        app.state.services = replace(app.state.services, passwords=Counting(settings.argon2, 2))
        response = _activate(Browser(client), "AAAA-BBBB-CCCC-DDDD", "a fine new password")
    assert response.status_code == 422
    assert "激活码无效或已过期" in response.text
    assert hashed == []


def test_an_active_session_outlives_the_idle_timeout(settings):
    """Requests every 20 s with a one-minute idle timeout: still logged in after five minutes."""
    settings = replace(settings, session_idle_minutes=1)
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)

    async def browse() -> list[bool]:
        db = Database.from_settings(settings)
        start = utcnow()
        try:
            async with db.transaction() as session:
                raw = await sessions.start(session, "juror", election.juror_ids[0], start)
            alive = []
            for step in range(1, 16):
                now = start + timedelta(seconds=20 * step)
                principal, stale = await db.read(sessions.resolve, raw, now, settings)
                alive.append(principal is not None)
                if stale and principal is not None:
                    await db.write(sessions.touch, principal.session_hash, now)
            idle = start + timedelta(seconds=20 * 15 + 61 + 6)
            principal, _ = await db.read(sessions.resolve, raw, idle, settings)
            alive.append(principal is None)  # a minute (and a little) without requests ends it
            return alive
        finally:
            await db.dispose()

    assert all(asyncio.run(browse()))


def test_anonymous_visitors_to_juror_pages_go_to_the_juror_login(client):
    for path in ("/juror", "/juror/password", "/juror/affiliations"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == f"/juror/login?next={path}"


def test_an_account_waiting_for_its_password_costs_a_hash_like_any_other(settings):
    """A staff account made by an administrator has no password until its owner uses the
    one-time code (the marker "!"); checking a password against it ran no argon2 at all, so
    its answer came faster and told that the account exists."""
    checked: list[str] = []

    class Counting(Passwords):
        def _matches(self, stored: str, password: str) -> bool:
            checked.append(stored)
            return super()._matches(stored, password)

    passwords = Counting(settings.argon2, 1)
    assert not asyncio.run(passwords.verify("!", "a guess at the password"))
    [hashed] = checked
    assert hashed.startswith("$argon2id$")


@pytest.mark.parametrize("page", ["/juror/activate", "/activate"])
def test_the_activation_pages_state_the_one_rule(client, page):
    """The forms are given the rule's numbers (`password_rules`), not a copy of them."""
    client.cookies.set("lang", "en")
    html = client.get(page).text
    low, high = password_rules.MIN_LENGTH, password_rules.MAX_LENGTH
    assert f'minlength="{low}" maxlength="{high}"' in html
    assert f"a password of {low} to {high} characters" in html
    client.cookies.set("lang", "zh_CN")
    html = client.get(page).text
    assert f"{low} 到 {high} 个字符" in html
