"""Independent review of issue 9 (login limits, activation, staff roles and accounts, second
factor, host names, schedule times): each test reproduces one defect found by attacking the
merged code. They fail on the reviewed merge (3fbd4bb) and should pass once it is fixed."""

import asyncio
import re

import httpx
from sqlalchemy import func, select

from awards.accounts import throttle
from awards.database import Database
from awards.models import StaffRecoveryCode
from awards.models.base import utcnow
from tests.accounts.test_second_factor import enrol, next_code
from tests.conftest import STAFF_PASSWORD
from tests.factories import JUROR_PASSWORD, build_election, juror_login, run_db
from tests.server import Server


def _recovery_codes_left(settings) -> int:
    return run_db(
        settings,
        lambda s: s.scalar(
            select(func.count())
            .select_from(StaffRecoveryCode)
            .where(StaffRecoveryCode.used_at.is_(None))
        ),
        write=False,
    )


# 1. Links: the staff one-time code page -----------------------------------------------------


def test_the_staff_code_page_links_to_the_base_url_not_to_the_host_header(staff):
    """README: "every link sent to people ... is built from AWARDS_BASE_URL, never from the
    request's Host header". The one-time code page of a new staff account (a letter that the
    administrator hands over, 'Open <url>') takes the link from the request instead: the port
    is not compared by the host check, so `Host: testserver.local:8666` puts
    http://testserver.local:8666/activate on the letter (behind a TLS proxy, the scheme too)."""
    page = staff.post(
        "/staff/accounts/",
        {"username": "wang.fang", "display_name": "王芳", "role": "auditor"},
        headers={"host": "testserver.local:8666"},
    )
    assert page.status_code == 200, page.text
    links = re.findall(r"https?://[^\s<\"]+/activate", page.text)
    assert links == ["http://testserver.local/activate"], links


# 2. Recovery codes: the renewal form burns one ----------------------------------------------


def test_a_recovery_code_typed_into_the_renewal_form_is_refused_and_not_used_up(staff, settings):
    """The renewal form asks for a code from the authenticator and refuses a recovery code
    (422), but `check_code` has already marked the recovery code used and the refusal commits:
    each such attempt silently burns one of the ten codes."""
    _secret, codes = enrol(staff)
    assert _recovery_codes_left(settings) == 10
    refused = staff.post("/staff/second-factor/recovery-codes", {"code": codes[0]})
    assert refused.status_code == 422
    assert _recovery_codes_left(settings) == 10, "the refused request used a recovery code up"


# 3. Per-address limits: X-Forwarded-For is believed from any loopback client ----------------


async def _guesses_with_forged_addresses(base_url: str, username: str, n: int) -> list[int]:
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        await client.get("/login")
        token = client.cookies["csrftoken"]
        statuses = []
        for i in range(n):
            answer = await client.post(
                "/login",
                data={"username": username, "password": f"guess {i}", "_csrf_token": token},
                headers={"x-forwarded-for": f"203.0.113.{i + 1}"},
            )
            statuses.append(answer.status_code)
        return statuses


def test_a_forged_x_forwarded_for_does_not_escape_the_per_address_limit(
    settings, staff_user, tmp_path
):
    """Served as the README says (`uvicorn awards.app:create_app --factory`, or `awards
    serve`), uvicorn's defaults apply: proxy headers on, trusted from 127.0.0.1. A client on
    the same machine, or any client behind a local proxy that passes X-Forwarded-For on (nginx
    does unless told otherwise), picks its own address per request: the five-per-address
    limit never triggers, and only the account-wide 50 is left. Nothing in the app or in
    `awards serve` says which proxies to believe."""
    with Server(settings, tmp_path) as server:
        statuses = asyncio.run(_guesses_with_forged_addresses(server.url, staff_user, 8))
    limit = settings.login_max_failures
    assert statuses == [401] * limit + [429] * (8 - limit), statuses


# 4. Per-address limits: one IPv6 host is 2**64 addresses -------------------------------------


