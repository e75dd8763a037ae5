"""Casting a secret ballot. The rules (DESIGN.md, "Ballot secrecy"):

- one transaction marks participation and inserts one ballot per eligible category, or does
  neither; participation is inserted first with ON CONFLICT DO NOTHING, so under any concurrency
  exactly one cast per juror and round succeeds and every other answers AlreadyVoted;
- ballots carry a random tracker, the round, the category and the content, nothing else;
- trackers go back to the juror in the answer and are kept nowhere else on the server; nothing
  here logs, audits or stores in a session any ballot content or tracker.

A cast is idempotent for the juror: the trackers are issued before it (`awards.voting.trackers`) and
the cast form carries them, so a submission sent again after a double click, a reload or an
answer lost to a crash, with exactly the trackers of the juror's stored ballots, answers with
those same trackers instead of "already voted". Nothing stored links the juror to them: the
server only compares what the juror's own browser sends with the ballot box.

`cast` is a writing unit (see `awards.database`): the whole transaction is one function call,
which on SQLite runs on the thread that owns the process's writing connection.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from awards.errors import Conflict, DomainError, NotAllowed
from awards.forms import Fields, parse_integer
from awards.i18n import N_, Message
from awards.models import Ballot, Participation
from awards.trustees.box import seal_contents
from awards.voting import trackers as tracking
from awards.voting.ballot_sheets import BallotCategory, BallotSheet, ensure_open, round_head
from ballots.canonical import canonical_json
from ballots.content import (
    ABSTAIN,
    FORMS,
    RANKED,
    SCORED,
    Code,
    Problem,
    new_tracker,
    problem,
)
from ballots.sealed.board import receipt


class AlreadyVoted(Conflict):
    pass


class BoothOnly(Conflict):
    """A booth round takes no plaintext ballot (`awards.voting.booth_casting`)."""


def refuse_plaintext(sheet: BallotSheet) -> None:
    """Before a plaintext ballot is read: a booth round's server never reads a vote."""
    if sheet.round.booth:
        raise BoothOnly(
            N_(
                "In this round your ballot is encrypted in your browser before it is sent: "
                "vote on the ballot page, with JavaScript on."
            )
        )


class InvalidBallot(DomainError):
    """One message per category; nothing was stored."""

    status_code = 422

    def __init__(self, errors: dict[Any, str | Message]) -> None:
        super().__init__(N_("The ballot was not cast: correct the marked categories."))
        self.errors = errors


# ON CONFLICT DO NOTHING RETURNING: a row comes back only when this cast inserted it.
PARTICIPATE = {
    dialect: insert_(Participation)
    .values(round_id=bindparam("round_id"), juror_id=bindparam("juror_id"))
    .on_conflict_do_nothing()
    .returning(Participation.juror_id)
    for dialect, insert_ in (("postgresql", pg_insert), ("sqlite", sqlite_insert))
}
_BALLOTS = insert(Ballot)


def read_form(sheet: BallotSheet, form: Mapping[str, Any]) -> dict[int, dict[str, Any]]:
    """Ballot contents from the ballot page's fields, each read by `Fields` and checked by
    `check`; InvalidBallot names every bad category at once (a juror who corrected one
    category must not then learn of the next one).

    Fields: `c{id}.abstain` (abstain), `c{id}` (approval: the approved keys), and
    `c{id}.{key}` (ranked: the rank number; score methods: the score)."""
    refuse_plaintext(sheet)
    contents: dict[int, dict[str, Any]] = {}
    errors: dict[Any, str | Message] = {}
    for item in sheet.categories:
        fields = Fields(form)
        try:
            content = _content(fields, item)
        except ValueError as exc:
            errors[item.category.id] = str(exc)
            continue
        if fields.errors:
            errors[item.category.id] = next(iter(fields.errors.values()))
        else:
            contents[item.category.id] = content
    try:
        check(sheet, contents)
    except InvalidBallot as exc:  # a category not read is missing there: its own message wins
        errors = {**exc.errors, **errors}
    if errors:
        raise InvalidBallot(errors)
    return contents


