"""Voting rounds: draft -> scheduled -> open -> closed, by hand or by the schedule.

Opening freezes the round. Its nominees, eligible jurors (per category) and recusals are copied
into the round's tables, a 32-byte tie-break seed is drawn, and the manifest is published: the
SHA-256 of the seed, the SHA-256 of the configuration (canonical JSON of what the ballot offers
and how it is counted), the number of eligible jurors and the head of the audit log. From then on
nothing of the round's categories may change. Closing rewrites the ballot box in random order.
Every transition is an audit event; an illegal one changes nothing and says why.
"""

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.errors import Conflict, FormInvalid, NotFound
from awards.forms import Fields
from awards.i18n import N_, _
from awards.models import (
    Ballot,
    Category,
    Round,
    RoundCategory,
    RoundNominee,
    Season,
)
from awards.models.rounds import ROUND_KINDS

_SECURE = secrets.SystemRandom()


class IllegalTransition(Conflict):
    pass


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
    query = select(Round).where(Round.id == round_id)
    if lock:
        query = query.with_for_update()
    found = await session.scalar(query)
    if found is None:
        raise NotFound("No such round.")
    return found


async def list_rounds(session: AsyncSession, season_id: int) -> list[Round]:
    return list(
        await session.scalars(select(Round).where(Round.season_id == season_id).order_by(Round.id))
    )


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
    if await session.scalar(
        select(Round.id).where(Round.season_id == season.id, Round.code == form.code)
    ):
        raise FormInvalid({"code": _("Another round of this season uses this code.")})
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
    await audit.record(
        session,
        actor=actor,
        action="round.created",
        object_type="round",
        object_id=new.id,
        changes={"code": form.code, "name": form.name, "kind": form.kind},
    )
    return new


STATE_LABELS = {
    "draft": N_("Draft"),
    "scheduled": N_("Scheduled"),
    "open": N_("Open"),
    "closed": N_("Closed"),
}


def require_state(round_: Round, states: Sequence[str], message: str) -> None:
    if round_.state not in states:
        raise IllegalTransition(message, state=_(STATE_LABELS[round_.state]))


async def set_categories(
    session: AsyncSession, round_: Round, category_ids: Sequence[int], actor: str
) -> None:
    require_state(
        round_,
        ("draft", "scheduled"),
        N_("The round is %(state)s: its categories can no longer change."),
    )
    wanted = set(category_ids)
    valid = set(
        await session.scalars(
            select(Category.id).where(
                Category.season_id == round_.season_id, Category.id.in_(wanted)
            )
        )
    )
    if wanted - valid:
        raise FormInvalid({"categories": _("Choose categories of this round's season.")})
    await session.execute(delete(RoundCategory).where(RoundCategory.round_id == round_.id))
    if wanted:
        await session.execute(
            insert(RoundCategory),
            [{"round_id": round_.id, "category_id": c} for c in sorted(wanted)],
        )
    await audit.record(
        session,
        actor=actor,
        action="round.categories_set",
        object_type="round",
        object_id=round_.id,
        changes={"categories": sorted(wanted)},
    )


@dataclass(frozen=True)
class ScheduleForm:
    opens_at: datetime
    closes_at: datetime

    @classmethod
    def parse(cls, data: Mapping[str, Any], zone: str, now: datetime) -> "ScheduleForm":
        fields = Fields(data)
        times = {}
        for name in ("opens_at", "closes_at"):
            raw = fields.text(name, required=True, max_length=40)
            try:
                times[name] = (
                    datetime.fromisoformat(raw).replace(tzinfo=ZoneInfo(zone)) if raw else None
                )
            except ValueError:
                fields.fail(name, _("Enter a date and time as YYYY-MM-DD HH:MM."))
        opens_at, closes_at = times.get("opens_at"), times.get("closes_at")
        if opens_at and closes_at and closes_at <= opens_at:
            fields.fail("closes_at", _("The round must close after it opens."))
        if closes_at and closes_at <= now:
            fields.fail("closes_at", _("The closing time has already passed."))
        fields.finish()
        return cls(opens_at, closes_at)  # type: ignore[arg-type]


