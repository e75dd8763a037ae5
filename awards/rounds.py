"""Voting rounds: draft -> scheduled -> open -> closed, by hand or by the schedule.

Opening freezes the round. Its nominees, eligible jurors (per category) and recusals are copied
into the round's tables, a 32-byte tie-break seed is drawn, and the manifest is published: the
SHA-256 of the seed, the SHA-256 of the configuration (canonical JSON of what the ballot offers
and how it is counted), the number of eligible jurors and the head of the audit log. From then on
nothing of the round's categories may change. Closing rewrites the ballot box in random order.
Every transition is an audit event; an illegal one changes nothing and says why.
"""

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.conflicts import effective_recusals
from awards.errors import Conflict, FormInvalid, NotFound
from awards.forms import Fields
from awards.i18n import N_, _
from awards.models import (
    Ballot,
    Category,
    Juror,
    Nominee,
    Round,
    RoundCategory,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
    Season,
    category_panel,
    juror_panel,
)
from awards.models.rounds import ROUND_KINDS
from ballots.canonical import canonical_json, sha256_hex
from ballots.content import RANKED

_SECURE = secrets.SystemRandom()


class IllegalTransition(Conflict):
    pass


class Frozen(Conflict):
    pass


def nominee_key(nominee_id: int) -> str:
    """A nominee's id in ballots and election records."""
    return f"n{nominee_id}"


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


def _require(round_: Round, states: Sequence[str], message: str) -> None:
    if round_.state not in states:
        raise IllegalTransition(message, state=_(STATE_LABELS[round_.state]))


async def set_categories(
    session: AsyncSession, round_: Round, category_ids: Sequence[int], actor: str
) -> None:
    _require(
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
    _require(round_, ("draft", "scheduled"), N_("The round is %(state)s: it cannot be scheduled."))
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
    _require(round_, ("scheduled",), N_("Only a scheduled round can go back to draft."))
    round_.state, round_.opens_at, round_.closes_at = "draft", None, None
    await audit.record(
        session, actor=actor, action="round.unscheduled", object_type="round", object_id=round_.id
    )


async def _freeze(session: AsyncSession, round_: Round) -> dict[str, Any]:
    """Copy nominees, eligibility and recusals into the round; return its configuration."""
    categories = await round_categories(session, round_.id)
    if not categories:
        raise IllegalTransition(N_("Add categories to the round before opening it."))
    season = await session.get(Season, round_.season_id)
    config_categories = []
    total_eligible: set[int] = set()
    for category in categories:
        chosen = set(
            await session.scalars(
                select(RoundNominee.nominee_id).where(
                    RoundNominee.round_id == round_.id, RoundNominee.category_id == category.id
                )
            )
        )
        query = (
            select(Nominee)
            .where(Nominee.category_id == category.id)
            .options(selectinload(Nominee.drama))
        )
        nominees = [n for n in await session.scalars(query) if not chosen or n.id in chosen]
        if not nominees:
            raise IllegalTransition(
                N_("The category “%(name)s” has no nominees."), name=category.name
            )
        if not chosen:
            await session.execute(
                insert(RoundNominee),
                [
                    {"round_id": round_.id, "nominee_id": n.id, "category_id": category.id}
                    for n in nominees
                ],
            )
        juror_ids = set(
            await session.scalars(
                select(juror_panel.c.juror_id)
                .join(category_panel, category_panel.c.panel_id == juror_panel.c.panel_id)
                .join(Juror, Juror.id == juror_panel.c.juror_id)
                .where(category_panel.c.category_id == category.id, Juror.is_active.is_(True))
            )
        )
        if not juror_ids:
            raise IllegalTransition(
                N_("No juror may vote in “%(name)s”: give it a panel with jurors."),
                name=category.name,
            )
        recusals = await effective_recusals(session, juror_ids, nominees)
        for recusal in recusals.values():
            await session.merge(
                RoundRecusal(
                    round_id=round_.id,
                    juror_id=recusal.juror_id,
                    nominee_id=recusal.nominee_id,
                    reason=recusal.reason[:300],
                )
            )
        eligible = juror_ids
        if category.method in RANKED:
            eligible = juror_ids - {juror for juror, _n in recusals}
        if eligible:
            await session.execute(
                insert(RoundEligibility),
                [
                    {"round_id": round_.id, "category_id": category.id, "juror_id": j}
                    for j in sorted(eligible)
                ],
            )
        total_eligible |= eligible
        config_categories.append(category_config(category, nominees, len(eligible)))
    round_.eligible_jurors = len(total_eligible)
    return {
        "season": {"id": season.code, "name": season.name},
        "round": {"id": round_.code, "name": round_.name, "kind": round_.kind},
        "categories": config_categories,
    }


def category_config(
    category: Category, nominees: Sequence[Nominee], eligible: int
) -> dict[str, Any]:
    """A category as the election record describes it, without ballots and counts."""
    config: dict[str, Any] = {
        "id": category.code,
        "name": category.name,
        "method": category.method,
        "winners": category.winners,
        "quorum": category.quorum,
        "disclosure": category.disclosure,
        "eligible_jurors": eligible,
        "nominees": [
            {"id": nominee_key(n.id), "label": n.label}
            for n in sorted(nominees, key=lambda n: n.id)
        ],
    }
    if category.method == "approval":
        config["max_choices"] = category.max_choices
    if category.method in ("score_mean", "score_trimmed_mean"):
        config["score_min"], config["score_max"] = category.score_min, category.score_max
    if category.method == "score_trimmed_mean":
        config["trim"] = category.trim
    return config


async def open_round(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    _require(round_, ("draft", "scheduled"), N_("The round is %(state)s: it cannot be opened."))
    if round_.closes_at is not None and round_.closes_at <= now:
        raise IllegalTransition(
            N_("The closing time has already passed; schedule the round again.")
        )
    config = await _freeze(session, round_)
    seed = secrets.token_bytes(32)
    round_.seed = seed.hex()
    round_.seed_sha256 = hashlib.sha256(seed).hexdigest()
    round_.config_sha256 = sha256_hex(canonical_json(config))
    round_.opened_at, round_.state = now, "open"
    round_.audit_head_at_open = (await audit.head(session))[1]
    await audit.record(
        session,
        actor=actor,
        action="round.opened",
        object_type="round",
        object_id=round_.id,
        changes={
            "seed_sha256": round_.seed_sha256,
            "config_sha256": round_.config_sha256,
            "eligible_jurors": round_.eligible_jurors,
            "audit_head": round_.audit_head_at_open,
        },
    )


async def close_round(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    _require(round_, ("open",), N_("The round is %(state)s: only an open round can be closed."))
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
