"""Sending activation codes by e-mail, where `AWARDS_SMTP_HOST` is set (stdlib smtplib, run in a
worker thread). The message goes to the juror alone; the code is in it and nowhere else: not in
a log line, an audit event or the page staff see afterwards."""

import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

import anyio.to_thread

from awards.activation import IssuedCode

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int = 587
    username: str = ""
    password: str = ""
    sender: str = "awards@localhost"
    starttls: bool = True


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


def _send(smtp: SmtpSettings, messages: list[EmailMessage]) -> list[bool]:
    """Which messages the server accepted. A refused recipient fails its own message only; a
    server that cannot be reached, or drops the connection, fails every message not yet sent."""
    accepted = [False] * len(messages)
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=30) as client:
            if smtp.starttls:
                client.starttls()
            if smtp.username:
                client.login(smtp.username, smtp.password)
            for index, message in enumerate(messages):
                try:
                    client.send_message(message)
                except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError):
                    continue
                accepted[index] = True
    except (OSError, smtplib.SMTPException) as exc:
        # The reason only: the exception never carries a message body, so never a code.
        logger.warning("mail server %s:%s failed: %s", smtp.host, smtp.port, type(exc).__name__)
    return accepted


async def send_codes(
    smtp: SmtpSettings, issued: list[IssuedCode], login_url: str
) -> list[IssuedCode]:
    """E-mail each code to its juror; the codes whose e-mail the server did not accept."""
    messages = [activation_message(item, smtp.sender, login_url) for item in issued]
    accepted = await anyio.to_thread.run_sync(_send, smtp, messages)
    return [item for item, ok in zip(issued, accepted, strict=True) if not ok]
