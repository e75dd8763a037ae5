"""Opening a round: the checks, the freeze and the manifest.

`plan` reads what opening would freeze; `OpeningPlan.problems` says why the round could not
open (`awards.voting.readiness` adds the warnings staff confirm before opening). Opening refuses
on the first problem, scheduling checks the same list, and every change to what a scheduled
round would freeze (nominees, panels, category settings, jurors' panels, the round's
categories) re-checks the season's scheduled rounds, so that a round the schedule is due to open
never fails for a reason staff could have been told about.

Opening copies the round's nominees, eligible jurors (per category) and recusals into the
round's own tables, keeps the configuration (canonical JSON of what the ballot shows and how it
is counted: season, round, categories and their settings, nominees with their labels and card
details, eligible jurors) byte for byte in `round_config`, draws a 32-byte tie-break seed and
publishes the manifest: the SHA-256 of the seed, the SHA-256 of the configuration, the number of
eligible jurors and the audit head. Ballot pages and the election record read only that
document, so the catalogue may go on changing without touching an open or closed round.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.audit import Action
from awards.errors import Conflict
from awards.i18n import N_, Message
from awards.jury.recusals import Recusal, effective_recusals
from awards.models import (
    Juror,
    Nominee,
    Round,
    RoundConfig,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
    Season,
    category_panel,
    juror_panel,
)
from awards.trustees import ceremony as ceremonies
from awards.voting import booth_code, lifecycle
from awards.voting.rounds import CategoryInRound, ScheduleForm, categories_in_round, nominee_key
from ballots.canonical import canonical_json, sha256_hex
from ballots.content import RANKED, SCORED
from ballots.sealed.ceremony import CeremonyError


class Problem(NamedTuple):
    """A reason a round cannot open: a message id and its parameters, translated when shown."""

    message: str
    params: dict[str, Any]


@dataclass(frozen=True)
class CategoryPlan:
    category: CategoryInRound
    """With the settings the round counts it by (a final round's own)."""
    nominees: list[Nominee]
    """With their dramas loaded, in id order."""
    chosen: bool
    """The round's nominees were chosen before opening (a final's shortlist, which staff may
    edit, even to nothing); otherwise opening takes all of the category's."""
    recusals: dict[tuple[int, int], Recusal]
    eligible: set[int]


@dataclass(frozen=True)
class OpeningPlan:
    season: Season
    categories: list[CategoryPlan]

    def problems(self, round_: Round, now: datetime | None = None) -> list[Problem]:
        """Why the round cannot open (at `now`, when given): empty when it can."""
        found = []
        if now is not None and round_.closes_at is not None and round_.closes_at <= now:
            found.append(
                Problem(N_("The closing time has already passed; schedule the round again."), {})
            )
        if not self.categories:
            found.append(Problem(N_("Add categories to the round before opening it."), {}))
        if round_.trustee_threshold and not round_.election_key:
            message = N_("The trustees' key ceremony is not complete: the round has no key yet.")
            found.append(Problem(message, {}))
        for item in self.categories:
            named = {"name": item.category.name}
            if not item.nominees:
                found.append(Problem(N_("The category “%(name)s” has no nominees."), named))
            elif not item.eligible:
                message = N_("No juror may vote in “%(name)s”: give it a panel with jurors.")
                found.append(Problem(message, named))
            elif item.category.quorum > len(item.eligible):
                # A quorum no turnout can reach: the category could name no winner, and once
                # open its settings are frozen, so this is put right now or never.
                message = N_(
                    "“%(name)s” needs %(quorum)s ballots (its quorum), but only %(eligible)s "
                    "jurors may vote in it: it could name no winner."
                )
                found.append(
                    Problem(
                        message,
                        {**named, "quorum": item.category.quorum, "eligible": len(item.eligible)},
                    )
                )
        return found


async def plan(session: AsyncSession, round_: Round) -> OpeningPlan:
    """Everything opening would freeze, read and nothing written."""
    season = await session.get_one(Season, round_.season_id)
    planned = []
    shortlisted = round_.source_round_id is not None
    for category in await categories_in_round(session, round_.id):
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
            .order_by(Nominee.id)
        )
        fixed = bool(chosen) or shortlisted
        nominees = [n for n in await session.scalars(query) if not fixed or n.id in chosen]
        juror_ids = set(
            await session.scalars(
                select(juror_panel.c.juror_id)
                .join(category_panel, category_panel.c.panel_id == juror_panel.c.panel_id)
                .join(Juror, Juror.id == juror_panel.c.juror_id)
                .where(category_panel.c.category_id == category.id, Juror.is_active.is_(True))
            )
        )
        recusals = await effective_recusals(session, juror_ids, nominees)
        eligible = juror_ids
        if category.method in RANKED:
            eligible = juror_ids - {juror for juror, _n in recusals}
        planned.append(CategoryPlan(category, nominees, fixed, recusals, eligible))
    return OpeningPlan(season, planned)


def category_config(item: CategoryPlan) -> dict[str, Any]:
    """A category as the configuration (and the election record) describes it."""
    category = item.category
    config: dict[str, Any] = {
        "id": category.code,
        "name": category.name,
        "method": category.method,
        "winners": category.winners,
        "quorum": category.quorum,
        "disclosure": category.disclosure,
        "eligible_jurors": len(item.eligible),
        "nominees": [_nominee_config(n) for n in item.nominees],
    }
    # English names and the shortlist size where set: the results are named and cut by them
    # as opening froze them (records of earlier rounds have none; readers fall back).
    if category.name_en:
        config["name_en"] = category.name_en
    if category.shortlist_size is not None:
        config["shortlist_size"] = category.shortlist_size
    if category.method == "approval":
        config["max_choices"] = category.max_choices
    if category.method in SCORED:
        config["score_min"], config["score_max"] = category.score_min, category.score_max
    if category.method == "score_trimmed_mean":
        config["trim"] = category.trim
    return config


