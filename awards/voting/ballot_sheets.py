"""What a juror may vote on: the ballot sheet of a round, read on every ballot page and cast.

Opening freezes a round's configuration (categories, nominees with the labels and card details
jurors see) into one document whose hash the manifest publishes; the ballot pages read only
that document, never the live catalogue, so every juror on every worker sees exactly what was
published. Each process reads a round's document once; what is read per request (the round's
state, the juror's eligibility, recusals and participation) is a few indexed rows, read as units
(see `awards.database`).
"""

import hashlib
import hmac
import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TypeVar

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from awards.database import Database
from awards.errors import Conflict, NotFound
from awards.i18n import N_, Message
from awards.jury.recusals import shown_reason
from awards.models import (
    Category,
    Participation,
    Round,
    RoundCategory,
    RoundConfig,
    RoundEligibility,
    RoundRecusal,
)
from awards.trustees.box import Box, box
from awards.voting import lifecycle
from awards.voting.rounds import nominee_id_of, nominee_key
from ballots.content import BallotRules

_T = TypeVar("_T")


class RoundNotOpen(Conflict):
    pass


@dataclass(frozen=True)
class BallotNominee:
    key: str
    label: str
    kind: str
    companies: list[str]
    broadcaster: str
    recusal: str | Message | None
    """The public reason, in the reader's language where the system wrote it."""
    label_en: str | None = None
    """The English label, where the drama has an English title."""
    role: str = ""
    """A person's role in the drama, as staff entered it (e.g. 饰 阿宝)."""


@dataclass(frozen=True)
class BallotCategory:
    category: "CategorySnapshot"
    nominees: list[BallotNominee]
    rules: BallotRules

    @property
    def field(self) -> str:
        return f"c{self.category.id}"


@dataclass(frozen=True)
class RoundHead:
    """What voting needs of a round, read on every cast: a row, not an ORM object."""

    id: int
    name: str
    state: str
    opened_at: datetime | None
    closes_at: datetime | None
    config_sha256: str | None
    election_key: str | None = None
    """A sealed round's key (set before opening, never changed after)."""
    booth: bool = False
    """A sealed round whose ballots the juror's browser encrypts (`booth_casting`)..."""
    booth_sha256: str | None = None
    """...with the booth's code whose hash opening published."""


# The statements of the voting path are built once, with bound parameters: building one per
# call costs its construction and its cache key on every request.
_ROUND_HEAD = select(
    Round.id,
    Round.name,
    Round.state,
    Round.opened_at,
    Round.closes_at,
    Round.config_sha256,
    Round.election_key,
    Round.booth,
    Round.booth_sha256,
).where(Round.id == bindparam("round_id"))
# FOR SHARE on PostgreSQL: casts run side by side while a close (FOR UPDATE) waits for them, and
# they for it. SQLite leaves it out; its writers are serialised anyway.
_ROUND_HEAD_SHARED = _ROUND_HEAD.with_for_update(read=True)
_VOTED = select(Participation.juror_id).where(
    Participation.round_id == bindparam("round_id"), Participation.juror_id == bindparam("juror_id")
)
_ELIGIBLE = select(RoundEligibility.category_id).where(
    RoundEligibility.round_id == bindparam("round_id"),
    RoundEligibility.juror_id == bindparam("juror_id"),
)
_RECUSALS = select(RoundRecusal.nominee_id, RoundRecusal.reason).where(
    RoundRecusal.round_id == bindparam("round_id"), RoundRecusal.juror_id == bindparam("juror_id")
)


def round_head(connection: Connection, round_id: int, *, share: bool = False) -> RoundHead:
    found = connection.execute(
        _ROUND_HEAD_SHARED if share else _ROUND_HEAD, {"round_id": round_id}
    ).first()
    if found is None or found.state not in lifecycle.PUBLIC:  # a draft is no juror's business
        raise NotFound("No such round.")
    return RoundHead(*found)


