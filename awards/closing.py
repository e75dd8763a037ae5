"""Closing a round for good: close it, rewrite the ballot box, build and seal the record.

Also the schedule: `tick` opens and closes the rounds whose time has come (on requests, and
from `awards rounds tick`).
"""

from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit, opening, records, rounds
from awards.models import Round
from awards.settings import Settings
from ballots.record import parse_record
from ballots.tally import count


async def close_and_seal(
    session: AsyncSession, round_: Round, now: datetime, actor: str, settings: Settings
) -> Path:
    await rounds.close_round(session, round_, now, actor)
    path = await records.seal(session, round_, settings.timezone, settings.records_dir)
    await audit.record(
        session,
        actor=actor,
        action="round.sealed",
        object_type="round",
        object_id=round_.id,
        changes={"record_sha256": round_.record_sha256, "results_sha256": round_.results_sha256},
    )
    return path


async def tick(session: AsyncSession, now: datetime, settings: Settings) -> list[Round]:
    """Open scheduled rounds whose time has come and close open rounds whose time is up."""
    changed = []
    due_open = await session.scalars(
        select(Round).where(Round.state == "scheduled", Round.opens_at <= now).with_for_update()
    )
    for round_ in list(due_open):
        await opening.open_round(session, round_, now, "schedule")
        changed.append(round_)
    due_close = await session.scalars(
        select(Round).where(Round.state == "open", Round.closes_at <= now).with_for_update()
    )
    for round_ in list(due_close):
        await close_and_seal(session, round_, now, "schedule", settings)
        changed.append(round_)
    return changed


async def create_final_from_shortlist(
    session: AsyncSession, source: Round, form: rounds.RoundForm, settings: Settings, actor: str
) -> Round:
    """A final round over the nomination round's shortlist: for each category, the first K of
    its ranking (K = the category's shortlist size; all nominees where none is set)."""
    record = parse_record(await records.build_record(session, source, settings.timezone))
    results = {c["id"]: c for c in count(record)["categories"]}
    shortlist = {}
    for category in await rounds.round_categories(session, source.id):
        ranking = [rounds.nominee_id_of(p["nominee"]) for p in results[category.code]["ranking"]]
        shortlist[category.id] = ranking[: category.shortlist_size or len(ranking)]
    final = await rounds.create_final_round(session, source, form, shortlist, actor)
    await audit.record(
        session,
        actor=actor,
        action="round.shortlisted",
        object_type="round",
        object_id=final.id,
        changes={"source": source.id, "shortlist": {str(c): n for c, n in shortlist.items()}},
    )
    return final
