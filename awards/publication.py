"""Publishing results: what the public may see of each category, by its disclosure level.

    full     winners, ranking, values, trackers, and the record (with ballots) to download
    counts   winners, ranking, values, trackers
    ranking  winners, ranking
    winners  winners

Small juries leak votes through counts: a category with fewer valid ballots than
`small_jury_threshold` never shows values, whatever its level. The files can be downloaded only
when every category allows what they contain (the record holds every ballot, the results every
value). The auditor role always gets both files.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.errors import Conflict, NotFound
from awards.i18n import N_
from awards.models import Round, Season
from awards.records import record_path
from ballots.canonical import sha256_hex
from ballots.record import ElectionRecord, parse_record

LEVELS = ("winners", "ranking", "counts", "full")


@dataclass(frozen=True)
class PublicCategory:
    id: str
    name: str
    method: str
    level: str
    quorum_met: bool
    valid: int | None
    winners: list[str]
    ranking: list[dict[str, Any]]
    trackers: list[str]

    @property
    def shows_values(self) -> bool:
        return self.level in ("counts", "full")


@dataclass(frozen=True)
class Published:
    record: ElectionRecord
    results: dict[str, Any]
    categories: list[PublicCategory]
    record_public: bool
    results_public: bool


def files(records_dir: Path, season: Season, round_: Round) -> tuple[Path, Path]:
    path = record_path(records_dir, season.code, round_.code)
    return path, path.with_name(path.name.replace(".record.json", ".results.json"))


def load(records_dir: Path, season: Season, round_: Round, threshold: int) -> Published:
    record_file, results_file = files(records_dir, season, round_)
    if not record_file.exists() or not results_file.exists():
        raise NotFound(N_("The sealed files of this round are missing."))
    record, results = _sealed(
        record_file, results_file, round_.record_sha256, round_.results_sha256
    )
    categories = []
    for category, result in zip(record.categories, results["categories"], strict=True):
        labels = {n["id"]: n["label"] for n in category.nominees}
        level = category.disclosure if category.disclosure in LEVELS else "winners"
        if result["valid"] < threshold and level in ("counts", "full"):
            level = "ranking"
        categories.append(
            PublicCategory(
                id=category.id,
                name=category.name,
                method=category.method,
                level=level,
                quorum_met=result["quorum_met"],
                valid=result["valid"] if level in ("counts", "full") else None,
                winners=[labels[n] for n in result["winners"]],
                ranking=[
                    {
                        "rank": p["rank"],
                        "label": labels[p["nominee"]],
                        "by_lot": p["by_lot"],
                        "value": p["value"] if level in ("counts", "full") else None,
                    }
                    for p in result["ranking"]
                ]
                if level != "winners"
                else [],
                trackers=[b.tracker for b in category.ballots]
                if level in ("counts", "full")
                else [],
            )
        )
    return Published(
        record,
        results,
        categories,
        record_public=all(c.level == "full" for c in categories),
        results_public=all(c.level in ("counts", "full") for c in categories),
    )


_MISMATCH = N_("A sealed file on disk does not match its published seal.")


@lru_cache(maxsize=4)
def _sealed(
    record_file: Path, results_file: Path, record_seal: str, results_seal: str
) -> tuple[ElectionRecord, dict]:
    """The sealed files, read once per process (a large record takes seconds to parse), and
    only if both still match the seal published at close."""
    record = parse_record(sealed_bytes(record_file, record_seal))
    return record, json.loads(sealed_bytes(results_file, results_seal))


def sealed_bytes(path: Path, seal: str) -> bytes:
    """A sealed file's bytes, refused if they no longer hash to the seal."""
    data = path.read_bytes()
    if sha256_hex(data) != seal:
        raise Conflict(_MISMATCH)
    return data


def find_tracker(record: ElectionRecord, tracker: str) -> str | None:
    """The name of the category whose ballots hold this tracker, if any."""
    tracker = tracker.strip().lower()
    for category in record.categories:
        if any(b.tracker == tracker for b in category.ballots):
            return category.name
    return None


async def publish(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    if round_.state != "closed" or not round_.record_sha256:
        raise Conflict(N_("Only a closed and sealed round can be published."))
    if round_.published_at is not None:
        raise Conflict(N_("These results are published already."))
    round_.published_at = now
    await audit.record(
        session,
        actor=actor,
        action="round.published",
        object_type="round",
        object_id=round_.id,
        changes={"record_sha256": round_.record_sha256, "results_sha256": round_.results_sha256},
    )
