"""Casting a secret ballot. The rules (DESIGN.md, "Ballot secrecy"):

- one transaction marks participation and inserts one ballot per eligible category, or does
  neither; participation is inserted first with ON CONFLICT DO NOTHING, so under any concurrency
  exactly one cast per juror and round succeeds and every other answers AlreadyVoted;
- ballots carry a fresh random tracker, the round, the category and the content, nothing else;
- trackers go back to the juror once, in the answer, and are kept nowhere else; nothing here
  logs, audits or stores in a session any ballot content or tracker.
"""

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards.database import Database
from awards.errors import Conflict, DomainError, NotAllowed
from awards.i18n import N_, _
from awards.models import (
    Ballot,
    Category,
    Nominee,
    Participation,
    Round,
    RoundCategory,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
)
from awards.rounds import get_round, nominee_key
from ballots.canonical import canonical_json
from ballots.content import ABSTAIN, RANKED, BallotRules, mentioned, new_tracker, problem


class AlreadyVoted(Conflict):
    pass


class RoundNotOpen(Conflict):
    pass


class InvalidBallot(DomainError):
    """One message per category; nothing was stored."""

    status_code = 422

    def __init__(self, errors: dict[Any, str]) -> None:
        super().__init__(N_("The ballot was not cast: correct the marked categories."))
        self.errors = errors


@dataclass(frozen=True)
class BallotNominee:
    key: str
    label: str
    kind: str
    companies: list[str]
    broadcaster: str
    recusal: str | None


@dataclass(frozen=True)
class BallotCategory:
    category: "CategorySnapshot"
    nominees: list[BallotNominee]
    rules: BallotRules

    @property
    def field(self) -> str:
        return f"c{self.category.id}"


@dataclass
class BallotSheet:
    round: Round
    categories: list[BallotCategory] = field(default_factory=list)


def _order_key(secret: str, round_id: int, juror_id: int, nominee_id: int) -> str:
    """A per-juror shuffle against ballot-order bias, stable across page loads."""
    message = f"{round_id}:{juror_id}:{nominee_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def ensure_open(round_: Round, now: datetime) -> None:
    if round_.state != "open" or (round_.closes_at is not None and round_.closes_at <= now):
        raise RoundNotOpen(N_("This round is not open for voting."))


async def has_voted(session: AsyncSession, round_id: int, juror_id: int) -> bool:
    return await session.get(Participation, (round_id, juror_id)) is not None


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


@dataclass(frozen=True)
class _FrozenRound:
    categories: dict[int, CategorySnapshot]
    nominees: dict[int, list[tuple[int, BallotNominee]]]  # category -> (nominee id, card)


# Opening freezes a round for good, so each process reads its ballot contents once.
_frozen: dict[tuple[int, datetime], _FrozenRound] = {}


async def _frozen_round(session: AsyncSession, round_: Round) -> _FrozenRound:
    key = (round_.id, round_.opened_at)
    if key in _frozen:
        return _frozen[key]
    categories = await session.scalars(
        select(Category)
        .join(RoundCategory, RoundCategory.category_id == Category.id)
        .where(RoundCategory.round_id == round_.id)
        .order_by(Category.position, Category.id)
    )
    snapshots = {
        c.id: CategorySnapshot(
            c.id, c.code, c.name, c.method, c.max_choices, c.score_min, c.score_max
        )
        for c in categories
    }
    nominees: dict[int, list[tuple[int, BallotNominee]]] = {c: [] for c in snapshots}
    for n in await session.scalars(
        select(Nominee)
        .join(RoundNominee, RoundNominee.nominee_id == Nominee.id)
        .where(RoundNominee.round_id == round_.id)
        .options(selectinload(Nominee.drama))
    ):
        card = BallotNominee(
            key=nominee_key(n.id),
            label=n.label,
            kind=n.drama.kind,
            companies=n.drama.company_list,
            broadcaster=n.drama.broadcaster,
            recusal=None,
        )
        nominees.setdefault(n.category_id, []).append((n.id, card))
    frozen = _FrozenRound(snapshots, nominees)
    if round_.state in ("open", "closed"):
        _frozen[key] = frozen
    return frozen


async def ballot_sheet(
    session: AsyncSession, round_: Round, juror_id: int, secret: str
) -> BallotSheet:
    """What this juror may vote on in this round, nominees in the juror's own order."""
    frozen = await _frozen_round(session, round_)
    eligible = set(
        await session.scalars(
            select(RoundEligibility.category_id).where(
                RoundEligibility.round_id == round_.id, RoundEligibility.juror_id == juror_id
            )
        )
    )
    recusals = dict(
        (
            await session.execute(
                select(RoundRecusal.nominee_id, RoundRecusal.reason).where(
                    RoundRecusal.round_id == round_.id, RoundRecusal.juror_id == juror_id
                )
            )
        ).all()
    )
    sheet = BallotSheet(round_)
    for category in frozen.categories.values():
        if category.id not in eligible:
            continue
        ordered = sorted(
            frozen.nominees.get(category.id, []),
            key=lambda item: _order_key(secret, round_.id, juror_id, item[0]),
        )
        shown = [replace(card, recusal=recusals.get(nominee_id)) for nominee_id, card in ordered]
        rules = BallotRules(
            method=category.method,
            nominees=frozenset(n.key for n in shown if n.recusal is None),
            max_choices=category.max_choices,
            score_min=category.score_min,
            score_max=category.score_max,
        )
        sheet.categories.append(BallotCategory(category, shown, rules))
    return sheet


