"""Opening a round: the freeze and the manifest.

Opening copies the round's nominees, eligible jurors (per category) and recusals into the round's
own tables, draws a 32-byte tie-break seed and publishes the manifest: the SHA-256 of the seed,
the SHA-256 of the configuration (canonical JSON of what the ballot offers and how it is
counted, in the election record's terms), the number of eligible jurors and the audit head.
"""

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.conflicts import effective_recusals
from awards.i18n import N_
from awards.models import (
    Category,
    Juror,
    Nominee,
    Round,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
    Season,
    category_panel,
    juror_panel,
)
from awards.rounds import IllegalTransition, nominee_key, require_state, round_categories
from ballots.canonical import canonical_json, sha256_hex
from ballots.content import RANKED


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
    require_state(
        round_, ("draft", "scheduled"), N_("The round is %(state)s: it cannot be opened.")
    )
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
