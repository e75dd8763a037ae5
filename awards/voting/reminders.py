"""Reminders to vote: an e-mail to each juror of an open round who has activated the account and
not voted yet (a juror who never activated needs a new code, not a reminder). The e-mail names
the round, its closing time and the login page; never a ballot, a tracker or a password. The
jurors reminded, and those the mail server refused, are an audit event; the e-mails are sent
outside any transaction, so that no database lock waits for a mail server."""

from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from awards import audit, i18n, mail
from awards.audit import Action
from awards.database import Database
from awards.errors import Conflict
from awards.i18n import N_
from awards.models import Juror, Round
from awards.settings import Settings
from awards.voting import lifecycle, rounds, turnout


@dataclass(frozen=True)
class Recipient:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class Reminded:
    sent: list[Recipient]
    refused: list[Recipient]
    problem: str | None
    """Why nothing could be sent at all (a message id), if that was the case."""


def _require_open(round_: Round) -> None:
    lifecycle.require(
        round_,
        (lifecycle.State.OPEN,),
        N_("The round is %(state)s: reminders are sent only while it is open."),
    )


def recipients(found: turnout.Turnout) -> list[Juror]:
    return found.round.not_voted


def _when(closes_at: datetime | None, zone: str) -> tuple[str, str]:
    """The closing time as the e-mail says it, in Chinese and in English."""
    if closes_at is None:
        return "投票截止前", "before voting closes"
    # The zone named as people say it (北京时间 / Beijing time), as every page and letter does.
    with i18n.speaking("zh_CN"):
        zh = i18n.local_time(closes_at, zone)
    with i18n.speaking("en"):
        en = i18n.local_time(closes_at, zone)
    return f"{zh} 前", f"by {en}"


def reminder_message(
    juror: Recipient, round_: Round, sender: str, login_url: str, zone: str
) -> EmailMessage:
    zh_when, en_when = _when(round_.closes_at, zone)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = juror.email
    message["Subject"] = f"请投票：{round_.name} / Please vote: {round_.name}"
    message.set_content(
        f"{juror.name} 您好：\n\n"
        f"“{round_.name}”正在投票，您尚未投票。请于{zh_when}登录投票：\n\n"
        f"    {login_url}\n\n"
        f"选票不记名，任何人都看不到您的投票内容。\n\n"
        f"Dear {juror.name}, voting in “{round_.name}” is open and you have not voted yet. "
        f"Please log in at {login_url} and vote {en_when}.\n"
    )
    return message


async def remind(
    db: Database, round_id: int, settings: Settings, login_url: str, actor: str
) -> Reminded:
    if not settings.smtp_host:
        raise Conflict(N_("No mail server is configured (AWARDS_SMTP_HOST): no reminder was sent."))
    async with db.transaction(write=False) as session:
        round_ = await rounds.get_round(session, round_id)
        _require_open(round_)
        found = await turnout.turnout(session, round_id, round_.season_id)
        to = [Recipient(j.id, j.name, j.email) for j in recipients(found)]
        smtp = mail.SmtpSettings.of(settings)
        messages = [
            reminder_message(j, round_, smtp.sender, login_url, settings.timezone) for j in to
        ]
    accepted, problem = await mail.send(smtp, messages) if messages else ([], None)
    sent = [j for j, ok in zip(to, accepted, strict=True) if ok]
    refused = [j for j, ok in zip(to, accepted, strict=True) if not ok]
    async with db.transaction() as session:
        await audit.record(
            session,
            actor=actor,
            action=Action.ROUND_REMINDED,
            object_type=Round.__tablename__,
            object_id=str(round_id),
            changes={"jurors": [j.id for j in to], "refused": [j.id for j in refused]},
        )
    return Reminded(sent, refused, problem)
