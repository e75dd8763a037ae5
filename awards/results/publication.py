"""Publishing results: what may be shown of each category, by its disclosure level.

    full     winners, ranking, values, trackers, and the record (with ballots) to download
    counts   winners, ranking, values, trackers
    ranking  winners, ranking
    winners  winners

Small juries leak votes through anything beyond the winners (with one ballot, a Borda ranking
is that juror's ballot): a category with fewer valid ballots than `small_jury_threshold` shows
its winners only, whatever its level. The same rule makes the public results page and every
announcement (terminal, HTML, CSV); only the auditor's report (`awards tally --full`) shows all.
The files can be downloaded only when every category allows what they contain (the record holds
every ballot, the results every value), and only once the results are published. The auditor
role always gets both files. Rounds never announced (`lifecycle.PUBLIC`) are unknown here.
"""

from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.catalogue import seasons
from awards.errors import Conflict, NotAllowed, NotFound
from awards.i18n import N_
from awards.models import Juror, Round, RoundRecusal, Season
from awards.settings import Settings
from awards.voting import lifecycle, rounds, sealed_files, sealing
from ballots.record import ElectionRecord

LEVELS = ("winners", "ranking", "counts", "full")


@dataclass(frozen=True)
class PublicCategory:
    id: str
    name: str
    method: str
    level: str
    quorum: int
    quorum_met: bool
    valid: int | None
    abstentions: int | None
    winners: list[dict[str, str]]
    """nominee (id) and label."""
    ranking: list[dict[str, Any]]
    """rank, nominee, label, by_lot, winner, and value (None where values are not shown)."""
    trackers: list[str]

    @property
    def shows_values(self) -> bool:
        return self.level in ("counts", "full")


def level_of(disclosure: str, valid: int, threshold: int) -> str:
    """What a category may show: its disclosure level, or only its winners below the small-jury
    threshold."""
    if valid < threshold or disclosure not in LEVELS:
        return "winners"
    return disclosure


def visible_categories(
    record: ElectionRecord, results: dict[str, Any], threshold: int, *, full: bool = False
) -> list[PublicCategory]:
    """Each category as it may be shown; `full`: everything, for the auditor."""
    categories = []
    for category, result in zip(record.categories, results["categories"], strict=True):
        labels = {n["id"]: n["label"] for n in category.nominees}
        level = "full" if full else level_of(category.disclosure, result["valid"], threshold)
        values = level in ("counts", "full")
        winners = set(result["winners"])
        named = [{"nominee": n, "label": labels[n]} for n in result["winners"]]
        if level == "winners":  # in rank order, the winners would tell part of the ranking
            named.sort(key=lambda w: (w["label"], w["nominee"]))
        categories.append(
            PublicCategory(
                id=category.id,
                name=category.name,
                method=category.method,
                level=level,
                quorum=category.quorum,
                quorum_met=result["quorum_met"],
                valid=result["valid"] if values else None,
                abstentions=result["abstentions"] if values else None,
                winners=named,
                ranking=[
                    {
                        "rank": p["rank"],
                        "nominee": p["nominee"],
                        "label": labels[p["nominee"]],
                        "by_lot": p["by_lot"],
                        "winner": p["nominee"] in winners,
                        "value": p["value"] if values else None,
                    }
                    for p in result["ranking"]
                ]
                if level != "winners"
                else [],
                trackers=[b.tracker for b in category.ballots] if values else [],
            )
        )
    return categories


def shown_document(record: ElectionRecord, categories: list[PublicCategory]) -> dict[str, Any]:
    """The announcement as JSON: what `visible_categories` lets be shown, nothing more."""
    return {
        "format": "awards-announcement/1",
        "record_sha256": record.sha256,
        "round": record.round_id,
        "categories": [{**asdict(c), "shows_values": c.shows_values} for c in categories],
    }


@dataclass(frozen=True)
class Published:
    record: ElectionRecord
    results: dict[str, Any]
    categories: list[PublicCategory]
    record_public: bool
    results_public: bool


def load(records_dir: Path, round_: Round, threshold: int) -> Published:
    record, results = sealed_files.load(records_dir, round_)
    categories = visible_categories(record, results, threshold)
    return Published(
        record,
        results,
        categories,
        record_public=all(c.level == "full" for c in categories),
        results_public=all(c.level in ("counts", "full") for c in categories),
    )


