"""Sending activation codes (and reminders to vote, `awards.voting.reminders`) by e-mail, where
`AWARDS_SMTP_HOST` is set (stdlib smtplib, run in a worker thread). The message goes to the
juror alone; a code is in it and nowhere else: not in a log line, an audit event or the page
staff see afterwards.

The connection is encrypted with STARTTLS and the server must prove its name: its certificate
is checked against the system's trusted authorities (or `AWARDS_SMTP_CA_FILE` alone, for a
private server) and against `AWARDS_SMTP_HOST`. A server that fails, or offers no STARTTLS, gets
neither the SMTP password nor a message: a code sent to an impostor is a juror's vote given away.
Without STARTTLS (a relay on the same machine) no password is ever sent."""

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

import anyio.to_thread

from awards.accounts.activation import IssuedCode
from awards.i18n import N_
from awards.settings import Settings

logger = logging.getLogger(__name__)

UNVERIFIED = N_(
    "The mail server could not prove its name (its certificate could not be verified): "
    "nothing was sent to it."
)
NO_STARTTLS = N_("The mail server offers no encrypted connection (STARTTLS): nothing was sent.")
CLEAR_PASSWORD = N_(
    "A mail server login is set without STARTTLS; the password would travel unencrypted, so "
    "nothing was sent."
)
BAD_CA_FILE = N_(
    "The mail server's CA file (AWARDS_SMTP_CA_FILE) cannot be read: nothing was sent."
)
UNREACHABLE = N_("The mail server could not be reached, or it broke off the connection.")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "awards@localhost"
    starttls: bool = True
    ca_file: str = ""
    """A PEM file of the authorities that vouch for the server; empty: the system's."""

    @classmethod
    def of(cls, settings: Settings) -> "SmtpSettings":
        return cls(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_sender,
            settings.smtp_starttls,
            settings.smtp_ca_file,
        )


@dataclass(frozen=True)
class Delivery:
    unsent: list[IssuedCode]
    """The codes whose e-mail the server did not accept."""
    problem: str | None = None
    """Why nothing could be sent at all (a message id), if that was the case."""


def activation_message(item: IssuedCode, sender: str, login_url: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.juror.email
    message["Subject"] = "评委账号激活码 / Your juror activation code"
    message.set_content(
        f"{item.juror.name} 您好：\n\n"
        f"诚邀您担任评委。请打开 {login_url}，输入下面的激活码并设置密码：\n\n"
        f"    {item.code}\n\n"
        f"激活码只能使用一次，{item.expires_at.date().isoformat()} 过期。请勿转告他人。\n\n"
        f"Dear {item.juror.name}, open {login_url}, enter the code above and choose a password. "
        f"The code works once and expires on {item.expires_at.date().isoformat()}.\n"
    )
    return message


def _send(smtp: SmtpSettings, messages: list[EmailMessage]) -> tuple[list[bool], str | None]:
    """Which messages the server accepted, and why none could be sent, if so. A refused
    recipient fails its own message only; a server that cannot be reached or verified, or drops
    the connection, fails every message not yet sent."""
    accepted = [False] * len(messages)
    if smtp.username and not smtp.starttls:
        logger.warning("mail not sent: an SMTP login without STARTTLS would send it in clear")
        return accepted, CLEAR_PASSWORD
    try:
        tls = ssl.create_default_context(cafile=smtp.ca_file or None) if smtp.starttls else None
    except (OSError, ssl.SSLError) as exc:
        logger.warning("mail not sent: AWARDS_SMTP_CA_FILE: %s", type(exc).__name__)
        return accepted, BAD_CA_FILE
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
            if tls is not None:
                try:
                    client.starttls(context=tls)  # checks the certificate and the host name
                except smtplib.SMTPNotSupportedError:
                    logger.warning("mail server %s:%s offers no STARTTLS", smtp.host, smtp.port)
                    return accepted, NO_STARTTLS
            if smtp.username:
                client.login(smtp.username, smtp.password)
            for index, message in enumerate(messages):
                try:
                    client.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                    continue
                accepted[index] = True
    except ssl.SSLCertVerificationError as exc:
        logger.warning("mail server %s:%s not verified: %s", smtp.host, smtp.port, exc.reason)
        return accepted, UNVERIFIED
    except (OSError, smtplib.SMTPException) as exc:
        # The reason only: the exception never carries a message body, so never a code.
        logger.warning("mail server %s:%s failed: %s", smtp.host, smtp.port, type(exc).__name__)
        return accepted, UNREACHABLE
    return accepted, None


async def send(smtp: SmtpSettings, messages: list[EmailMessage]) -> tuple[list[bool], str | None]:
    """Which messages the server accepted, and why none could be sent, if so (`_send`, in a
    worker thread)."""
    return await anyio.to_thread.run_sync(_send, smtp, messages)


async def send_codes(smtp: SmtpSettings, issued: list[IssuedCode], login_url: str) -> Delivery:
    """E-mail each code to its juror."""
    messages = [activation_message(item, smtp.sender, login_url) for item in issued]
    accepted, problem = await send(smtp, messages)
    return Delivery([item for item, ok in zip(issued, accepted, strict=True) if not ok], problem)
