"""From the database to the published election record, and the seal.

At close the record of the round is built from the frozen round tables and the (shuffled) ballot
box, written to `var/records/`, counted, and the SHA-256 of the record file and of the results
are stored on the round, which publishes them as a seal before anyone sees a result. The seed,
secret until now, is revealed inside the record.
"""

import json
import os
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards.models import (
    Ballot,
    Nominee,
    Participation,
    Round,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
    Season,
)
from awards.opening import category_config
from awards.rounds import nominee_key, round_categories
from ballots.canonical import sha256_hex
from ballots.record import parse_record, record_document
from ballots.tally import results_bytes


def _local(value, zone: str) -> str | None:
    return value.astimezone(ZoneInfo(zone)).isoformat() if value else None


async def build_record(session: AsyncSession, round_: Round, zone: str) -> bytes:
    """The election record of a closed round, as the file's bytes (canonical JSON)."""
    season = await session.get(Season, round_.season_id)
    voted = set(
        await session.scalars(
            select(Participation.juror_id).where(Participation.round_id == round_.id)
        )
    )
    recusals = (
        await session.execute(
            select(RoundRecusal.juror_id, RoundRecusal.nominee_id).where(
                RoundRecusal.round_id == round_.id
            )
        )
    ).all()
    categories = []
    for category in await round_categories(session, round_.id):
        nominees = list(
            await session.scalars(
                select(Nominee)
                .join(RoundNominee, RoundNominee.nominee_id == Nominee.id)
                .where(RoundNominee.round_id == round_.id, RoundNominee.category_id == category.id)
                .options(selectinload(Nominee.drama))
            )
        )
        eligible = set(
            await session.scalars(
                select(RoundEligibility.juror_id).where(
                    RoundEligibility.round_id == round_.id,
                    RoundEligibility.category_id == category.id,
                )
            )
        )
        nominee_ids = {n.id for n in nominees}
        participants = eligible & voted
        recused = Counter(
            nominee_key(nominee)
            for juror, nominee in recusals
            if nominee in nominee_ids and juror in participants
        )
        ballots = [
            {"tracker": tracker, "content": json.loads(content)}
            for tracker, content in (
                await session.execute(
                    select(Ballot.tracker, Ballot.content).where(
                        Ballot.round_id == round_.id, Ballot.category_id == category.id
                    )
                )
            ).all()
        ]
        config = category_config(category, nominees, len(eligible))
        categories.append(
            {
                **config,
                "participants": len(participants),
                "recused": dict(sorted(recused.items())),
                "ballots": ballots,
            }
        )
    round_json = {
        "id": round_.code,
        "name": round_.name,
        "kind": round_.kind,
        "opened_at": _local(round_.opened_at, zone),
        "closed_at": _local(round_.closed_at, zone),
        "tie_break": {"seed_sha256": round_.seed_sha256, "seed": round_.seed},
        "audit_head_at_open": round_.audit_head_at_open,
        "audit_head_at_close": round_.audit_head_at_close,
    }
    return record_document({"id": season.code, "name": season.name}, round_json, categories)


def write_durably(path: Path, data: bytes) -> None:
    """Replace `path` with `data`, on disk before this returns: written to a temporary file,
    flushed, renamed over `path`, and the directory flushed too. The seal is committed only
    after this, so a power cut can never leave a sealed round with a missing or half-written
    file, and a reader never sees a half-written one."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        temporary.replace(path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def record_path(records_dir: Path, season_code: str, round_code: str) -> Path:
    return records_dir / f"{season_code}-{round_code}.record.json"


async def seal(session: AsyncSession, round_: Round, zone: str, records_dir: Path) -> Path:
    """Write the record and its results next to it; store both hashes on the round."""
    data = await build_record(session, round_, zone)
    record = parse_record(data)
    results = results_bytes(record)
    season = await session.get(Season, round_.season_id)
    path = record_path(records_dir, season.code, round_.code)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_durably(path, data)
    write_durably(path.with_name(path.name.replace(".record.json", ".results.json")), results)
    round_.record_sha256 = record.sha256
    round_.results_sha256 = sha256_hex(results)
    return path