@dataclass(frozen=True)
class RegisterEntry:
    juror: str
    category: str
    nominee: str
    reason: str


async def public_rounds(session: AsyncSession) -> list[Round]:
    """Every announced round, the newest first."""
    return list(
        await session.scalars(
            select(Round).where(Round.state.in_(lifecycle.PUBLIC)).order_by(Round.id.desc())
        )
    )


@dataclass(frozen=True)
class RoundPage:
    round: Round
    season: Season
    categories: list[dict[str, Any]]
    register: list[RegisterEntry]


async def round_page(session: AsyncSession, round_id: int) -> RoundPage:
    """A round's public page: its categories and its register of recusals, named as opening
    froze them (the catalogue may have changed since); before opening, as they stand."""
    round_ = await rounds.get_public_round(session, round_id)
    season = await seasons.get_season(session, round_.season_id)
    categories, register = await _categories_and_register(session, round_)
    return RoundPage(round_, season, categories, register)


async def _categories_and_register(
    session: AsyncSession, round_: Round
) -> tuple[list[dict[str, Any]], list[RegisterEntry]]:
    if round_.config_sha256 is None:
        categories = [
            {"name": c.name, "method": c.method}
            for c in await rounds.categories_in_round(session, round_.id)  # a final's own method
        ]
        return categories, []
    config = await sealing.frozen_config(session, round_.id)
    names = {n["id"]: (c["name"], n["label"]) for c in config["categories"] for n in c["nominees"]}
    register = []
    for juror, nominee_id, reason in await session.execute(
        select(Juror.name, RoundRecusal.nominee_id, RoundRecusal.reason)
        .join(Juror, Juror.id == RoundRecusal.juror_id)
        .where(RoundRecusal.round_id == round_.id)
        .order_by(Juror.name, RoundRecusal.nominee_id)
    ):
        category, label = names[rounds.nominee_key(nominee_id)]
        register.append(RegisterEntry(juror, category, label, reason))
    return config["categories"], register


async def _sealed(
    session: AsyncSession, round_id: int, settings: Settings, missing: str
) -> tuple[Round, Season, Published]:
    """A closed round, its season and its sealed files (checked against the seal); `missing`
    is the 404 message for a round not closed yet."""
    round_ = await rounds.get_public_round(session, round_id)
    if round_.state != "closed":
        raise NotFound(missing)
    season = await seasons.get_season(session, round_.season_id)
    return (
        round_,
        season,
        load(settings.records_dir, round_, settings.small_jury_threshold),
    )


@dataclass(frozen=True)
class ResultsPage:
    round: Round
    season: Season
    published: Published
    found: str | None
    """The category whose ballots hold the tracker looked for, if any."""

    @property
    def visible(self) -> bool:
        """The results themselves, beyond the seal, once staff have published them."""
        return self.round.published_at is not None


async def results_page(
    session: AsyncSession, round_id: int, settings: Settings, tracker: str = ""
) -> ResultsPage:
    round_, season, published = await _sealed(session, round_id, settings, N_("No results yet."))
    found = find_tracker(published.record, tracker) if tracker else None
    return ResultsPage(round_, season, published, found)


SEALED_FILES = ("record", "results")


async def sealed_file(
    session: AsyncSession, round_id: int, kind: str, settings: Settings, *, auditor: bool
) -> tuple[str, bytes]:
    """A sealed file (`kind`: one of SEALED_FILES) as its name and bytes, read again and so
    checked against the seal again: for everyone where every category allows it once the
    results are published, always for the auditor."""
    if kind not in SEALED_FILES:
        raise NotFound(N_("No such file."))
    round_, _season, published = await _sealed(session, round_id, settings, N_("No such file."))
    allowed = published.record_public if kind == "record" else published.results_public
    if not auditor and (round_.published_at is None or not allowed):
        raise NotAllowed(N_("This file is not public; the auditor can download it."))
    path, seal = sealed_files.sealed_file(settings.records_dir, round_, kind)
    return path.name, sealed_files.sealed_bytes(path, seal)


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
    before = audit.snapshot(round_)
    round_.published_at = now
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_PUBLISHED)
