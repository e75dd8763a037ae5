"""Closing a round for good: close it, rewrite the ballot box, build, check and seal the record;
then scrub the storage. (The final round made from a nomination round's sealed results is
`awards.voting.finals`.)

The close is one transaction of its own (by staff, the command line or the schedule). Files
written for a close that does not commit are removed again, unless the round turns out to carry
their seal after all (a commit whose answer was lost); the seal on the round is what makes a
file sealed. The scrub (`awards.voting.scrubbing`) runs after the commit and outside the request
that closed the round: it may have to wait for an old reader, and the schedule retries it until it
is done, noting each round as scrubbed.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.database import Database
from awards.models import Round
from awards.settings import Settings
from awards.trustees import counting
from awards.voting import lifecycle, rounds, scrubbing, sealed_files, sealing

logger = logging.getLogger(__name__)


async def close(
    db: Database, round_id: int, now: datetime, actor: str, settings: Settings
) -> Round:
    """Close the round and seal its record; a sealed round's box instead, for its trustees
    (its record is sealed by `count`)."""
    async with (
        _files_kept_only_if_sealed(db, round_id, settings) as created,
        db.transaction() as session,
    ):
        round_ = await rounds.get_round(session, round_id, lock=True)
        await rounds.close_round(session, round_, now, actor)
        if round_.trustee_threshold:
            await counting.seal_box(session, round_, actor, settings.secret_key)
        else:
            await _seal(session, round_, settings, created, actor)
    return round_


async def count(
    db: Database, round_id: int, now: datetime, actor: str, settings: Settings
) -> Round:
    """A sealed round: open its box with the trustees' decryptions and seal its record."""
    async with (
        _files_kept_only_if_sealed(db, round_id, settings) as created,
        db.transaction() as session,
    ):
        round_ = await rounds.get_round(session, round_id, lock=True)
        opened = await counting.opened(session, round_)
        lifecycle.move(round_, "count")
        await _seal(session, round_, settings, created, actor, opened)
    return round_


@asynccontextmanager
async def _files_kept_only_if_sealed(
    db: Database, round_id: int, settings: Settings
) -> AsyncIterator[list[Path]]:
    """The list the sealing appends each file it writes to; should the transaction not commit,
    they are removed again (unless the round carries their seal after all)."""
    created: list[Path] = []
    try:
        yield created
    except BaseException:
        if created and not await _carries_seal(db, round_id, created, settings.records_dir):
            for path in created:
                path.unlink(missing_ok=True)
        raise


async def _seal(
    session: AsyncSession,
    round_: Round,
    settings: Settings,
    created: list[Path],
    actor: str,
    opened: sealing.Opened | None = None,
) -> None:
    before = audit.snapshot(round_)
    await sealing.seal(
        session,
        round_,
        settings.timezone,
        settings.records_dir,
        created,
        settings.small_jury_threshold,
        opened,
    )
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_SEALED)


async def _carries_seal(db: Database, round_id: int, files: list[Path], records_dir: Path) -> bool:
    """Whether the round's stored seal names these files: the commit went through although its
    answer did not come back. When that cannot be read, the files stay (a file no seal names is
    harmless; a sealed round without its files is not)."""
    try:
        async with db.transaction(write=False) as session:
            stem = await session.scalar(select(Round.record_file).where(Round.id == round_id))
    except Exception:
        logger.warning("close of round %s: its seal could not be read back", round_id)
        return True
    return stem is not None and not set(files).isdisjoint(sealed_files.paths(records_dir, stem))


_warned: set[tuple[int, str]] = set()


async def scrub_closed(db: Database, now: datetime, actor: str) -> list[str]:
    """Scrub the storage of the closed rounds not scrubbed yet; the codes of those done. A
    scrub that cannot finish now is logged (once per round and reason) and left for the next
    schedule pass; nothing here raises."""
    try:
        async with db.transaction(write=False) as session:
            pending = (
                await session.execute(
                    select(Round.id, Round.code).where(
                        Round.state == "closed", Round.scrubbed_at.is_(None)
                    )
                )
            ).all()
        if not pending:
            return []
        ids = [round_id for round_id, _code in pending]
        if (why := await scrubbing.scrub_storage(db, ids)) is not None:
            for round_id in ids:
                if (round_id, why) not in _warned:
                    _warned.add((round_id, why))
                    logger.warning("round %s: storage not scrubbed yet: %s", round_id, why)
            return []
        async with db.transaction() as session:
            for round_id in ids:
                round_ = await rounds.get_round(session, round_id, lock=True)
                if round_.scrubbed_at is None:
                    before = audit.snapshot(round_)
                    round_.scrubbed_at = now
                    await audit.record_change(
                        session, round_, before, actor=actor, action=Action.ROUND_SCRUBBED
                    )
    except Exception as exc:
        logger.error("scrubbing after a close failed: %s", type(exc).__name__, exc_info=exc)
        return []
    return [code for _round_id, code in pending]
