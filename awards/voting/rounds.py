"""Voting rounds: draft -> scheduled -> open -> closed, by hand or by the schedule; a scheduled
round the schedule could not open is `lapsed` until staff schedule it again.

Getting a round ready and opening it is `awards.voting.opening`; closing and sealing it
`awards.voting.closing`. Opening freezes the round: from then on nothing of its categories may
change. Closing rewrites the ballot box in random order. Every transition is an audit event; an
illegal one changes nothing and says why.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.catalogue.counting import Counting
from awards.database import get_or_404
from awards.errors import Conflict
from awards.forms import Fields, ensure_free
from awards.i18n import N_, Message
from awards.models import (
    Ballot,
    Category,
    Participation,
    Round,
    RoundCategory,
    RoundEligibility,
    Season,
)
from awards.models.rounds import ROUND_KINDS
from awards.voting import lifecycle

_SECURE = secrets.SystemRandom()


class Frozen(Conflict):
    pass


def nominee_key(nominee_id: int) -> str:
    """A nominee's id in ballots and election records."""
    return f"n{nominee_id}"


def nominee_id_of(key: str) -> int:
    """The database id behind a `nominee_key`."""
    return int(key.removeprefix("n"))


@dataclass(frozen=True)
class RoundForm:
    code: str
    name: str
    kind: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "RoundForm":
        fields = Fields(data)
        form = cls(
            code=fields.code("code"),
            name=fields.text("name", required=True),
            kind=fields.choice("kind", {k: k for k in ROUND_KINDS}),
        )
        fields.finish()
        return form


async def get_round(session: AsyncSession, round_id: int, *, lock: bool = False) -> Round:
    """`lock`: FOR UPDATE, for transitions (casting takes FOR SHARE: `ballot_sheets.round_head`).
    SQLite ignores it: its writers are serialised anyway."""
    return await get_or_404(session, Round, round_id, N_("No such round."), lock=lock)


# Outside staff pages, a round in a state other than lifecycle.PUBLIC (a draft, a lapsed
# schedule) is unknown: it answers exactly as an id that does not exist.


async def get_public_round(session: AsyncSession, round_id: int) -> Round:
    return await get_or_404(
        session, Round, round_id, N_("No such round."), Round.state.in_(lifecycle.PUBLIC)
    )


async def list_rounds(session: AsyncSession, season_id: int) -> list[Round]:
    return list(
        await session.scalars(select(Round).where(Round.season_id == season_id).order_by(Round.id))
    )


async def juror_rounds(session: AsyncSession, juror_id: int) -> tuple[list[Round], set[int]]:
    """A juror's home page: the open rounds the juror may vote in, and the ids of the rounds
    the juror has voted in."""
    eligible = select(RoundEligibility.round_id).where(RoundEligibility.juror_id == juror_id)
    open_rounds = await session.scalars(
        select(Round).where(Round.state == "open", Round.id.in_(eligible)).order_by(Round.id)
    )
    voted = await session.scalars(
        select(Participation.round_id).where(Participation.juror_id == juror_id)
    )
    return list(open_rounds), set(voted)


@dataclass(frozen=True)
class CategoryInRound:
    """A category as a round counts it: the catalogue's names, and the round's own settings
    where it has them (`own`: a final round's), otherwise the catalogue's."""

    id: int
    code: str
    name: str
    name_en: str | None
    shortlist_size: int | None
    """The catalogue's: how many of a nomination round's nominees go on to the final."""
    method: str
    winners: int
    max_choices: int | None
    score_min: int | None
    score_max: int | None
    trim: int | None
    quorum: int
    disclosure: str
    own: bool

    @property
    def counting(self) -> Counting:
        return Counting.of(self)


