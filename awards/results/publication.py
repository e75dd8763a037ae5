"""Publishing results: what may be shown of each category, by its disclosure level.

    full     winners, ranking, values, trackers, and its ballots to recount
    counts   winners, ranking, values, trackers
    ranking  winners, ranking
    winners  winners

Small juries leak votes through anything beyond the winners (with one ballot, a Borda ranking
is that juror's ballot): a category with fewer valid ballots than `small_jury_threshold` shows
its winners only, whatever its level. The same rule makes the public results page and every
announcement (terminal, HTML, CSV); only the auditor's report (`awards tally --full`) shows all.
Once the results are published, everyone can download the public record (`ballots.public`),
which holds of each category what its level allows, and recount the `full` ones from it; the
record and the results themselves only when every category allows what they contain (the record
holds every ballot, the results every value). The auditor role always gets every file. The
level of each category is `ballots.public.shown_level`: the public record and these pages say
the same. Rounds never announced (`lifecycle.PUBLIC`) are unknown here.

Categories and nominees are named as opening froze them, in English where asked for and entered
(`name_en`, `label_en`). Who goes forward and which ties mattered is `outcome`'s to say; the
words and numbers a reader sees are `display`'s.
"""

from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.catalogue import seasons
from awards.errors import Conflict, NotAllowed, NotFound
from awards.i18n import N_, Message
from awards.jury.recusals import shown_reason
from awards.models import Category, Juror, Round, RoundRecusal, Season
from awards.results import outcome
from awards.settings import Settings
from awards.trustees import board
from awards.voting import lifecycle, rounds, sealed_files, sealing
from ballots.public import shown_level
from ballots.record import ElectionRecord


@dataclass(frozen=True)
class PublicCategory:
    id: str
    name: str
    """In the language asked for, where the configuration has it (`name_en`)."""
    method: str
    level: str
    kind: str
    """The round's: a nomination round shortlists, a final round awards."""
    quorum: int
    quorum_met: bool
    valid: int | None
    abstentions: int | None
    winners: list[dict[str, str]]
    """nominee (id) and label."""
    forward: list[dict[str, str]]
    """Those who go forward, as `winners`: the winners of a final, a nomination's shortlist."""
    ranking: list[dict[str, Any]]
    """rank, nominee, label, by_lot, winner, advances, tie (`outcome.LOT`, `outcome.TIED` or
    None), and value (None where values are not shown)."""
    trackers: list[str]
    counts: dict[str, Any] = field(default_factory=dict)
    """Where values are shown: the method's details of the results, participants, recused, and
    the method's settings (`trim`), from which `display` says the values in words."""
    invalid: int | None = None
    """Where values are shown: a sealed round's ballots invalid once decrypted (0: none)."""

    @property
    def shows_values(self) -> bool:
        return self.level in ("counts", "full")


def _named(entry: dict[str, Any], english: bool, key: str) -> str:
    """An entry's name (`key`), or its English one (`key`_en) where asked for and entered."""
    return (english and entry.get(f"{key}_en")) or entry[key]


def _english(record: ElectionRecord) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """English names as opening froze them (the configuration's `name_en` and `label_en`)."""
    config = (record.config or {}).get("categories", [])
    names = {c["id"]: _named(c, True, "name") for c in config}
    labels = {(c["id"], n["id"]): _named(n, True, "label") for c in config for n in c["nominees"]}
    return names, labels


