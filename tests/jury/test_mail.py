"""Issue 9: e-mail goes only to a mail server that proves who it is. STARTTLS checks the server's
certificate and its host name; a server that fails either, or offers no STARTTLS, receives
neither the SMTP password nor any message, and staff are told. Real SMTP (aiosmtpd serving
STARTTLS) with certificates made for each test by `openssl`."""

import email.policy
import shutil
import ssl
import subprocess
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from litestar.testing import TestClient
from sqlalchemy import update

from awards.app import create_app
from awards.models import Round
from tests.conftest import STAFF_PASSWORD
from tests.factories import Browser, build_election, run_db
from tests.server import free_port

SMTP_USER, SMTP_PASSWORD = "awards-mailer", "smtp password that must stay secret"


def certificate(directory: Path, name: str, subject_alt_name: str) -> tuple[Path, Path]:
    """A self-signed certificate (its own CA) and its key."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    openssl = shutil.which("openssl")
    assert openssl, "the mail tests make their certificates with openssl"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext",
            f"subjectAltName={subject_alt_name}", "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@dataclass
class FakeServer:
    """What a mail server (or an impostor) on 127.0.0.1 received."""

    logins: list[tuple[bytes, bytes]] = field(default_factory=list)
    messages: list[bytes] = field(default_factory=list)

    def authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        self.logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


def _serve(fake: FakeServer, cert: tuple[Path, Path] | None) -> tuple[Controller, int]:
    """An SMTP server that offers STARTTLS with `cert` (none: no STARTTLS) and takes AUTH even
    without TLS, as an impostor would: whatever the client sends, it gets."""
    tls = None
    if cert is not None:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(*cert)
    port = free_port()
    controller = Controller(
        fake,
        hostname="127.0.0.1",
        port=port,
        tls_context=tls,
        authenticator=fake.authenticate,
        auth_require_tls=False,
    )
    controller.start()
    return controller, port


def _issue_by_mail(settings, staff_user, port: int, window=None, **smtp):
    """`window`: (opens, closes), the round scheduled then; `smtp` may set other settings too."""
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    if window is not None:
        scheduled = {"state": "scheduled", "opens_at": window[0], "closes_at": window[1]}
        run_db(
            settings,
            lambda s: s.execute(
                update(Round).where(Round.id == election.round_id).values(**scheduled)
            ),
        )
    mailing = replace(
        settings,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_username=SMTP_USER,
        smtp_password=SMTP_PASSWORD,
        **smtp,
    )
    with TestClient(create_app(mailing), base_url="http://testserver.local") as client:
        staff = Browser(client)
        assert staff.login(staff_user, STAFF_PASSWORD).status_code == 303
        return staff.post(
            f"/staff/seasons/{election.season_id}/jurors/codes",
            {
                "juror_ids": [str(j) for j in election.juror_ids],
                "format": "email",
                "confirm": "yes",
            },
        )


def _alert(page: str) -> str:
    return page.split('role="alert">')[1].split("</p>")[0]


@pytest.mark.parametrize(
    ("san", "trusted", "why"),
    [
        ("DNS:mail.example.org", True, "证书无法验证"),  # trusted, but for another name
        ("IP:127.0.0.1", False, "证书无法验证"),  # the right name, but nobody vouches for it
    ],
)
def test_a_server_that_cannot_prove_its_name_gets_nothing(
    settings, staff_user, tmp_path, san, trusted, why
):
    """The defect: `starttls()` without a context checked nothing, so a server with a
    self-signed certificate for another name received the SMTP password and the codes."""
    cert = certificate(tmp_path, "impostor", san)
    fake = FakeServer()
    controller, port = _serve(fake, cert)
    try:
        ca_file = str(cert[0]) if trusted else ""
        page = _issue_by_mail(settings, staff_user, port, smtp_ca_file=ca_file)
    finally:
        controller.stop()
    assert (fake.logins, fake.messages) == ([], [])
    assert page.status_code == 200
    assert "已通过电子邮件发出" not in page.text
    assert "评委000" in _alert(page.text)
    assert "评委001" in _alert(page.text)
    assert why in page.text


def test_a_server_without_starttls_gets_no_password_and_no_message(settings, staff_user):
    fake = FakeServer()
    controller, port = _serve(fake, None)
    try:
        page = _issue_by_mail(settings, staff_user, port)
    finally:
        controller.stop()
    assert (fake.logins, fake.messages) == ([], [])
    assert "评委000" in _alert(page.text)
    assert "不提供加密连接（STARTTLS）" in page.text


def test_without_starttls_the_password_is_never_sent_in_clear(settings, staff_user):
    """`AWARDS_SMTP_STARTTLS=false` is for a relay that needs no login; with a user name set,
    nothing is sent rather than the password in clear."""
    fake = FakeServer()
    controller, port = _serve(fake, None)
    try:
        page = _issue_by_mail(settings, staff_user, port, smtp_starttls=False)
    finally:
        controller.stop()
    assert (fake.logins, fake.messages) == ([], [])
    assert "评委000" in _alert(page.text)
    assert "密码将以明文传输" in page.text


def test_the_ca_file_of_a_private_server_with_the_right_name_works(settings, staff_user, tmp_path):
    cert = certificate(tmp_path, "mail", "IP:127.0.0.1")
    fake = FakeServer()
    controller, port = _serve(fake, cert)
    try:
        page = _issue_by_mail(settings, staff_user, port, smtp_ca_file=str(cert[0]))
    finally:
        controller.stop()
    assert page.status_code == 200
    assert "已通过电子邮件发出 2 个激活码。" in page.text
    assert 'role="alert"' not in page.text
    assert fake.logins == [(SMTP_USER.encode(), SMTP_PASSWORD.encode())]
    assert len(fake.messages) == 2


def test_a_ca_file_that_cannot_be_read_sends_nothing(settings, staff_user, tmp_path):
    cert = certificate(tmp_path, "mail", "IP:127.0.0.1")
    fake = FakeServer()
    controller, port = _serve(fake, cert)
    try:
        missing = str(tmp_path / "no-such-ca.pem")
        page = _issue_by_mail(settings, staff_user, port, smtp_ca_file=missing)
    finally:
        controller.stop()
    assert (fake.logins, fake.messages) == ([], [])
    assert "无法读取邮件服务器的 CA 证书文件" in page.text


def test_an_emailed_code_says_what_the_printed_letter_says(settings, staff_user, tmp_path):
    """Issue 11 (letters and activation): the e-mail carried the code and a link only, with the
    expiry as a UTC date; it now names the voting dates, whom to ask and the activation page,
    says 您 throughout and gives times in 北京时间, as the letter does, in Chinese then English."""
    cert = certificate(tmp_path, "mail", "IP:127.0.0.1")
    fake = FakeServer()
    controller, port = _serve(fake, cert)
    window = (datetime(2031, 3, 1, 1, 0, tzinfo=UTC), datetime(2031, 3, 8, 10, 0, tzinfo=UTC))
    contact = "协会办公室 王老师 010-12345678"
    try:
        page = _issue_by_mail(
            settings, staff_user, port, window, smtp_ca_file=str(cert[0]), contact=contact
        )
    finally:
        controller.stop()
    assert "已通过电子邮件发出 2 个激活码。" in page.text
    text = email.message_from_bytes(fake.messages[0], policy=email.policy.default)
    body = text.get_content()
    zh, en = body.split("Dear ")
    assert "评委000 您好" in zh
    assert "你" not in body
    assert "http://testserver.local/juror/activate" in zh
    assert "2031-03-01 09:00 北京时间 至 2031-03-08 18:00 北京时间" in zh
    assert f"请联系：{contact}" in zh
    assert "北京时间 过期" in zh
    assert "Asia/Shanghai" not in body
    assert "from 2031-03-01 09:00 Beijing time to 2031-03-08 18:00 Beijing time" in en
    assert contact in en