@dataclass(frozen=True)
class RecusedCategory:
    """A ranked category of the juror's panel in which the juror does not vote: a ranking
    places every nominee against the others, so a juror recused from one of them ranks none
    (see `awards.jury.recusals`). The ballot shows it with the reasons, never silently drops it."""

    category: "CategorySnapshot"
    recusals: list[tuple[BallotNominee, str | Message]]  # the nominee, the reason

    @property
    def field(self) -> str:
        return f"c{self.category.id}"


@dataclass
class BallotSheet:
    round: RoundHead
    categories: list[BallotCategory] = field(default_factory=list)
    """What the juror votes on: one ballot each."""
    recused: list[RecusedCategory] = field(default_factory=list)
    shown: list[BallotCategory | RecusedCategory] = field(default_factory=list)
    """Both, in the round's order: what the ballot page shows."""
    box: Box | None = None
    """A sealed round's: casting stores only the encryption of each ballot."""


def _juror_order(
    secret: str, round_id: int, juror_id: int, category_id: int, items: list[_T]
) -> list[_T]:
    """A per-juror shuffle against ballot-order bias, stable across page loads: a generator
    seeded with an HMAC of round, juror and category shuffles the frozen order (one HMAC per
    category, not one per nominee: a nomination category may list hundreds of dramas)."""
    message = f"{round_id}:{juror_id}:{category_id}".encode()
    seed = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    shuffled = list(items)
    random.Random(seed).shuffle(shuffled)  # noqa: S311 (display order; the seed is secret)
    return shuffled


def ensure_open(round_: RoundHead, now: datetime) -> None:
    if round_.state != "open" or (round_.closes_at is not None and round_.closes_at <= now):
        raise RoundNotOpen(N_("This round is not open for voting."))


def voting_status(connection: Connection, round_id: int, juror_id: int) -> tuple[RoundHead, bool]:
    """A unit (see `awards.database`): the round, and whether the juror has voted in it."""
    return round_head(connection, round_id), has_voted(connection, round_id, juror_id)


def has_voted(connection: Connection, round_id: int, juror_id: int) -> bool:
    found = connection.execute(_VOTED, {"round_id": round_id, "juror_id": juror_id}).first()
    return found is not None


@dataclass(frozen=True)
class CategorySnapshot:
    """A category as its round froze it: what the ballot page and the checks need."""

    id: int
    code: str
    name: str
    method: str
    max_choices: int | None
    score_min: int | None
    score_max: int | None
    name_en: str | None = None


@dataclass(frozen=True)
class _FrozenRound:
    categories: dict[int, CategorySnapshot]
    nominees: dict[int, list[tuple[int, BallotNominee]]]  # category -> (nominee id, card)
    box: Box | None = None
    """A sealed round's encrypted box: what casting encrypts to."""


# A round's configuration never changes once opened, so each process reads it once; the key
# names the configuration and the election key, the two things a frozen round is made of.
_frozen: dict[tuple[int, str, str | None], _FrozenRound] = {}
_CONFIG = select(RoundConfig.document).where(RoundConfig.round_id == bindparam("round_id"))
_RECUSED = select(RoundRecusal.nominee_id).where(RoundRecusal.round_id == bindparam("round_id"))
_CATEGORY_IDS = (
    select(Category.code, Category.id)
    .join(RoundCategory, RoundCategory.category_id == Category.id)
    .where(RoundCategory.round_id == bindparam("round_id"))
)


def _frozen_round(connection: Connection, round_: RoundHead) -> _FrozenRound:
    if round_.config_sha256 is None:
        raise RoundNotOpen(N_("This round is not open for voting."))
    key = (round_.id, round_.config_sha256, round_.election_key)
    if key not in _frozen:
        params = {"round_id": round_.id}
        config = json.loads(connection.execute(_CONFIG, params).scalar_one())
        frozen = _read_frozen(
            config, dict(connection.execute(_CATEGORY_IDS, params).tuples().all())
        )
        if round_.election_key:
            recused = {nominee_key(n) for n in connection.scalars(_RECUSED, params)}
            sealed = box(config, round_.election_key, recused)
            if not round_.booth:  # the server encrypts: pads for the casts to come
                sealed.pads.start()  # (`awards.trustees.box`); a booth round needs none
            frozen = replace(frozen, box=sealed)
        _frozen[key] = frozen
    return _frozen[key]