def test_addresses_in_one_ipv6_subnet_share_the_per_address_limit(settings):
    """The per-address counters key on the address exactly as the socket reports it. A host
    on IPv6 is normally given a whole /64 (SLAAC privacy addresses rotate within it; any
    subscriber can bind 2**64 of them), so one attacker gets a fresh "address" for every
    guess: `login` (5 per account and address), `login-address` (200 over all accounts) and
    `activation` (30) never trigger. An IPv6 client should count by its /64 (and an
    IPv4-mapped `::ffff:a.b.c.d` as a.b.c.d)."""

    async def guesses() -> list[bool]:
        db = Database.from_settings(settings)
        now, span = utcnow(), throttle.window(settings)
        try:
            refused = []
            for i in range(settings.login_max_failures + 3):
                limits = throttle.login_limits(settings, "staff", "editor", f"2001:db8:1:2::{i:x}")
                refused.append(await db.write(throttle.count, limits, now, span) is not None)
            return refused
        finally:
            await db.dispose()

    refused = asyncio.run(guesses())
    assert refused[settings.login_max_failures :] == [True] * 3, refused


# 5. The juror's password change checks the current password without counting ----------------


def test_guesses_at_the_current_password_on_the_change_form_are_counted(browser, settings):
    """Every login attempt is counted before its password is checked, but the juror's own
    password form (`/juror/password`) verifies "current" with argon2 as often as it is sent:
    whoever has a juror's session (a shared office computer left logged in) guesses the
    password without any limit, and once found, sets a new one (ending the juror's other
    sessions). The same counted limits should apply here."""
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    assert juror_login(browser, election.emails[0]).status_code == 303
    statuses = [
        browser.post(
            "/juror/password",
            {
                "current": f"guess number {i}",
                "password": "a brand new juror password",
                "password_repeat": "a brand new juror password",
            },
        ).status_code
        for i in range(settings.login_max_failures + 2)
    ]
    assert 429 in statuses, statuses


# 6. Schedule times near the end of the calendar --------------------------------------------


def test_a_schedule_at_the_end_of_the_calendar_is_refused_not_a_server_error(staff, settings):
    """`typed_time` accepts any instant Python can hold in UTC, and the round page shows it
    in Asia/Shanghai (UTC+8): 9999-12-31T20:00Z is stored, then every page that shows the
    round (the round itself, the public list once it opens) answers 500 with an
    OverflowError in `local_time`."""
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    answer = staff.post(
        f"/staff/rounds/{election.round_id}/schedule",
        {"opens_at": "9999-12-31T19:00Z", "closes_at": "9999-12-31T20:00Z", "confirm": "yes"},
    )
    assert answer.status_code in (303, 422), answer.text
    page = staff.get(f"/staff/rounds/{election.round_id}")
    assert page.status_code == 200, page.status_code


# 7. "Can lock it only for their own address": not with eleven addresses --------------------


async def _login(client: httpx.AsyncClient, email: str, password: str) -> int:
    await client.get("/juror/login")
    form = {"username": email, "password": password, "_csrf_token": client.cookies["csrftoken"]}
    return (await client.post("/juror/login", data=form)).status_code


async def _wrong_then_right(base_url: str, email: str, right: str) -> tuple[list[int], int, int]:
    """The juror logs in on their own phone; then eleven addresses guess five times each
    (55 > 50); then the juror logs in again on the phone, and from a browser never used."""
    phone = httpx.AsyncClient(
        base_url=base_url, transport=httpx.AsyncHTTPTransport(local_address="127.0.0.99")
    )
    async with phone:
        assert await _login(phone, email, right) == 303
        statuses = []
        for n in range(2, 13):
            transport = httpx.AsyncHTTPTransport(local_address=f"127.0.0.{n}")
            async with httpx.AsyncClient(base_url=base_url, transport=transport) as client:
                for i in range(5):
                    statuses.append(await _login(client, email, f"guess {i}"))
        own = await _login(phone, email, right)
    transport = httpx.AsyncHTTPTransport(local_address="127.0.0.98")
    async with httpx.AsyncClient(base_url=base_url, transport=transport) as new_browser:
        fresh = await _login(new_browser, email, right)
    return statuses, own, fresh