def form_values(sheet: BallotSheet, form: Mapping[str, Any]) -> dict[str, Any]:
    """The sheet's own fields as the juror filled them, to show the ballot page again and to
    carry the ballot through the review page: a list of keys for an approval (never one text,
    in which "n1" would be found inside "n12"), a text per rank or score, "on" for an
    abstention. Other fields are dropped, and so are values `read_form` refuses."""
    refuse_plaintext(sheet)
    values: dict[str, Any] = {}
    for item in sheet.categories:
        fields = Fields(form)
        if fields.flag(f"{item.field}.abstain"):
            values[f"{item.field}.abstain"] = "on"
        if item.category.method == "approval":
            values[item.field] = _approved(fields, item)
            continue
        for nominee in item.nominees:
            if number := fields.text(f"{item.field}.{nominee.key}", max_length=20):
                values[f"{item.field}.{nominee.key}"] = number
    return values


def _content(fields: Fields, item: BallotCategory) -> dict[str, Any]:
    if fields.flag(f"{item.field}.abstain"):
        return dict(ABSTAIN)
    if item.category.method == "approval":
        return {"approve": sorted(set(_approved(fields, item)))}
    if item.category.method in RANKED:
        return _ranking(_numbers(fields, item))
    return _scores(_numbers(fields, item))


def _approved(fields: Fields, item: BallotCategory) -> list[str]:
    return fields.texts(item.field, max_count=len(item.nominees), max_length=64)


def _numbers(fields: Fields, item: BallotCategory) -> dict[str, int]:
    numbers = {}
    for nominee in item.nominees:
        raw = fields.text(f"{item.field}.{nominee.key}", max_length=20)
        if raw:
            number = parse_integer(raw)
            if number is None:
                raise ValueError(Message("“%(value)s” is not a whole number.", value=raw))
            numbers[nominee.key] = number
    return numbers


def _ranking(ranks: dict[str, int]) -> dict[str, Any]:
    if any(rank < 1 for rank in ranks.values()):
        raise ValueError(Message("Ranks start at 1."))
    if len(set(ranks.values())) != len(ranks):
        raise ValueError(Message("Two nominees have the same rank."))
    if not ranks:
        raise ValueError(Message("Rank at least one nominee, or abstain."))
    return {"ranking": sorted(ranks, key=ranks.__getitem__)}


def _scores(scores: dict[str, int]) -> dict[str, Any]:
    if not scores:
        raise ValueError(Message("Score at least one nominee, or abstain."))
    return {"scores": scores}


def check(sheet: BallotSheet, contents: Mapping[int, Mapping[str, Any]]) -> None:
    """Every eligible category has exactly one valid ballot, and none favours a recused nominee."""
    errors: dict[int, str | Message] = {}
    expected = {item.category.id: item for item in sheet.categories}
    for category_id in set(contents) - set(expected):
        errors[category_id] = Message("You may not vote in this category.")
    for category_id, item in expected.items():
        content = contents.get(category_id)
        if content is None:
            errors[category_id] = Message("Vote in this category, or abstain.")
        elif found := problem(dict(content), item.rules):
            errors[category_id] = _explain(found, item)
    if errors:
        raise InvalidBallot(errors)


def _explain(found: Problem, item: BallotCategory) -> Message:
    """The juror's words for a problem. Recused nominees are left out of the sheet's rules, so
    choosing one is a "not a nominee" problem that names it."""
    rules = item.rules
    match found.code:
        case Code.NOT_NOMINEE if any(
            n.key == found.params["nominee"] and n.recusal for n in item.nominees
        ):
            return Message("You are recused from a nominee you chose.")
        case Code.NOT_NOMINEE:
            return Message("A choice is not a nominee of this category.")
        case Code.TOO_MANY:
            return Message("Choose at most %(n)s.", n=rules.max_choices)
        case Code.SCORE_BELOW | Code.SCORE_ABOVE:
            return Message(
                "Scores run from %(lo)s to %(hi)s.", lo=rules.score_min, hi=rules.score_max
            )
        case Code.SCORE_NOT_INTEGER:
            value = canonical_json(found.params["score"]).decode()[:20]
            return Message("“%(value)s” is not a whole number.", value=value)
        case Code.EMPTY if rules.method in SCORED:
            return Message("Score at least one nominee, or abstain.")
        case Code.EMPTY:
            return Message("Rank at least one nominee, or abstain.")
        case Code.REPEATED:
            return Message("A nominee is chosen twice.")
        case Code.UNSORTED:
            return Message("List the approved nominees in ascending order of their ids.")
        case Code.ABSTAIN_NOT_TRUE:
            return Message('To abstain, send {"abstain": true}.')
        case Code.SHAPE:
            return Message("This ballot must have the form %(form)s.", form=found.params["form"])
        case Code.NOT_SEALED:  # a sealed record's mark of an invalid ballot: not a juror's form
            return Message("This ballot must have the form %(form)s.", form=FORMS[rules.method])
        case _:  # not_object, unknown_method: not reachable from the form or the API's schema
            return Message("This ballot is not valid.")