def _read_frozen(config: dict, category_ids: dict[str, int]) -> _FrozenRound:
    """The ballot's categories and nominee cards, from the configuration document. (Category
    codes cannot change once a round has opened with the category, so code -> id holds.)"""
    categories, nominees = {}, {}
    for frozen in config["categories"]:
        category_id = category_ids[frozen["id"]]
        categories[category_id] = CategorySnapshot(
            category_id,
            frozen["id"],
            frozen["name"],
            frozen["method"],
            frozen.get("max_choices"),
            frozen.get("score_min"),
            frozen.get("score_max"),
            frozen.get("name_en"),  # rounds opened before English names were frozen have none
        )
        nominees[category_id] = [
            (
                nominee_id_of(n["id"]),
                BallotNominee(
                    key=n["id"],
                    label=n["label"],
                    # Rounds opened before card details were frozen have labels only.
                    kind=n.get("kind", ""),
                    companies=n.get("companies", []),
                    broadcaster=n.get("broadcaster", ""),
                    recusal=None,
                    label_en=n.get("label_en"),
                    role=n.get("role", ""),
                ),
            )
            for n in frozen["nominees"]
        ]
    return _FrozenRound(categories, nominees)


def ballot_sheet(
    connection: Connection, round_: RoundHead, juror_id: int, secret: str
) -> BallotSheet:
    """What this juror may vote on in this round, nominees in the juror's own order."""
    frozen = _frozen_round(connection, round_)
    params = {"round_id": round_.id, "juror_id": juror_id}
    eligible = set(connection.scalars(_ELIGIBLE, params))
    recusals = {n: shown_reason(r) for n, r in connection.execute(_RECUSALS, params).tuples()}
    sheet = BallotSheet(round_, box=frozen.box)
    for category in frozen.categories.values():
        if category.id not in eligible:
            # Opening froze recusals only for jurors of the category's panels.
            reasons = [
                (card, recusals[nominee_id])
                for nominee_id, card in frozen.nominees.get(category.id, [])
                if nominee_id in recusals
            ]
            if reasons:
                sheet.recused.append(RecusedCategory(category, reasons))
                sheet.shown.append(sheet.recused[-1])
            continue
        ordered = _juror_order(
            secret, round_.id, juror_id, category.id, frozen.nominees.get(category.id, [])
        )
        cards = [
            replace(card, recusal=recusals[nominee_id]) if nominee_id in recusals else card
            for nominee_id, card in ordered
        ]
        rules = BallotRules(
            method=category.method,
            nominees=frozenset(n.key for n in cards if n.recusal is None),
            max_choices=category.max_choices,
            score_min=category.score_min,
            score_max=category.score_max,
        )
        sheet.categories.append(BallotCategory(category, cards, rules))
        sheet.shown.append(sheet.categories[-1])
    return sheet


async def load_sheet(
    db: Database, round_id: int, juror_id: int, secret: str, now: datetime
) -> BallotSheet:
    """The ballot sheet, read in a short transaction of its own: casting then holds the write
    lock only for its inserts, and no request ever waits for a second pooled connection."""
    return await db.read(open_sheet, round_id, juror_id, secret, now)


def frozen_sheet(connection: Connection, round_id: int, juror_id: int, secret: str) -> BallotSheet:
    """A unit: the ballot sheet as the round froze it, open or not (for pages about a cast)."""
    return ballot_sheet(connection, round_head(connection, round_id), juror_id, secret)


def open_sheet(
    connection: Connection, round_id: int, juror_id: int, secret: str, now: datetime
) -> BallotSheet:
    """A unit: the ballot sheet of a round open now."""
    round_ = round_head(connection, round_id)
    ensure_open(round_, now)
    return ballot_sheet(connection, round_, juror_id, secret)