async def load_sheet(
    db: Database, round_id: int, juror_id: int, secret: str, now: datetime
) -> BallotSheet:
    """The ballot sheet, read in a short transaction of its own: casting then holds the write
    lock only for its inserts, and no request ever waits for a second pooled connection."""
    async with db.reader() as session:
        round_ = await get_round(session, round_id)
        ensure_open(round_, now)
        return await ballot_sheet(session, round_, juror_id, secret)


def _values(form: Mapping[str, Any], name: str) -> list[str]:
    value = form.get(name)
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def read_form(sheet: BallotSheet, form: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """Ballot contents from the ballot page's fields; InvalidBallot names each bad category.

    Fields: `c{id}.abstain` (abstain), `c{id}` (approval: the approved keys), and
    `c{id}.{key}` (ranked: the rank number; score methods: the score)."""
    contents: dict[int, dict[str, Any]] = {}
    errors: dict[int, str] = {}
    for item in sheet.categories:
        category, prefix = item.category, item.field
        try:
            if _values(form, f"{prefix}.abstain") not in ([], [""]):
                contents[category.id] = dict(ABSTAIN)
            elif category.method == "approval":
                contents[category.id] = {"approve": sorted(set(_values(form, prefix)))}
            elif category.method in RANKED:
                contents[category.id] = _ranking(form, item)
            else:
                contents[category.id] = _scores(form, item)
        except ValueError as exc:
            errors[category.id] = str(exc)
    if errors:
        raise InvalidBallot(errors)
    return contents


def _numbers(form: Mapping[str, Any], item: BallotCategory) -> dict[str, int]:
    numbers = {}
    for nominee in item.nominees:
        raw = "".join(_values(form, f"{item.field}.{nominee.key}")).strip()
        if raw:
            try:
                numbers[nominee.key] = int(raw)
            except ValueError:
                raise ValueError(_("“%(value)s” is not a whole number.", value=raw[:20])) from None
    return numbers


def _ranking(form: Mapping[str, Any], item: BallotCategory) -> dict[str, Any]:
    ranks = _numbers(form, item)
    if any(rank < 1 for rank in ranks.values()):
        raise ValueError(_("Ranks start at 1."))
    if len(set(ranks.values())) != len(ranks):
        raise ValueError(_("Two nominees have the same rank."))
    if not ranks:
        raise ValueError(_("Rank at least one nominee, or abstain."))
    return {"ranking": sorted(ranks, key=ranks.__getitem__)}


def _scores(form: Mapping[str, Any], item: BallotCategory) -> dict[str, Any]:
    scores = _numbers(form, item)
    if not scores:
        raise ValueError(_("Score at least one nominee, or abstain."))
    return {"scores": scores}


def check(sheet: BallotSheet, contents: Mapping[int, Mapping[str, Any]]) -> None:
    """Every eligible category has exactly one valid ballot, and none favours a recused nominee."""
    errors: dict[int, str] = {}
    expected = {item.category.id: item for item in sheet.categories}
    for category_id in set(contents) - set(expected):
        errors[category_id] = _("You may not vote in this category.")
    for category_id, item in expected.items():
        content = contents.get(category_id)
        if content is None:
            errors[category_id] = _("Vote in this category, or abstain.")
            continue
        recused = {n.key for n in item.nominees if n.recusal}
        if recused & mentioned(content):
            errors[category_id] = _("You are recused from a nominee you chose.")
        elif reason := problem(dict(content), item.rules):
            errors[category_id] = _explain(reason, item)
    if errors:
        raise InvalidBallot(errors)


def _explain(reason: str, item: BallotCategory) -> str:
    if reason.startswith("more than"):
        return _("Choose at most %(n)s.", n=item.rules.max_choices)
    if "is below" in reason or "is above" in reason:
        return _(
            "Scores run from %(lo)s to %(hi)s.", lo=item.rules.score_min, hi=item.rules.score_max
        )
    if reason.startswith("not a nominee"):
        return _("A choice is not a nominee of this category.")
    return _("This ballot is not valid: %(reason)s.", reason=reason)


def _insert_participation(dialect: str, round_id: int, juror_id: int) -> Any:
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    return (
        insert(Participation)
        .values(round_id=round_id, juror_id=juror_id)
        .on_conflict_do_nothing()
        .returning(Participation.juror_id)
    )


async def cast(
    session: AsyncSession,
    sheet: BallotSheet,
    juror_id: int,
    contents: Mapping[int, Mapping[str, Any]],
    now: datetime,
) -> dict[int, str]:
    """Store the juror's ballots; returns {category id: tracker}, to be shown once.

    `sheet` comes from `ballot_sheet`, read before this transaction: it holds only what opening
    froze, so it cannot change meanwhile, and the write lock is held just for the inserts."""
    if not sheet.categories:
        raise NotAllowed(N_("You are not on the jury of this round."))
    check(sheet, contents)
    round_id = sheet.round.id
    round_ = await get_round(session, round_id, share=True)  # a close waits for casts, and v.v.
    ensure_open(round_, now)
    marked = await session.execute(
        _insert_participation(session.bind.dialect.name, round_id, juror_id)
    )
    if marked.scalar_one_or_none() is None:  # the row was there already: nothing inserted
        raise AlreadyVoted(N_("You have already voted in this round. A ballot is cast only once."))
    trackers = {category_id: new_tracker() for category_id in contents}
    await session.execute(
        insert(Ballot),
        [
            {
                "tracker": trackers[c],
                "round_id": round_id,
                "category_id": c,
                "content": canonical_json(dict(content)).decode(),
            }
            for c, content in contents.items()
        ],
    )
    return trackers
