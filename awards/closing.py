"""Closing a round for good: close it, rewrite the ballot box, build, check and seal the record,
then scrub the old rows from storage.

The close is one transaction of its own (by staff, the command line or the schedule). Files
written for a close that does not commit are removed again; the seal on the round is what makes
a file sealed. After the commit the database's storage is scrubbed (`Database.scrub_ballot_box`),
so that no copy of its files taken from then on links a ballot to a juror.

Also the schedule: `tick` opens and closes the rounds whose time has come, each in its own
transaction. A transition that fails is logged, audited and shown to staff on the round page;
it is never raised into the request or the cron run that happened to carry it out.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import OperationalError

from awards import audit, opening, records, rounds, sealed_files
from awards.database import Database
from awards.errors import DomainError
from awards.i18n import N_
from awards.models import Round, RoundNominee, Season
from awards.settings import Settings

logger = logging.getLogger(__name__)


async def close(
    db: Database, round_id: int, now: datetime, actor: str, settings: Settings
) -> Round:
    created: list[Path] = []
    try:
        async with db.transaction() as session:
            round_ = await rounds.get_round(session, round_id, lock=True)
            await rounds.close_round(session, round_, now, actor)
            await records.seal(session, round_, settings.timezone, settings.records_dir, created)
            await audit.record(
                session,
                actor=actor,
                action="round.sealed",
                object_type="round",
                object_id=round_.id,
                changes={
                    "record_sha256": round_.record_sha256,
                    "results_sha256": round_.results_sha256,
                },
            )
    except BaseException:
        for path in created:
            path.unlink(missing_ok=True)
        raise
    await db.scrub_ballot_box()
    return round_


@dataclass
class TickReport:
    """What one pass of the schedule did, as lines for people: round codes, and reasons."""

    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"{what}: {item}"
            for what, items in (
                ("opened", self.opened),
                ("closed", self.closed),
                ("lapsed", self.lapsed),
                ("could not close", self.failed),
            )
            for item in items
        ]


async def tick(db: Database, now: datetime, settings: Settings) -> TickReport:
    """Open the scheduled rounds whose time has come and close the open rounds whose time is up,
    each on its own."""
    report = TickReport()
    async with db.transaction(write=False) as session:
        due_open = list(
            await session.scalars(
                select(Round.id).where(Round.state == "scheduled", Round.opens_at <= now)
            )
        )
        due_close = list(
            await session.scalars(
                select(Round.id).where(
                    Round.state == "open",
                    Round.closes_at <= now,
                    Round.schedule_problem.is_(None),
                )
            )
        )
    for round_id in due_open:
        await _open_on_schedule(db, round_id, now, report)
    for round_id in due_close:
        await _close_on_schedule(db, round_id, now, settings, report)
    return report


_WINDOW_PASSED = N_("Its voting window passed before it could open.")
_UNEXPECTED = N_("An unexpected error stopped it (%(error)s); see the server log.")


async def _open_on_schedule(db: Database, round_id: int, now: datetime, report: TickReport):
    try:
        async with db.transaction() as session:
            round_ = await rounds.get_round(session, round_id, lock=True)
            if round_.state != "scheduled" or round_.opens_at > now:
                return  # another process got there first
            if round_.closes_at is not None and round_.closes_at <= now:
                await _note_problem(session, round_, "round.lapsed", _WINDOW_PASSED, {})
                report.lapsed.append(f"{round_.code} ({_english(_WINDOW_PASSED, {})})")
                return
            await opening.open_round(session, round_, now, "schedule")
            report.opened.append(round_.code)
    except OperationalError as exc:  # the database is busy or gone: the next pass tries again
        logger.warning("schedule: round %s not opened: %s", round_id, type(exc.orig).__name__)
    except Exception as exc:
        message, params = _explained(exc)
        report.lapsed.append(f"{round_id} ({_english(message, params)})")
        await _record_failure(db, round_id, "round.open_failed", message, params)


async def _close_on_schedule(
    db: Database, round_id: int, now: datetime, settings: Settings, report: TickReport
):
    try:
        closed = await close(db, round_id, now, "schedule", settings)
        report.closed.append(closed.code)
    except OperationalError as exc:
        logger.warning("schedule: round %s not closed: %s", round_id, type(exc.orig).__name__)
    except Exception as exc:
        message, params = _explained(exc)
        report.failed.append(f"{round_id} ({_english(message, params)})")
        await _record_failure(db, round_id, "round.close_failed", message, params)


def _explained(exc: Exception) -> tuple[str, dict[str, Any]]:
    if isinstance(exc, DomainError):
        return exc.message, exc.params
    logger.error("schedule: unexpected %s", type(exc).__name__, exc_info=exc)
    return _UNEXPECTED, {"error": type(exc).__name__}


def _english(message: str, params: dict[str, Any]) -> str:
    return message % params if params else message


async def _record_failure(
    db: Database, round_id: int, action: str, message: str, params: dict[str, Any]
) -> None:
    """Write down, in a transaction of its own, why the schedule could not carry out a
    transition: the round waits for staff instead of failing again on every pass."""
    logger.warning("schedule: %s for round %s: %s", action, round_id, _english(message, params))
    try:
        async with db.transaction() as session:
            round_ = await rounds.get_round(session, round_id, lock=True)
            if round_.state == ("scheduled" if action == "round.open_failed" else "open"):
                await _note_problem(session, round_, action, message, params)
    except Exception as exc:  # nothing more can be done here; the log has it
        logger.error("schedule: could not record %s: %s", action, type(exc).__name__)


async def _note_problem(
    session: Any, round_: Round, action: str, message: str, params: dict[str, Any]
) -> None:
    if round_.state == "scheduled":
        round_.state = "lapsed"
    round_.schedule_problem = json.dumps({"message": message, "params": params})
    await audit.record(
        session,
        actor="schedule",
        action=action,
        object_type="round",
        object_id=round_.id,
        changes={"problem": _english(message, params)},
    )


def schedule_problem(round_: Round) -> tuple[str, dict[str, Any]] | None:
    """The problem the schedule met with this round (message id, parameters), if any."""
    if not round_.schedule_problem:
        return None
    problem = json.loads(round_.schedule_problem)
    return problem["message"], problem["params"]


async def create_final_from_shortlist(
    db: Database, source_id: int, form: rounds.RoundForm, settings: Settings, actor: str
) -> Round:
    """A final round over a closed nomination round's shortlist, read from its sealed files
    (checked against the seal): for each category, the first K of its ranking (K = the
    category's shortlist size; all nominees where none is set)."""
    async with db.transaction() as session:
        source = await rounds.get_round(session, source_id)
        if source.kind != "nomination" or source.state != "closed":
            raise rounds.IllegalTransition(
                N_("A final round is made from a closed nomination round.")
            )
        _record, results = sealed_files.load(settings.records_dir, source)
        ranked = {c["id"]: c["ranking"] for c in results["categories"]}
        shortlist = {}
        for category in await rounds.round_categories(session, source.id):
            ranking = [rounds.nominee_id_of(p["nominee"]) for p in ranked[category.code]]
            shortlist[category.id] = ranking[: category.shortlist_size or len(ranking)]
        season = await session.get(Season, source.season_id)
        final = await rounds.create_round(
            session, season, rounds.RoundForm(form.code, form.name, "final"), actor, source.id
        )
        await opening.set_categories(session, final, list(shortlist), actor)
        rows = [
            {"round_id": final.id, "nominee_id": n, "category_id": c}
            for c, nominees in shortlist.items()
            for n in nominees
        ]
        if rows:
            await session.execute(insert(RoundNominee), rows)
        await audit.record(
            session,
            actor=actor,
            action="round.shortlisted",
            object_type="round",
            object_id=final.id,
            changes={"source": source.id, "shortlist": {str(c): n for c, n in shortlist.items()}},
        )
    return final