def visible_categories(
    record: ElectionRecord,
    results: dict[str, Any],
    threshold: int,
    *,
    full: bool = False,
    english: bool = False,
    shortlist_sizes: dict[str, int | None] | None = None,
) -> list[PublicCategory]:
    """Each category as it may be shown; `full`: everything, for the auditor; `english`: with
    the English names where they were entered. A nomination round's shortlist size is the
    record's (frozen at opening), else `shortlist_sizes` (by category id, from the catalogue)."""
    names, english_labels = _english(record) if english else ({}, {})
    kind = record.round["kind"]
    categories = []
    for category, result in zip(record.categories, results["categories"], strict=True):
        labels = {
            n["id"]: english_labels.get((category.id, n["id"]), n["label"])
            for n in category.nominees
        }
        level = "full" if full else shown_level(category.disclosure, result["valid"], threshold)
        values = level in ("counts", "full")
        size = category.raw.get("shortlist_size", (shortlist_sizes or {}).get(category.id))
        places = outcome.cut(kind, result, size)
        ahead = outcome.forward(kind, result, places)
        winners, going = set(result["winners"]), set(ahead)
        named = [{"nominee": n, "label": labels[n]} for n in result["winners"]]
        forward = [{"nominee": n, "label": labels[n]} for n in ahead]
        if level == "winners":  # in rank order, the winners would tell part of the ranking
            named.sort(key=lambda w: (w["label"], w["nominee"]))
            forward.sort(key=lambda w: (w["label"], w["nominee"]))
        ties = outcome.ties(category.method, result["ranking"], places, result["details"])
        categories.append(
            PublicCategory(
                id=category.id,
                name=names.get(category.id, category.name),
                method=category.method,
                level=level,
                kind=kind,
                quorum=category.quorum,
                quorum_met=result["quorum_met"],
                valid=result["valid"] if values else None,
                abstentions=result["abstentions"] if values else None,
                invalid=result.get("invalid", 0) if values else None,
                winners=named,
                forward=forward,
                ranking=[
                    {
                        "rank": p["rank"],
                        "nominee": p["nominee"],
                        "label": labels[p["nominee"]],
                        "by_lot": p["by_lot"],
                        "tie": tie,
                        "winner": p["nominee"] in winners,
                        "advances": p["nominee"] in going,
                        "value": p["value"] if values else None,
                    }
                    for p, tie in zip(result["ranking"], ties, strict=True)
                ]
                if level != "winners"
                else [],
                trackers=[b.tracker for b in category.ballots] if values else [],
                counts={
                    **result["details"],
                    "participants": category.participants,
                    "recused": category.recused,
                    "trim": category.trim,
                }
                if values
                else {},
            )
        )
    return categories


def shown_document(record: ElectionRecord, categories: list[PublicCategory]) -> dict[str, Any]:
    """The announcement as JSON: what `visible_categories` lets be shown, nothing more."""
    return {
        "format": "awards-announcement/1",
        "record_sha256": record.sha256,
        "round": record.round_id,
        # The counts' details are the results file's (a 330-nominee Schulze table, for one).
        "categories": [_shown(c) for c in categories],
    }


def _shown(category: PublicCategory) -> dict[str, Any]:
    shown = {**asdict(replace(category, counts={})), "shows_values": category.shows_values}
    if not shown["invalid"]:  # as in the results: only a sealed round's, where there are any
        del shown["invalid"]
    return shown


@dataclass(frozen=True)
class Published:
    record: ElectionRecord
    results: dict[str, Any]
    categories: list[PublicCategory]
    record_public: bool
    results_public: bool


def load(
    records_dir: Path,
    round_: Round,
    threshold: int,
    *,
    english: bool = False,
    shortlist_sizes: dict[str, int | None] | None = None,
) -> Published:
    record, results = sealed_files.load(records_dir, round_)
    categories = visible_categories(
        record, results, threshold, english=english, shortlist_sizes=shortlist_sizes
    )
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
    reason: str | Message
    """In the reader's language where the system wrote it (see `recusals.shown_reason`)."""


async def public_rounds(session: AsyncSession) -> list[tuple[Round, Season]]:
    """Every announced round with its season (rounds of two seasons share names: 终评), the
    newest first."""
    rows = await session.execute(
        select(Round, Season)
        .join(Season, Season.id == Round.season_id)
        .where(Round.state.in_(lifecycle.PUBLIC))
        .order_by(Round.id.desc())
    )
    return [(round_, season) for round_, season in rows.tuples()]


@dataclass(frozen=True)
class RoundPage:
    round: Round
    season: Season
    categories: list[dict[str, Any]]
    register: list[RegisterEntry]


async def round_page(session: AsyncSession, round_id: int, *, english: bool = False) -> RoundPage:
    """A round's public page: its categories and its register of recusals, named as opening
    froze them (the catalogue may have changed since); before opening, as they stand.
    `english`: by the English names, where they were entered."""
    round_ = await rounds.get_public_round(session, round_id)
    season = await seasons.get_season(session, round_.season_id)
    categories, register = await _categories_and_register(session, round_, english)
    return RoundPage(round_, season, categories, register)


async def _categories_and_register(
    session: AsyncSession, round_: Round, english: bool
) -> tuple[list[dict[str, Any]], list[RegisterEntry]]:
    if round_.config_sha256 is None:
        categories = [
            {"name": (english and c.name_en) or c.name, "method": c.method}
            for c in await rounds.categories_in_round(session, round_.id)  # a final's own method
        ]
        return categories, []
    config = await sealing.frozen_config(session, round_.id)
    names = {
        n["id"]: (_named(c, english, "name"), _named(n, english, "label"))
        for c in config["categories"]
        for n in c["nominees"]
    }
    register = []
    for juror, nominee_id, reason in await session.execute(
        select(Juror.name, RoundRecusal.nominee_id, RoundRecusal.reason)
        .join(Juror, Juror.id == RoundRecusal.juror_id)
        .where(RoundRecusal.round_id == round_.id)
        .order_by(Juror.name, RoundRecusal.nominee_id)
    ):
        category, label = names[rounds.nominee_key(nominee_id)]
        register.append(RegisterEntry(juror, category, label, shown_reason(reason)))
    categories = [{**c, "name": _named(c, english, "name")} for c in config["categories"]]
    return categories, register