def _stored(
    sheet: BallotSheet, contents: Mapping[int, Mapping[str, Any]], trackers: Mapping[int, str]
) -> dict[int, tuple[str, str]]:
    """What the box keeps of each checked ballot, and the juror's receipt of it: its canonical
    JSON in a plain round (no receipt); in a sealed round only its encryption
    (`awards.trustees.box`), so the plaintext is never written."""
    if sheet.box is None:
        return {c: (canonical_json(dict(content)).decode(), "") for c, content in contents.items()}
    codes = {item.category.id: item.category.code for item in sheet.categories}
    return seal_contents(sheet.box, codes, contents, trackers)


@dataclass(frozen=True)
class Cast:
    trackers: dict[int, str]
    """{category id: tracker}, to be shown to the juror."""
    receipts: dict[int, str]
    """A sealed round's: {category id: the receipt of the encrypted ballot}
    (`ballots.sealed.board.receipt`), shown with the tracker; {} in a plain round."""
    again: bool
    """This submission had been stored already (a repeat): nothing new was written."""


def cast(
    connection: Connection,
    sheet: BallotSheet,
    juror_id: int,
    contents: Mapping[int, Mapping[str, Any]],
    now: datetime,
    trackers: Mapping[int, str] | None = None,
) -> Cast:
    """A writing unit: store the juror's ballots, with the `trackers` issued for them (checked
    by `trackers.checked`), else new ones.

    `sheet` comes from `ballot_sheet`, read before this transaction: it holds only what opening
    froze, so it cannot change meanwhile, and the write lock is held just for the inserts."""
    if not sheet.categories:
        raise NotAllowed(N_("You are not on the jury of this round."))
    refuse_plaintext(sheet)
    check(sheet, contents)
    round_id = sheet.round.id
    ensure_open(round_head(connection, round_id, share=True), now)
    marked = connection.execute(
        PARTICIPATE[connection.dialect.name], {"round_id": round_id, "juror_id": juror_id}
    )
    if marked.scalar_one_or_none() is None:  # the row was there already: nothing inserted
        if trackers is not None and tracking.stored(connection, round_id, trackers):
            return Cast(dict(trackers), _receipts(sheet, _in_box(connection, trackers)), True)
        raise AlreadyVoted(N_("You have already voted in this round. A ballot is cast only once."))
    if trackers is None:
        trackers = {category_id: new_tracker() for category_id in contents}
    stored = _stored(sheet, contents, trackers)
    connection.execute(
        _BALLOTS,
        [
            {"tracker": trackers[c], "round_id": round_id, "category_id": c, "content": text}
            for c, (text, _receipt) in stored.items()
        ],
    )
    receipts = {c: given for c, (_text, given) in stored.items() if given}
    return Cast(dict(trackers), receipts, again=False)


_CONTENTS = select(Ballot.category_id, Ballot.tracker, Ballot.content).where(
    Ballot.tracker.in_(bindparam("trackers", expanding=True))
)


def _in_box(connection: Connection, trackers: Mapping[int, str]) -> dict[int, tuple[str, str]]:
    found = connection.execute(_CONTENTS, {"trackers": list(trackers.values())}).tuples()
    return {category_id: (tracker, text) for category_id, tracker, text in found}


def _receipts(sheet: BallotSheet, boxed: Mapping[int, tuple[str, str]]) -> dict[int, str]:
    """A sealed round's receipts of what the box holds under the juror's trackers."""
    if sheet.box is None:
        return {}
    codes = {item.category.id: item.category.code for item in sheet.categories}
    return {
        c: receipt(codes[c], {"tracker": tracker, **json.loads(text)})
        for c, (tracker, text) in boxed.items()
    }