async def categories_in_round(session: AsyncSession, round_id: int) -> list[CategoryInRound]:
    """The round's categories in the season's order, each with the settings it is counted by."""
    found = await session.execute(
        select(Category, RoundCategory)
        .join(RoundCategory, RoundCategory.category_id == Category.id)
        .where(RoundCategory.round_id == round_id)
        .order_by(Category.position, Category.id)
    )
    return [
        CategoryInRound(
            category.id,
            category.code,
            category.name,
            category.name_en,
            category.shortlist_size,
            **asdict(Counting.of(row if row.method is not None else category)),
            own=row.method is not None,
        )
        for category, row in found.tuples()
    ]


async def round_categories(session: AsyncSession, round_id: int) -> list[Category]:
    return list(
        await session.scalars(
            select(Category)
            .join(RoundCategory, RoundCategory.category_id == Category.id)
            .where(RoundCategory.round_id == round_id)
            .order_by(Category.position, Category.id)
        )
    )


async def create_round(
    session: AsyncSession,
    season: Season,
    form: RoundForm,
    actor: str,
    source_round_id: int | None = None,
) -> Round:
    taken = select(Round.id).where(Round.season_id == season.id, Round.code == form.code)
    await ensure_free(
        session, taken, "code", Message("Another round of this season uses this code.")
    )
    new = Round(
        season_id=season.id,
        code=form.code,
        name=form.name,
        kind=form.kind,
        state="draft",
        source_round_id=source_round_id,
    )
    session.add(new)
    await session.flush()
    await audit.record_change(session, new, {}, actor=actor, action=Action.ROUND_CREATED)
    return new


def typed_time(raw: str, zone: str) -> datetime:
    """A time staff typed, in UTC. With an offset (`+08:00`, `Z`) it is that instant; without,
    the wall-clock time in `zone`, refused when the zone's clocks skip it (it does not exist) or
    pass it twice (it would be an hour early or late, by a guess). ValueError carries the
    message to show. Only years 2000 to 2999 are taken: a round is scheduled for this year or
    the next, and every page must be able to show the time in any zone."""
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(Message("Enter a date and time as YYYY-MM-DD HH:MM.")) from None
    if not 2000 <= value.year <= 2999:
        raise ValueError(Message("Choose a time in the years 2000 to 2999."))
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    tz = ZoneInfo(zone)
    first, second = value.replace(tzinfo=tz, fold=0), value.replace(tzinfo=tz, fold=1)
    found = first.astimezone(UTC)
    if first.utcoffset() != second.utcoffset():
        shown = {"time": value.strftime("%Y-%m-%d %H:%M"), "zone": zone}
        if found.astimezone(tz).replace(tzinfo=None) != value:  # in neither offset
            message = Message(
                "%(time)s does not exist in %(zone)s (the clocks go forward then); "
                "choose another time.",
                **shown,
            )
        else:
            message = Message(
                "%(time)s happens twice in %(zone)s (the clocks go back then); "
                "choose another time.",
                **shown,
            )
        raise ValueError(message)
    return found


@dataclass(frozen=True)
class ScheduleForm:
    opens_at: datetime
    closes_at: datetime

    @classmethod
    def parse(cls, data: Mapping[str, Any], zone: str, now: datetime) -> "ScheduleForm":
        fields = Fields(data)
        times: dict[str, datetime] = {}
        for name in ("opens_at", "closes_at"):
            raw = fields.text(name, required=True, max_length=40)
            try:
                if raw:
                    times[name] = typed_time(raw, zone)
            except ValueError as exc:
                fields.fail(name, str(exc))
        opens_at, closes_at = times.get("opens_at"), times.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            fields.fail("closes_at", Message("The round must close after it opens."))
        if closes_at and closes_at <= now:
            fields.fail("closes_at", Message("The closing time has already passed."))
        fields.finish()  # both times are there: each is required
        return cls(times["opens_at"], times["closes_at"])


async def unschedule(session: AsyncSession, round_: Round, actor: str) -> None:
    lifecycle.check(round_, "unschedule")
    before = audit.snapshot(round_)
    lifecycle.move(round_, "unschedule")
    round_.opens_at, round_.closes_at = None, None
    round_.schedule_problem = None
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_UNSCHEDULED)


