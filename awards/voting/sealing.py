"""From the database to the published election record, and the seal.

At close the record of the round is built from what opening froze (the configuration document,
eligibility and recusals) and the (rewritten) ballot box; it carries the configuration, so that
anyone can recompute the `config_sha256` published at opening. It is checked with every check
`awards verify` makes of a record, then counted; only a record that passes is written (see
`awards.voting.sealed_files`), and the SHA-256 of the record file and of the results are stored on
the round, which publishes them as a seal before anyone sees a result. The seed, secret until now,
is revealed inside the record. Beside them goes the public record (`ballots.public`): what each
category's disclosure level lets everyone have, with the small-jury threshold of the close, and
its SHA-256 with the seal.

Building the file, counting and checking run in a worker thread: a nomination round's record
takes long enough to stall every other request if it ran on the event loop.
"""

import asyncio
import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.errors import Conflict
from awards.i18n import N_
from awards.models import (
    Ballot,
    Category,
    Participation,
    Round,
    RoundCategory,
    RoundConfig,
    RoundEligibility,
    RoundRecusal,
)
from awards.voting import sealed_files
from awards.voting.rounds import nominee_key
from ballots.canonical import sha256_hex
from ballots.public import public_document
from ballots.record import parse_record, record_document
from ballots.tally import results_bytes
from ballots.verify import Failure, check_record

# Keys of a configuration's nominee that the record repeats; the others (card details) are
# what the ballot page showed, kept in the record's copy of the configuration.
_RECORD_NOMINEE_KEYS = ("id", "label")


logger = logging.getLogger(__name__)


class SealRefused(Conflict):
    pass


def _local(value: datetime | None, zone: str) -> str | None:
    return value.astimezone(ZoneInfo(zone)).isoformat() if value else None


async def frozen_config(session: AsyncSession, round_id: int) -> dict[str, Any]:
    found = await session.execute(
        select(RoundConfig.document).where(RoundConfig.round_id == round_id)
    )
    return json.loads(found.scalar_one())  # written in the transaction that opened the round


@dataclass(frozen=True)
class RecordParts:
    """What the record file is made of, read from the database; ballot contents still as the
    stored JSON text, parsed with the rest of the work in the worker thread."""

    config: dict[str, Any]
    round: dict[str, Any]
    categories: list[dict[str, Any]]

    def document(self) -> bytes:
        categories = [
            {**c, "ballots": [{**b, "content": json.loads(b["content"])} for b in c["ballots"]]}
            for c in self.categories
        ]
        return record_document(self.config["season"], self.round, categories, config=self.config)


@dataclass(frozen=True)
class Opened:
    """A sealed round's count: the ballots its trustees decrypted, by category code, each
    `{"tracker", "content"}` with the content as JSON text (`awards.trustees.counting`), and
    the annex that shows them to be the box's, with what the record names of it."""

    ballots: dict[str, list[dict[str, Any]]]
    annex: bytes
    sealed: dict[str, Any]


async def record_parts(
    session: AsyncSession, round_: Round, zone: str, opened: Opened | None = None
) -> RecordParts:
    """`opened`: a sealed round's decrypted ballots, instead of its box (which holds only
    ciphertexts)."""
    config = await frozen_config(session, round_.id)
    category_ids = dict(
        (
            await session.execute(
                select(Category.code, Category.id)
                .join(RoundCategory, RoundCategory.category_id == Category.id)
                .where(RoundCategory.round_id == round_.id)
            )
        )
        .tuples()
        .all()
    )
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
    eligible: dict[int, set[int]] = {}
    for category_id, juror_id in await session.execute(
        select(RoundEligibility.category_id, RoundEligibility.juror_id).where(
            RoundEligibility.round_id == round_.id
        )
    ):
        eligible.setdefault(category_id, set()).add(juror_id)
    boxes: dict[int, list[dict[str, Any]]] = {}
    for category_id, tracker, content in await session.execute(
        select(Ballot.category_id, Ballot.tracker, Ballot.content).where(
            Ballot.round_id == round_.id
        )
    ):
        boxes.setdefault(category_id, []).append({"tracker": tracker, "content": content})
    if opened is not None:
        boxes = {category_ids[code]: ballots for code, ballots in opened.ballots.items()}
    categories = []
    for frozen in config["categories"]:
        category_id = category_ids[frozen["id"]]
        participants = eligible.get(category_id, set()) & voted
        keys = {n["id"] for n in frozen["nominees"]}
        recused = Counter(
            nominee_key(nominee)
            for juror, nominee in recusals
            if nominee_key(nominee) in keys and juror in participants
        )
        categories.append(
            {
                **{k: v for k, v in frozen.items() if k != "nominees"},
                "nominees": [{k: n[k] for k in _RECORD_NOMINEE_KEYS} for n in frozen["nominees"]],
                "participants": len(participants),
                "recused": dict(sorted(recused.items())),
                "ballots": boxes.get(category_id, []),
            }
        )
    round_json = {
        **config["round"],
        "opened_at": _local(round_.opened_at, zone),
        "closed_at": _local(round_.closed_at, zone),
        "tie_break": {"seed_sha256": round_.seed_sha256, "seed": round_.seed},
        "audit_head_at_open": round_.audit_head_at_open,
        "audit_head_at_close": round_.audit_head_at_close,
        "config_sha256": round_.config_sha256,
    }
    if opened is not None:
        round_json["sealed"] = opened.sealed
    return RecordParts(config, round_json, categories)


