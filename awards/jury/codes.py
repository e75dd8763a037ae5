"""Activation codes for the jury: new one-time codes for the jurors staff choose, handed out as
printed letters, a CSV file or e-mails (`awards.mail`). The codes exist only in what `issue`
returns (`awards.accounts.activation` keeps their hashes), so the page that shows them, or the
e-mails, are the only place they are ever seen."""

from dataclasses import dataclass
from datetime import datetime

import segno
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import mail
from awards.accounts import activation
from awards.csv_files import csv_bytes
from awards.errors import DomainError, FormInvalid
from awards.i18n import N_, Message
from awards.models import ActivationCode, Juror, Round, Season
from awards.settings import Settings

FORMATS = ("letters", "csv", "email")
WHO = ("chosen", "inactive", "all")
"""Whom codes go to: the jurors staff ticked, every juror of the roster who has not activated
the account yet, or every juror of the roster (a 40-juror roster is not 40 ticks)."""


def addressees(roster: list[Juror], ticked: set[int], who: str) -> set[int]:
    if who == "all":
        return {juror.id for juror in roster}
    if who == "inactive":
        return {juror.id for juror in roster if juror.password_hash is None}
    return ticked


class NoJurorChosen(DomainError):
    """None of the season's jurors chosen, or one that is not the season's."""

    status_code = 422


def _chosen(roster: list[Juror], wanted: set[int]) -> list[Juror]:
    chosen = [j for j in roster if j.id in wanted]
    if not chosen or len(chosen) < len(wanted):
        raise NoJurorChosen(N_("Choose the jurors who get a new code."))
    return chosen


async def replacing(session: AsyncSession, roster: list[Juror], wanted: set[int]) -> list[Message]:
    """What new codes for these jurors would undo, said before staff confirm: an earlier code
    that stops working, an account whose password the new code can reset. Empty when each
    chosen juror only gets a first code."""
    chosen = _chosen(roster, wanted)
    live = set(
        await session.scalars(
            select(ActivationCode.juror_id).where(
                ActivationCode.juror_id.in_([j.id for j in chosen])
            )
        )
    )
    replaced = [j.name for j in chosen if j.id in live]
    activated = [j.name for j in chosen if j.password_hash is not None]
    if not replaced and not activated:
        return []
    said = [
        Message(
            "%(n)s jurors get a new activation code: %(names)s.",
            n=len(chosen),
            names="、".join(j.name for j in chosen),
        )
    ]
    if replaced:
        said.append(
            Message(
                "The earlier codes of %(n)s of them stop working at once (letters already "
                "handed out become useless): %(names)s.",
                n=len(replaced),
                names="、".join(replaced),
            )
        )
    if activated:
        said.append(
            Message(
                "%(n)s of them have activated their account already: with the new code, whoever "
                "holds it sets a new password and their current sessions end: %(names)s.",
                n=len(activated),
                names="、".join(activated),
            )
        )
    return said


@dataclass(frozen=True)
class IssuedCodes:
    issued: list[activation.IssuedCode]
    delivery: mail.Delivery | None
    """What the mail server accepted; None: not e-mailed (letters or CSV)."""


async def issue(
    session: AsyncSession,
    roster: list[Juror],
    wanted: set[int],
    how: str,
    settings: Settings,
    login_url: str,
    now: datetime,
    actor: str,
    *,
    season: Season,
) -> IssuedCodes:
    """New codes for the jurors of `roster` (the season's) whose ids are `wanted`, handed out
    `how` (one of FORMATS); `login_url` is the activation page the letters and e-mails name.
    E-mailed codes are committed first, see below."""
    chosen = _chosen(roster, wanted)
    if how == "email" and not settings.smtp_host:
        raise FormInvalid({"format": Message("No mail server is configured (AWARDS_SMTP_HOST).")})
    issued = await activation.issue_codes(session, chosen, now, settings.activation_days, actor)
    if how != "email":
        return IssuedCodes(issued, None)
    # Commit before the first e-mail: a code must be valid when it arrives, and SQLite's
    # write lock must not be held (stalling every cast) while a mail server answers.
    letter = mail.Letter(
        season.name, await voting_windows(session, season.id), settings.contact, settings.timezone
    )
    await session.commit()
    smtp = mail.SmtpSettings.of(settings)
    return IssuedCodes(issued, await mail.send_codes(smtp, issued, login_url, letter))


def codes_csv(issued: list[activation.IssuedCode], login_url: str) -> bytes:
    """The codes as a spreadsheet, one juror a row."""
    rows = [
        [
            item.juror.name,
            item.juror.organisation,
            item.juror.email,
            item.code,
            item.expires_at.date().isoformat(),
            login_url,
        ]
        for item in issued
    ]
    return csv_bytes(["姓名", "单位", "邮箱", "激活码", "有效期至", "激活地址"], rows)


@dataclass(frozen=True)
class VotingWindow:
    round_name: str
    opens_at: datetime
    closes_at: datetime


async def voting_windows(session: AsyncSession, season_id: int) -> list[VotingWindow]:
    """The season's rounds that are scheduled or open with a closing time, as a letter names
    them: when each one's voting begins and ends."""
    rounds = await session.scalars(
        select(Round)
        .where(
            Round.season_id == season_id,
            Round.state.in_(("scheduled", "open")),
            Round.closes_at.is_not(None),
        )
        .order_by(Round.closes_at, Round.id)
    )
    return [
        VotingWindow(r.name, opens_at, r.closes_at)
        for r in rounds
        if r.closes_at is not None and (opens_at := r.opens_at or r.opened_at) is not None
    ]


def qr_svg(url: str) -> Markup:
    """The activation page's address as a QR code in inline SVG, for a phone's camera (WeChat's
    scanner included): drawn here, so the letter fetches nothing from elsewhere. The code
    itself is never in it: an address with the code would end up in browser histories and
    access logs."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, border=4, omitsize=True, svgclass="qr", lineclass=None
    )
    return Markup(svg)  # noqa: S704 (segno's own markup of a URL we built)