def _nominee_config(nominee: Nominee) -> dict[str, Any]:
    """A nominee with the card details the ballot shows; the English label and the role only
    where entered, so that rounds without them freeze what they always froze."""
    config: dict[str, Any] = {
        "id": nominee_key(nominee.id),
        "label": nominee.label,
        "kind": nominee.drama.kind,
        "companies": nominee.drama.company_list,
        "broadcaster": nominee.drama.broadcaster,
    }
    if nominee.label_en:
        config["label_en"] = nominee.label_en
    if nominee.person_role:
        config["role"] = nominee.person_role
    return config


def config_document(found: OpeningPlan, round_: Round) -> bytes:
    """The configuration's bytes: what `config_sha256` hashes and the record carries."""
    return canonical_json(
        {
            "season": {"id": found.season.code, "name": found.season.name},
            "round": {"id": round_.code, "name": round_.name, "kind": round_.kind},
            "categories": [category_config(item) for item in found.categories],
        }
    )


async def _freeze(session: AsyncSession, round_: Round, found: OpeningPlan) -> None:
    """Copy nominees, eligibility and recusals into the round's tables."""
    for item in found.categories:
        category_id = item.category.id
        if not item.chosen:
            await session.execute(
                insert(RoundNominee),
                [
                    {"round_id": round_.id, "nominee_id": n.id, "category_id": category_id}
                    for n in item.nominees
                ],
            )
        for recusal in item.recusals.values():
            await session.merge(
                RoundRecusal(
                    round_id=round_.id,
                    juror_id=recusal.juror_id,
                    nominee_id=recusal.nominee_id,
                    reason=recusal.reason[:300],
                )
            )
        await session.execute(
            insert(RoundEligibility),
            [
                {"round_id": round_.id, "category_id": category_id, "juror_id": j}
                for j in sorted(item.eligible)
            ],
        )


async def ensure_can_open(
    session: AsyncSession, round_: Round, now: datetime | None
) -> OpeningPlan:
    found = await plan(session, round_)
    if problems := found.problems(round_, now):
        raise lifecycle.IllegalTransition(problems[0].message, **problems[0].params)
    return found


async def schedule(session: AsyncSession, round_: Round, form: ScheduleForm, actor: str) -> None:
    """Schedule (or reschedule) a round that could open as it stands."""
    lifecycle.check(round_, "schedule")
    await ensure_can_open(session, round_, None)  # the form has checked the new times
    before = audit.snapshot(round_)
    lifecycle.move(round_, "schedule")
    round_.opens_at, round_.closes_at = form.opens_at, form.closes_at
    round_.schedule_problem = None
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_SCHEDULED)


async def open_round(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    lifecycle.check(round_, "open")
    found = await ensure_can_open(session, round_, now)
    before = audit.snapshot(round_)
    await _freeze(session, round_, found)
    document = config_document(found, round_)
    session.add(RoundConfig(round_id=round_.id, document=document.decode()))
    if round_.trustee_threshold:
        # A sealed round's seed is the trustees' (their seed ciphertexts, decrypted at the
        # count): the key ceremony, checked again now, must be for this very round.
        await _ensure_ceremony(session, round_)
    else:
        seed = secrets.token_bytes(32)
        round_.seed = seed.hex()
        round_.seed_sha256 = hashlib.sha256(seed).hexdigest()
    round_.config_sha256 = sha256_hex(document)
    if round_.booth:
        round_.booth_sha256 = booth_code.booth_sha256()
    round_.eligible_jurors = len(set().union(*(item.eligible for item in found.categories)))
    lifecycle.move(round_, "open")
    round_.opened_at, round_.schedule_problem = now, None
    round_.audit_head_at_open = (await audit.head(session))[1]
    # The seed itself is a secret column: only its hash is in the event.
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_OPENED)


async def _ensure_ceremony(session: AsyncSession, round_: Round) -> None:
    try:
        ceremony = await ceremonies.ceremony_of(session, round_)
    except CeremonyError:
        raise lifecycle.IllegalTransition(
            N_(
                "The trustees' key was made for another season or round code: run the key "
                "ceremony again."
            )
        ) from None
    if ceremony.fingerprint != round_.key_fingerprint:
        raise lifecycle.IllegalTransition(
            N_("The trustees' key has changed: open the round again.")
        )


async def ensure_schedules_hold(session: AsyncSession, season_id: int) -> None:
    """Refuse a change (made in this transaction, not yet committed) after which a scheduled
    round of the season could no longer open. Called by every change to what opening freezes."""
    await session.flush()
    scheduled = await session.scalars(
        select(Round).where(Round.season_id == season_id, Round.state == lifecycle.State.SCHEDULED)
    )
    for round_ in list(scheduled):
        if problems := (await plan(session, round_)).problems(round_):
            raise Conflict(
                N_(
                    "The round “%(round)s” is scheduled and could then no longer open. "
                    "%(problem)s Put it back to draft first."
                ),
                round=round_.name,
                problem=Message(problems[0].message, **problems[0].params),
            )