_REFUSED = N_("The election record failed its own verification (%(what)s); the round stays open.")


def _summary(failures: list[Failure]) -> str:
    """Where and which checks failed, for staff, the log and the audit chain: never a ballot's
    tracker or content, so the detail of a failure about one ballot is left out."""
    named: list[str] = []
    for failure in failures:
        item = f"{failure.where}: {failure.check}"
        if failure.ballot is None:
            item += f": {failure.detail}"
        if item not in named:
            named.append(item)
    return "; ".join(named[:4])


@dataclass(frozen=True)
class SealedPair:
    stem: str
    record_sha256: str
    results_sha256: str
    public_sha256: str


def _write_sealed(
    parts: RecordParts,
    round_id: int,
    threshold: int,
    records_dir: Path,
    created: list[Path],
    annex: bytes | None,
) -> SealedPair:
    """Build, count and check the record, then write the three files and a sealed round's
    annex (in a worker thread)."""
    data = parts.document()
    record = parse_record(data)
    if failures := check_record(record):  # the results are then its count, by construction
        raise SealRefused(_REFUSED, what=_summary(failures))
    try:
        results = results_bytes(record)
    except Exception as exc:  # a record the checks passed must count; if not, never a 500
        # The type only: the message of an error about a ballot may quote its content.
        logger.error("a checked record could not be counted: %s", type(exc).__name__)
        raise SealRefused(_REFUSED, what=f"count: {type(exc).__name__}") from None
    public = public_document(record, results, threshold)
    record_sha256 = sha256_hex(data)
    file_stem = sealed_files.stem(round_id, record_sha256)
    records_dir.mkdir(parents=True, exist_ok=True)
    files = list(sealed_files.paths(records_dir, file_stem))
    written = [data, results, public]
    if annex is not None:
        files.append(sealed_files.annex_path(records_dir, file_stem))
        written.append(annex)
    for path, content in zip(files, written, strict=True):
        if sealed_files.write_new(path, content):
            created.append(path)
    return SealedPair(file_stem, record_sha256, sha256_hex(results), sha256_hex(public))


async def seal(
    session: AsyncSession,
    round_: Round,
    zone: str,
    records_dir: Path,
    created: list[Path],
    threshold: int,
    opened: Opened | None = None,
) -> None:
    """Write the record, its results and the public record (`threshold`: the small-jury
    threshold), and a sealed round's annex; store the file stem and the three hashes on the
    round. Files this call creates are appended to `created`, for the caller to remove should
    its transaction not commit."""
    parts = await record_parts(session, round_, zone, opened)
    annex = opened.annex if opened else None
    work = asyncio.ensure_future(
        asyncio.to_thread(_write_sealed, parts, round_.id, threshold, records_dir, created, annex)
    )
    try:
        pair = await asyncio.shield(work)
    except asyncio.CancelledError:
        # The thread cannot be stopped: let it finish, so that `created` names every file it
        # writes before the caller cleans up.
        await asyncio.wait([work])
        raise
    round_.record_file = pair.stem
    round_.record_sha256, round_.results_sha256 = pair.record_sha256, pair.results_sha256
    round_.public_record_sha256 = pair.public_sha256
    if opened is not None:
        round_.annex_sha256 = opened.sealed["annex_sha256"]