async def close_round(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    """Close the round for voting: a plain round is then closed; a sealed round counting,
    until its trustees decrypt its box (`awards.trustees.counting`)."""
    transition = "seal_box" if round_.trustee_threshold else "close"
    lifecycle.check(round_, transition)
    await rewrite_box(session, round_.id)
    before = audit.snapshot(round_)
    lifecycle.move(round_, transition)
    round_.closed_at, round_.schedule_problem = now, None
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_CLOSED)
    # The head after the close's own event, which therefore cannot name it: the seal does.
    round_.audit_head_at_close = (await audit.head(session))[1]


async def rewrite_box(session: AsyncSession, round_id: int) -> int:
    """Rewrite the round's ballots and its participation rows, each in a random order, in this
    transaction: afterwards every one of them was written by the closing transaction, so neither
    their physical order nor PostgreSQL's xmin/ctid matches the order of casting. (The old rows'
    bytes are then scrubbed from storage after the commit: `awards.voting.scrubbing`.)"""
    ballots = [
        {"tracker": t, "round_id": round_id, "category_id": c, "content": content}
        for t, c, content in await session.execute(
            select(Ballot.tracker, Ballot.category_id, Ballot.content).where(
                Ballot.round_id == round_id
            )
        )
    ]
    voters = [
        {"round_id": round_id, "juror_id": juror_id}
        for juror_id in await session.scalars(
            select(Participation.juror_id).where(Participation.round_id == round_id)
        )
    ]
    for table, rows in ((Ballot, ballots), (Participation, voters)):
        await session.execute(delete(table).where(table.round_id == round_id))
        _SECURE.shuffle(rows)
        for start in range(0, len(rows), 1000):
            await session.execute(insert(table), rows[start : start + 1000])
    return len(ballots)


async def next_due(session: AsyncSession) -> datetime | None:
    """The earliest scheduled opening, closing or scrub still to happen. A close the schedule
    could not carry out waits for staff (its problem is shown on the round page), not for a
    retry."""
    opening = await session.scalar(
        select(func.min(Round.opens_at)).where(Round.state == "scheduled")
    )
    closing = await session.scalar(
        select(func.min(Round.closes_at)).where(
            Round.state == "open", Round.schedule_problem.is_(None)
        )
    )
    scrubbing = await session.scalar(  # a scrub still to do is due as soon as the round closed
        select(func.min(Round.closed_at)).where(
            Round.state == "closed", Round.scrubbed_at.is_(None)
        )
    )
    times = [t for t in (opening, closing, scrubbing) if t is not None]
    return min(times) if times else None


async def frozen_categories(
    session: AsyncSession, category_ids: Sequence[int]
) -> dict[int, Message]:
    """{category id: why it can no longer change} for those an open or closed round has frozen."""
    found = await session.execute(
        select(RoundCategory.category_id, Round.name, Round.state)
        .join(Round, RoundCategory.round_id == Round.id)
        .where(
            RoundCategory.category_id.in_(list(category_ids)),
            Round.state.in_(("open", "closed")),
        )
        .order_by(Round.id)
    )
    frozen: dict[int, Message] = {}
    for category_id, round_name, state in found:
        why = FROZEN_BY_OPEN if state == "open" else FROZEN_BY_CLOSED
        frozen.setdefault(category_id, Message(why, round=round_name))
    return frozen


FROZEN_BY_OPEN = N_("The round “%(round)s” is open with this category: it can no longer change.")
# Issue 11: this said "has opened" (in Chinese 已开启, "is open") of a round long closed.
FROZEN_BY_CLOSED = N_(
    "The round “%(round)s” has ended with this category: it can no longer change. A later "
    "round counts it with settings of its own, set on that round's page."
)


async def ensure_category_not_frozen(session: AsyncSession, category_id: int) -> None:
    """Refuse changes to a category that an open or closed round has frozen."""
    if frozen := (await frozen_categories(session, [category_id])).get(category_id):
        raise Frozen(frozen.msgid, **frozen.params)
