"""The schedule: open the rounds whose time has come, close those whose time is up, and scrub the
storage after closes, on requests (at most every few seconds per process) and from
`awards rounds tick`.

Each transition runs in its own transaction. One that fails is logged, written to the audit log
and shown to staff on the round page, and the schedule leaves that round alone until staff act;
it is never raised into the request or the cron run that happened to carry it. A database that
is busy or briefly gone is tried again on the next pass; one that keeps refusing the same round
is reported like any other failure.
"""

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.database import Database
from awards.errors import DomainError
from awards.i18n import N_, Message
from awards.models import Round
from awards.settings import Settings
from awards.voting import closing, lifecycle, opening, rounds

logger = logging.getLogger(__name__)

# A database error on the same round this many passes in a row is not "busy" any more.
_OPERATIONAL_ERRORS_TOLERATED = 3
_operational_errors: dict[tuple[str, int], int] = {}

_WINDOW_PASSED = N_("Its voting window passed before it could open.")
_UNEXPECTED = N_("An unexpected error stopped it (%(error)s); see the server log.")
_DATABASE = N_("The database refused it several times in a row (%(error)s); see the server log.")


@dataclass
class TickReport:
    """What one pass did, as lines for people (messages, in the reader's language): round
    codes, and reasons."""

    opened: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    lapsed: list[Message] = field(default_factory=list)
    failed: list[Message] = field(default_factory=list)
    scrubbed: list[str] = field(default_factory=list)

    def lines(self) -> list[Message]:
        return [
            Message("%(what)s: %(item)s", what=Message(what), item=item)
            for what, items in (
                (N_("opened"), self.opened),
                (N_("closed"), self.closed),
                (N_("lapsed"), self.lapsed),
                (N_("could not close"), self.failed),
                (N_("storage scrubbed"), self.scrubbed),
            )
            for item in items
        ]


def _why(code: str, message: str, params: dict[str, Any]) -> Message:
    return Message("%(code)s (%(why)s)", code=code, why=Message(message, **params))


async def tick(db: Database, now: datetime, settings: Settings) -> TickReport:
    """One pass: every transition that is due, each on its own, then the scrubs still to do."""
    report = TickReport()
    async with db.transaction(write=False) as session:
        due_open = (
            await session.execute(
                select(Round.id, Round.code).where(
                    Round.state == "scheduled", Round.opens_at <= now
                )
            )
        ).all()
        due_close = (
            await session.execute(
                select(Round.id, Round.code).where(
                    Round.state == "open",
                    Round.closes_at <= now,
                    Round.schedule_problem.is_(None),
                )
            )
        ).all()
    for round_id, code in due_open:
        await _open(db, round_id, code, now, report)
    for round_id, code in due_close:
        await _close(db, round_id, code, now, settings, report)
    report.scrubbed = await closing.scrub_closed(db, now, "schedule")
    return report


async def _open(db: Database, round_id: int, code: str, now: datetime, report: TickReport):
    try:
        async with db.transaction() as session:
            round_ = await rounds.get_round(session, round_id, lock=True)
            # Scheduling always sets `opens_at`; None reads as not due, as in `tick`'s query.
            if round_.state != "scheduled" or round_.opens_at is None or round_.opens_at > now:
                return  # another process got there first
            if round_.closes_at is not None and round_.closes_at <= now:
                await _note_problem(session, round_, Action.ROUND_LAPSED, _WINDOW_PASSED, {})
                report.lapsed.append(_why(code, _WINDOW_PASSED, {}))
                return
            await opening.open_round(session, round_, now, "schedule")
        report.opened.append(code)
        _operational_errors.pop(("open", round_id), None)
    except Exception as exc:
        if explained := _explained(exc, "open", round_id):
            report.lapsed.append(_why(code, *explained))
            await _record_failure(db, round_id, Action.ROUND_OPEN_FAILED, *explained)


async def _close(
    db: Database, round_id: int, code: str, now: datetime, settings: Settings, report: TickReport
):
    try:
        await closing.close(db, round_id, now, "schedule", settings)
        report.closed.append(code)
        _operational_errors.pop(("close", round_id), None)
    except lifecycle.IllegalTransition:
        return  # no longer open: another process closed it meanwhile
    except Exception as exc:
        if explained := _explained(exc, "close", round_id):
            report.failed.append(_why(code, *explained))
            await _record_failure(db, round_id, Action.ROUND_CLOSE_FAILED, *explained)


def _explained(exc: Exception, step: str, round_id: int) -> tuple[str, dict[str, Any]] | None:
    """The problem to record for a failed step, or None to try again on the next pass."""
    if isinstance(exc, DomainError):
        return exc.message, exc.params
    name = type(getattr(exc, "orig", None) or exc).__name__
    if isinstance(exc, OperationalError):
        key = (step, round_id)
        _operational_errors[key] = _operational_errors.get(key, 0) + 1
        logger.warning("schedule: round %s not %sed: %s", round_id, step, name)
        if _operational_errors[key] < _OPERATIONAL_ERRORS_TOLERATED:
            return None
        del _operational_errors[key]
        return _DATABASE, {"error": name}
    logger.error("schedule: unexpected %s", name, exc_info=exc)
    return _UNEXPECTED, {"error": name}


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
            if round_.state == ("scheduled" if action == Action.ROUND_OPEN_FAILED else "open"):
                await _note_problem(session, round_, action, message, params)
    except Exception as exc:  # nothing more can be done here; the log has it
        logger.error("schedule: could not record %s: %s", action, type(exc).__name__)


async def _note_problem(
    session: AsyncSession, round_: Round, action: str, message: str, params: dict[str, Any]
) -> None:
    before = audit.snapshot(round_, problem=None)
    if round_.state == lifecycle.State.SCHEDULED:
        lifecycle.move(round_, "lapse")
    round_.schedule_problem = json.dumps({"message": message, "params": params})
    await audit.record_change(
        session,
        round_,
        before,
        actor="schedule",
        action=action,
        problem=_english(message, params),
    )


def problem_of(round_: Round) -> tuple[str, dict[str, Any]] | None:
    """The problem the schedule met with this round (message id, parameters), if any."""
    if not round_.schedule_problem:
        return None
    problem = json.loads(round_.schedule_problem)
    return problem["message"], problem["params"]