async def shortlist_sizes(session: AsyncSession, round_: Round) -> dict[str, int | None]:
    """The catalogue's shortlist size of each category of the round's season, by code: for
    rounds whose record froze none (opened before records carried it)."""
    found = await session.execute(
        select(Category.code, Category.shortlist_size).where(Category.season_id == round_.season_id)
    )
    return dict(found.tuples().all())


async def _sealed(
    session: AsyncSession, round_id: int, settings: Settings, missing: str, *, english: bool
) -> tuple[Round, Season, Published]:
    """A closed round, its season and its sealed files (checked against the seal); `missing`
    is the 404 message for a round not closed yet."""
    round_ = await rounds.get_public_round(session, round_id)
    if round_.state != "closed":
        raise NotFound(missing)
    season = await seasons.get_season(session, round_.season_id)
    published = load(
        settings.records_dir,
        round_,
        settings.small_jury_threshold,
        english=english,
        shortlist_sizes=await shortlist_sizes(session, round_),
    )
    return round_, season, published


@dataclass(frozen=True)
class ResultsPage:
    round: Round
    season: Season
    published: Published
    found: str | None
    """The category whose ballots hold the tracker looked for, if any."""
    receipt: str | None = None
    """A sealed round's: the receipt of the board entry under that tracker..."""
    replaced: bool = False
    """...and whether a later cast of the same juror replaced it (a booth round)."""

    @property
    def visible(self) -> bool:
        """The results themselves, beyond the seal, once staff have published them."""
        return self.round.published_at is not None


async def results_page(
    session: AsyncSession,
    round_id: int,
    settings: Settings,
    tracker: str = "",
    *,
    english: bool = False,
) -> ResultsPage:
    """`english`: the English names, where they were entered."""
    round_, season, published = await _sealed(
        session, round_id, settings, N_("No results yet."), english=english
    )
    found, receipt, replaced = None, None, False
    if tracker and round_.board_sha256:  # a sealed round: the juror's tracker is on the board
        on_board = await board.find_tracker(session, round_.id, tracker)
        if on_board:
            found, receipt, replaced = on_board.category, on_board.receipt, on_board.replaced
    elif tracker:
        found = find_tracker(published.record, tracker)
    if found is not None:  # named as the page names it (in English, its English name)
        found = next(c.name for c in published.categories if c.id == found)
    return ResultsPage(round_, season, published, found, receipt, replaced)


SEALED_FILES = sealed_files.KINDS


async def sealed_file(
    session: AsyncSession, round_id: int, kind: str, settings: Settings, *, auditor: bool
) -> tuple[str, bytes]:
    """A sealed file (`kind`: one of SEALED_FILES) as its name and bytes, read again and so
    checked against the seal again: once the results are published, the public record for
    everyone, the record and the results where every category allows them; always for the
    auditor."""
    if kind not in SEALED_FILES:
        raise NotFound(N_("No such file."))
    round_, _season, published = await _sealed(
        session, round_id, settings, N_("No such file."), english=False
    )
    allowed = {
        "record": published.record_public,
        "results": published.results_public,
        "public": True,
        "annex": published.record_public,  # once decrypted, it shows what the record shows
    }[kind]
    if not auditor and (round_.published_at is None or not allowed):
        raise NotAllowed(N_("This file is not public; the auditor can download it."))
    path, seal = sealed_files.sealed_file(settings.records_dir, round_, kind)
    return path.name, sealed_files.sealed_bytes(path, seal)


def find_tracker(record: ElectionRecord, tracker: str) -> str | None:
    """The id of the category whose ballots hold this tracker, if any."""
    tracker = tracker.strip().lower()
    for category in record.categories:
        if any(b.tracker == tracker for b in category.ballots):
            return category.id
    return None


def ensure_publishable(round_: Round) -> None:
    if round_.state != "closed" or not round_.record_sha256:
        raise Conflict(N_("Only a closed and sealed round can be published."))
    if round_.published_at is not None:
        raise Conflict(N_("These results are published already."))


async def publish(session: AsyncSession, round_: Round, now: datetime, actor: str) -> None:
    ensure_publishable(round_)
    before = audit.snapshot(round_)
    round_.published_at = now
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_PUBLISHED)
