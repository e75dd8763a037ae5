"""What an action on a round that cannot be undone will do, said on its confirmation page before
staff confirm it (issue 11: a round was closed three days early with 15 jurors not voted, in one
click). Messages only: nothing here changes anything."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.i18n import Message, local_time
from awards.models import Participation, Round, RoundEligibility
from awards.voting.opening import OpeningPlan


def of_opening(found: OpeningPlan, round_: Round, zone: str) -> list[Message]:
    eligible = set().union(*(item.eligible for item in found.categories))
    said = [
        Message(
            "Opening freezes the categories, nominees, counting methods and eligible jurors "
            "of the round, and publishes its commitments. It cannot be undone."
        ),
        Message(
            "%(n)s jurors may vote in %(categories)s categories.",
            n=len(eligible),
            categories=len(found.categories),
        ),
    ]
    if round_.closes_at is not None:
        said.append(Message("Voting closes at %(time)s.", time=local_time(round_.closes_at, zone)))
    return said


def of_scheduling(opens_at: datetime, closes_at: datetime, zone: str) -> list[Message]:
    return [
        Message(
            "The round opens by itself at %(open)s (which cannot be undone) and closes at "
            "%(close)s. Until it opens it can go back to draft.",
            open=local_time(opens_at, zone),
            close=local_time(closes_at, zone),
        )
    ]


async def not_voted(session: AsyncSession, round_id: int) -> int:
    """How many of the round's eligible jurors have not voted."""
    eligible = await session.scalar(
        select(func.count(func.distinct(RoundEligibility.juror_id))).where(
            RoundEligibility.round_id == round_id
        )
    )
    voted = await session.scalar(select(func.count()).where(Participation.round_id == round_id))
    return (eligible or 0) - (voted or 0)


def of_closing(round_: Round, missing: int, now: datetime) -> list[Message]:
    """`missing`: jurors who have not voted (`not_voted`)."""
    said = []
    early = round_.closes_at - now if round_.closes_at is not None else None
    if early is not None and early.total_seconds() > 0:
        days, hours = early.days, max(1, early.seconds // 3600)
        if days >= 1:
            said.append(
                Message(
                    "%(n)s jurors have not voted; the round closes %(days)s days early.",
                    n=missing,
                    days=days,
                )
            )
        else:
            said.append(
                Message(
                    "%(n)s jurors have not voted; the round closes %(hours)s hours early.",
                    n=missing,
                    hours=hours,
                )
            )
    elif missing:
        said.append(Message("%(n)s jurors have not voted.", n=missing))
    if not missing:
        said.append(Message("Every eligible juror has voted."))
    said.append(
        Message(
            "Voting ends at once and the round cannot be opened again; the ballot box is "
            "sealed and the results are counted."
        )
    )
    return said


def of_publishing() -> list[Message]:
    return [
        Message(
            "The results become public on the results page, each category as far as its "
            "disclosure level allows. Publishing cannot be undone."
        )
    ]