async def schedule(session: AsyncSession, round_: Round, form: ScheduleForm, actor: str) -> None:
    require_state(
        round_, ("draft", "scheduled"), N_("The round is %(state)s: it cannot be scheduled.")
    )
    if not await round_categories(session, round_.id):
        raise IllegalTransition(N_("Add categories to the round before scheduling it."))
    round_.opens_at, round_.closes_at, round_.state = form.opens_at, form.closes_at, "scheduled"
    await audit.record(
        session,
        actor=actor,
        action="round.scheduled",
        object_type="round",
        object_id=round_.id,
        changes={"opens_at": form.opens_at.isoformat(), "closes_at": form.closes_at.isoformat()},
    )


async def unschedule(session: AsyncSession, round_: Round, actor: str) -> None:
    require_state(round_, ("scheduled",), N_("Only a scheduled round can go back to draft."))
    round_.state, round_.opens_at, round_.closes_at = "draft", None, None
    await audit.record(
        session, actor=actor, action="round.unscheduled", object_type="round", object_id=round_.id
    )


async def close_round(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    require_state(
        round_, ("open",), N_("The round is %(state)s: only an open round can be closed.")
    )
    await shuffle_ballot_box(session, round_.id)
    round_.closed_at, round_.state = now, "closed"
    await audit.record(
        session, actor=actor, action="round.closed", object_type="round", object_id=round_.id
    )
    round_.audit_head_at_close = (await audit.head(session))[1]


async def shuffle_ballot_box(session: AsyncSession, round_id: int) -> int:
    """Rewrite the round's ballots in a random order in this transaction, so that neither their
    physical order nor PostgreSQL's xmin/ctid can be matched to the order of casting."""
    rows = (
        await session.execute(
            select(Ballot.tracker, Ballot.category_id, Ballot.content).where(
                Ballot.round_id == round_id
            )
        )
    ).all()
    await session.execute(delete(Ballot).where(Ballot.round_id == round_id))
    shuffled = [
        {"tracker": t, "round_id": round_id, "category_id": c, "content": content}
        for t, c, content in rows
    ]
    _SECURE.shuffle(shuffled)
    for start in range(0, len(shuffled), 1000):
        await session.execute(insert(Ballot), shuffled[start : start + 1000])
    return len(shuffled)


async def next_due(session: AsyncSession) -> datetime | None:
    """The earliest scheduled opening or closing still to happen."""
    opening = await session.scalar(
        select(func.min(Round.opens_at)).where(Round.state == "scheduled")
    )
    closing = await session.scalar(select(func.min(Round.closes_at)).where(Round.state == "open"))
    times = [t for t in (opening, closing) if t is not None]
    return min(times) if times else None


async def ensure_category_not_frozen(session: AsyncSession, category_id: int) -> None:
    """Refuse changes to a category that an open or closed round has frozen."""
    frozen = await session.scalar(
        select(Round.name)
        .join(RoundCategory, RoundCategory.round_id == Round.id)
        .where(RoundCategory.category_id == category_id, Round.state.in_(("open", "closed")))
        .limit(1)
    )
    if frozen is not None:
        raise Frozen(
            N_("The round “%(round)s” has opened with this category: it can no longer change."),
            round=frozen,
        )


async def create_final_round(
    session: AsyncSession,
    source: Round,
    form: RoundForm,
    shortlist: Mapping[int, Sequence[int]],
    actor: str,
) -> Round:
    """A final round over a closed nomination round's shortlist ({category: [nominee ids]})."""
    if source.kind != "nomination" or source.state != "closed":
        raise IllegalTransition(N_("A final round is made from a closed nomination round."))
    season = await session.get(Season, source.season_id)
    final = await create_round(
        session, season, RoundForm(form.code, form.name, "final"), actor, source.id
    )
    await set_categories(session, final, list(shortlist), actor)
    rows = [
        {"round_id": final.id, "nominee_id": n, "category_id": c}
        for c, nominees in shortlist.items()
        for n in nominees
    ]
    if rows:
        await session.execute(insert(RoundNominee), rows)
    return final
