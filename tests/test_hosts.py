"""Issue 9: links point to the configured public address (`AWARDS_BASE_URL`), never to the
Host header a request carries, and requests for any other host name are refused."""

import asyncio
import csv
import html
import io
from dataclasses import replace
from email import message_from_bytes

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import func, select

from awards import hosts
from awards.app import create_app
from awards.models import ActivationCode
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, run_cli, run_db
from tests.server import free_port

REFUSED = "这不是本系统的地址，请改为打开 http://testserver.local。"
ENGLISH = "This is not this service's address: open http://testserver.local instead."


def _codes_stored(settings) -> int:
    return run_db(
        settings,
        lambda s: s.scalar(select(func.count()).select_from(ActivationCode)),
        write=False,
    )


def _issue(staff: Browser, election, form: str, **kw):
    return staff.post(
        f"/staff/seasons/{election.season_id}/jurors/codes",
        {"juror_ids": [str(j) for j in election.juror_ids], "format": form, "confirm": "yes"},
        **kw,
    )


@pytest.mark.parametrize("form", ["letters", "csv"])
def test_a_request_for_another_host_is_refused_and_issues_nothing(staff, settings, form):
    """The defect: with `Host: evil.example` the letters and the CSV sent jurors to
    http://evil.example/juror/activate."""
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    answer = _issue(staff, election, form, headers={"host": "evil.example"})
    assert answer.status_code == 400
    assert REFUSED in answer.text
    assert "evil.example" not in answer.text
    assert _codes_stored(settings) == 0
    assert _issue(staff, election, form).status_code < 300


@pytest.mark.parametrize(
    ("host", "status"),
    [
        ("testserver.local", 200),
        ("TestServer.Local", 200),
        ("testserver.local:8443", 200),
        ("testserver.local.", 200),
        ("alias.example", 200),
        ("evil.example", 400),
        ("testserver.local.evil.example", 400),
        ("evil.testserver.local", 400),
        ("testserver.local@evil.example", 400),
        ("[::1]", 400),
        ("", 400),
    ],
)
def test_only_the_base_urls_host_and_the_extra_names_are_served(settings, host, status):
    extra = replace(settings, allowed_hosts=("alias.example",))
    with TestClient(create_app(extra), base_url="http://testserver.local") as client:
        answer = client.get("/login", headers={"host": host})
    assert answer.status_code == status
    if status == 400:
        assert REFUSED in answer.text


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("Awards.Example.org:8443", "awards.example.org"),
        ("awards.example.org.", "awards.example.org"),
        ("[::1]:8000", "::1"),
        ("127.0.0.1", "127.0.0.1"),
        ("awards.example.org:80:80", None),
        ("awards.example.org:http", None),
        ("user@awards.example.org", None),
        ("awards.example.org/x", None),
        ("", None),
    ],
)
def test_the_name_in_a_host_header(header, name):
    assert hosts.host_name(header) == name


def test_the_refusal_speaks_the_visitors_language_and_json_under_the_api(client):
    client.cookies.set("lang", "en", domain="testserver.local")
    page = client.get("/rounds/", headers={"host": "evil.example"})
    assert page.status_code == 400
    assert ENGLISH in html.unescape(page.text)
    api = client.get("/api/rounds/1/status", headers={"host": "evil.example"})
    assert api.status_code == 400
    assert api.json() == {"error": ENGLISH}
    static = client.get("/static/app.css", headers={"host": "evil.example"})
    assert static.status_code == 400


def test_letters_csv_and_mail_link_to_the_base_url(settings, staff_user):
    """Whatever allowed name the staff member used, jurors get the public address."""
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.content)
            return "250 OK"

    port = free_port()
    public = replace(
        settings,
        base_url="https://awards.example.org/",
        allowed_hosts=("testserver.local",),
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_starttls=False,
    )
    link = "https://awards.example.org/juror/activate"
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    try:
        with TestClient(create_app(public), base_url="http://testserver.local") as client:
            staff = Browser(client)
            assert staff.login(staff_user, STAFF_PASSWORD).status_code == 303
            letters = _issue(staff, election, "letters")
            codes = _issue(staff, election, "csv")
            mailed = _issue(staff, election, "email")
    finally:
        sink.stop()
    assert (letters.status_code, codes.status_code, mailed.status_code) == (200, 201, 200)
    assert link in letters.text
    assert "testserver.local" not in letters.text
    [row] = list(csv.DictReader(io.StringIO(codes.content.decode("utf-8-sig"))))
    assert row["激活地址"] == link
    [message] = [message_from_bytes(m) for m in received]
    body = message.get_payload(decode=True).decode()
    assert link in body
    assert "testserver.local" not in body


@pytest.mark.parametrize(
    "base_url",
    ["", "awards.example.org", "ftp://awards.example.org", "https://", "https://a.example/?x=1"],
)
def test_the_app_does_not_start_without_a_usable_base_url(settings, base_url):
    with pytest.raises(ValueError, match="AWARDS_BASE_URL"):
        create_app(replace(settings, base_url=base_url))


def test_awards_serve_needs_a_base_url_off_loopback(settings, tmp_path):
    result = run_cli(settings, tmp_path, "serve", "--host", "0.0.0.0", "--no-demo")  # noqa: S104
    assert result.returncode == 2
    assert "AWARDS_BASE_URL" in result.stderr


def test_awards_serve_on_loopback_serves_its_own_address_only(settings, tmp_path):
    """`awards serve` on 127.0.0.1 sets the base URL to http://127.0.0.1:PORT."""
    import subprocess
    import sys

    port = free_port()
    env = {
        "AWARDS_DATABASE_URL": settings.database_url,
        "AWARDS_VAR_DIR": str(tmp_path),
        "AWARDS_RECORDS_DIR": str(settings.records_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "awards", "serve", "--port", str(port), "--no-demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    async def ask() -> tuple[int, int]:
        async with httpx.AsyncClient(base_url=url, timeout=5) as http:
            for _attempt in range(300):
                try:
                    own = await http.get("/login")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise AssertionError("awards serve did not start")
            other = await http.get("/login", headers={"host": "evil.example"})
            return own.status_code, other.status_code

    try:
        assert asyncio.run(ask()) == (200, 400)
    finally:
        process.terminate()
        process.wait(timeout=30)
