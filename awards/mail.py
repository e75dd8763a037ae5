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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Protocol

import anyio.to_thread

from awards.accounts.activation import IssuedCode
from awards.i18n import N_, Message, local_time, speaking
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


class Window(Protocol):
    """A round's voting dates, as a letter names them (`awards.jury.codes.VotingWindow`)."""

    @property
    def round_name(self) -> str: ...
    @property
    def opens_at(self) -> datetime: ...
    @property
    def closes_at(self) -> datetime: ...


@dataclass(frozen=True)
class Letter:
    """What an e-mailed code says besides the code, as the printed letter does."""

    season: str
    windows: Sequence[Window]
    contact: str
    """Whom to ask (`AWARDS_CONTACT`); empty: nobody named."""
    zone: str


def _letter_text(item: IssuedCode, login_url: str, letter: Letter) -> str:
    """The letter's words in the current language (the printed letter's messages, so that the
    two never drift apart), times in the association's zone as people name it."""
    expires = local_time(item.expires_at, letter.zone)
    lines = [
        Message("Dear %(name)s,", name=item.juror.name),
        "",
        Message("You are invited to the jury. To vote online, activate your account:"),
        # The letter's numbered steps.
        f"1. {Message('Open %(url)s', url=login_url)}",
        f"2. {Message('Enter this activation code and choose a password:')}",
        f"       {item.code}",
        "3. "
        + str(
            Message(
                "Then log in with your e-mail address %(email)s and that password.",
                email=item.juror.email,
            )
        ),
        "",
        Message("The code works once and expires on %(date)s. Keep it private.", date=expires),
    ]
    if letter.windows:
        lines += ["", Message("Voting dates:")]
        lines += [
            Message(
                "%(round)s: from %(opens)s to %(closes)s",
                round=w.round_name,
                opens=local_time(w.opens_at, letter.zone),
                closes=local_time(w.closes_at, letter.zone),
            )
            for w in letter.windows
        ]
    if letter.contact:
        lines += [
            "",
            Message(
                "If you have any question about your account or the vote, please contact: "
                "%(contact)s",
                contact=letter.contact,
            ),
        ]
    awards = Message("TV Producers' Awards")
    lines += ["", f"{awards} · {letter.season}"]
    return "\n".join(map(str, lines)) + "\n"


def activation_message(
    item: IssuedCode, sender: str, login_url: str, letter: Letter
) -> EmailMessage:
    """The code's e-mail to its juror: the printed letter's text in Chinese, then in English."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = item.juror.email
    message["Subject"] = f"评委账号激活码 / Your juror activation code · {letter.season}"
    texts = []
    for locale in ("zh_CN", "en"):
        with speaking(locale):
            texts.append(_letter_text(item, login_url, letter))
    message.set_content("\n\n".join(texts))
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


async def send_codes(
    smtp: SmtpSettings, issued: list[IssuedCode], login_url: str, letter: Letter
) -> Delivery:
    """E-mail each code to its juror."""
    messages = [activation_message(item, smtp.sender, login_url, letter) for item in issued]
    accepted, problem = await send(smtp, messages)
    return Delivery([item for item, ok in zip(issued, accepted, strict=True) if not ok], problem)