def test_guesses_from_a_handful_of_addresses_do_not_lock_the_juror_out_everywhere(
    settings, tmp_path
):
    """README ("Sessions and logins"): limits per account and address "so someone who knows a
    juror's e-mail can lock it only for their own address, not for the juror". The account-wide
    limit (50 from everywhere) refused the juror's own right password once eleven addresses had
    made five guesses each. Now the browser the juror logged in with before carries a device
    cookie and is counted on its own; only a browser never used before meets the account-wide
    lock (until the window ends or staff unlock the account)."""
    election = build_election(settings, jurors=1, methods=("approval",))
    with Server(settings, tmp_path) as server:
        guesses, own, fresh = asyncio.run(
            _wrong_then_right(server.url, election.emails[0], JUROR_PASSWORD)
        )
    assert guesses.count(401) == 50, guesses  # the guesses were counted and bounded
    assert own == 303, "the juror's own right password, from their own phone, was refused"
    assert fresh == 429


# 8. Setting up a second factor leaves the password-only sessions open -----------------------


def test_setting_up_the_authenticator_ends_the_accounts_other_sessions(
    staff, second_browser, settings
):
    """A staff member who sets up two-step login does so because a password alone is not
    enough; but every session that was opened with the password alone (someone who phished
    it, a browser left logged in elsewhere) stays open for up to 12 hours. A password reset
    and a reset of the authenticator end the account's sessions; enrolment, the change that
    raises what a session needs, should too (keeping the one that enrolled)."""
    assert second_browser.login("editor", STAFF_PASSWORD).status_code == 303
    assert second_browser.get("/staff/seasons").status_code == 200
    enrol(staff)
    assert staff.get("/staff/seasons").status_code == 200  # the one that enrolled goes on
    after = second_browser.get("/staff/seasons", follow_redirects=False)
    assert after.status_code in (303, 401), "the password-only session is still open"


# 9. A repeated `next` field answers 500 -------------------------------------------------------


def test_a_login_form_with_next_twice_is_no_server_error(browser, staff_user):
    """Form fields that occur twice arrive as a list (the codes form relies on it), and
    `safe_next` calls `.startswith` on whatever it gets: a staff login with `next` twice,
    right password or wrong, answers 500 (AttributeError), and so does the juror login."""
    token = browser.csrf()
    form = [
        ("_csrf_token", token),
        ("username", staff_user),
        ("password", "wrong password"),
        ("next", "/staff"),
        ("next", "/staff/seasons"),
    ]
    body = "&".join(f"{k}={v}" for k, v in form)
    answer = browser.client.post(
        "/login",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert answer.status_code < 500, answer.status_code


# 10. A NUL byte in the user name -------------------------------------------------------------


def test_a_nul_in_the_user_name_is_a_failed_login_not_a_server_error(browser, staff_user):
    """The typed name goes unchecked into the attempt counter's key and into the account
    lookup; PostgreSQL refuses a string with a NUL byte (psycopg raises DataError), which no
    handler maps: the login, the juror login and the activation forms answer 500 there."""
    for path in ("/login", "/juror/login"):
        answer = browser.post(path, {"username": "editor\x00", "password": "wrong password"})
        assert answer.status_code in (400, 401, 422), (path, answer.status_code)


# 11. One pending login, two second factors at once -------------------------------------------


def test_one_pending_login_starts_one_session_however_many_codes_race(staff, settings, tmp_path):
    """The code page checked the pending login in a reading transaction only: two requests
    with one pending cookie, one carrying a code from the app and one a recovery code, both
    passed and both started a session. Ending the pending login is now the one DELETE ...
    RETURNING that decides."""
    secret, codes = enrol(staff)

    async def race(base_url: str) -> list[int]:
        async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
            await client.get("/login")
            token = client.cookies["csrftoken"]
            form = {"username": "editor", "password": STAFF_PASSWORD, "_csrf_token": token}
            assert (await client.post("/login", data=form)).status_code == 303
            answers = await asyncio.gather(
                *(
                    client.post("/login/code", data={"code": code, "_csrf_token": token})
                    for code in [next_code(secret), *codes[:5]]
                )
            )
            return [answer.status_code for answer in answers]

    with Server(settings, tmp_path) as server:
        statuses = asyncio.run(race(server.url))
    assert statuses.count(303) == 1, statuses
