"""Casting in a booth round: the juror's browser encrypts each ballot (`static/booth/`) and the
server stores what it sends, once the server has checked all it can without reading a vote.

What the server checks (every refusal names the category and what failed; nothing is stored):
- the juror is on the jury and the round is open; one entry for each category the juror votes in;
- each entry's tracker is the juror's next one for its category (below); its width is the
  category's; the isolated nominees it names as recused are exactly those the juror is recused
  from (their parts are replaced before the shuffle by the public "no opinion" ciphertext,
  `ballots.sealed.board.no_opinion`); its proof of knowledge holds, bound to round, category,
  tracker and that list, so that no one can cast a copy of another juror's ciphertext.

Changing a vote. A juror may cast again until the close; the latest cast counts. A booth round's
trackers are not random: the k-th cast of a juror in a category has the tracker
HMAC(server secret, round, juror, category, k). The server walks a juror's trackers to know the
next one, and at the close to know which entries a later one replaced (`latest`); nothing is
stored to link a juror to an entry, but whoever holds the server's secret can link them, as the
Helios bulletin board links voters to ciphertexts. That link tells nothing of a vote: the entry
is encrypted to the trustees, and the shuffle separates it from every decrypted ballot.
"""

import hashlib
import hmac
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.engine import Connection

from awards.errors import Conflict, NotAllowed
from awards.i18n import N_, Message
from awards.models import Ballot
from awards.trustees.box import Box
from awards.voting.ballot_sheets import BallotCategory, BallotSheet, ensure_open, round_head
from awards.voting.casting import PARTICIPATE, Cast, InvalidBallot
from ballots.canonical import canonical_json
from ballots.sealed.board import Entry, check_entry, receipt

MAX_CASTS = 20
"""How many times a juror may cast in a round: a changed mind, not a flood of the board."""

_BALLOTS = insert(Ballot)
_IN_BOX = select(Ballot.tracker, Ballot.category_id, Ballot.content).where(
    Ballot.round_id == bindparam("round_id"),
    Ballot.tracker.in_(bindparam("trackers", expanding=True)),
)


class StalePage(Conflict):
    """The ballot was cast meanwhile from another page: this one's trackers are used."""


def tracker(secret: str, round_id: int, juror_id: int, category_id: int, k: int) -> str:
    """The tracker of the juror's k-th cast (from 0) in the category."""
    message = f"booth-tracker|{round_id}|{juror_id}|{category_id}|{k}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def walk(
    secret: str,
    round_id: int,
    juror_id: int,
    category_ids: Iterable[int],
    in_box: Callable[[list[str]], Collection[str]],
) -> dict[int, list[str]]:
    """The juror's trackers already in the box, by category, in casting order; `in_box` says
    which of some trackers are there (a query, or a set at the close)."""
    found: dict[int, list[str]] = {c: [] for c in category_ids}
    walking = list(found)
    while walking and all(len(found[c]) <= MAX_CASTS for c in walking):
        candidates = {tracker(secret, round_id, juror_id, c, len(found[c])): c for c in walking}
        present = set(in_box(list(candidates)))
        walking = []
        for candidate, category_id in candidates.items():
            if candidate in present:
                found[category_id].append(candidate)
                walking.append(category_id)
    return found


def _query(connection: Connection, round_id: int) -> Callable[[list[str]], set[str]]:
    def in_box(trackers: list[str]) -> set[str]:
        rows = connection.execute(_IN_BOX, {"round_id": round_id, "trackers": trackers})
        return {row.tracker for row in rows}

    return in_box


@dataclass(frozen=True)
class Next:
    trackers: dict[int, str]
    """By category id: the tracker the juror's next cast takes there."""
    voted: bool
    """Whether the juror has cast already (every cast of a booth round fills every category)."""


def next_cast(connection: Connection, sheet: BallotSheet, juror_id: int, secret: str) -> Next:
    """A reading unit: what the juror's next cast takes."""
    casts = walk(
        secret,
        sheet.round.id,
        juror_id,
        [item.category.id for item in sheet.categories],
        _query(connection, sheet.round.id),
    )
    return Next(
        {c: tracker(secret, sheet.round.id, juror_id, c, len(done)) for c, done in casts.items()},
        any(casts.values()),
    )


def booth_box(sheet: BallotSheet) -> Box:
    """The round's encrypted box, if its ballots are encrypted in the juror's browser."""
    if sheet.box is None or not sheet.round.booth:
        raise NotAllowed(N_("This round does not take ballots encrypted by the juror's browser."))
    return sheet.box


def recused_parts(isolated: list[str], item: BallotCategory) -> list[str]:
    """The category's isolated nominees (in configuration order) that the juror is recused
    from: what the juror's entry names as `recused`."""
    mine = {n.key for n in item.nominees if n.recusal is not None}
    return [n for n in isolated if n in mine]


def check_entries(sheet: BallotSheet, entries: Mapping[str, Entry]) -> dict[int, Entry]:
    """The entries by category id, each checked on its own (no database needed: a juror's dozen
    proofs take milliseconds, checked before the write lock is taken); InvalidBallot names every
    category refused. The trackers are checked by `cast`."""
    box = booth_box(sheet)
    by_code = {item.category.code: item for item in sheet.categories}
    errors: dict[str, str | Message] = {}
    for code in entries:
        if code not in by_code:
            errors[code] = Message("You may not vote in this category.")
    checked: dict[int, Entry] = {}
    for code, item in by_code.items():
        entry = entries.get(code)
        if entry is None:
            errors[code] = Message("Vote in this category, or abstain.")
        elif len(entry.ballot) != (width := box.layouts[code].width):
            errors[code] = Message(
                "This encrypted ballot has %(given)s parts; the category's ballot has %(parts)s.",
                given=len(entry.ballot),
                parts=width,
            )
        elif list(entry.recused) != recused_parts(box.isolated[code], item):
            errors[code] = Message("The recusals this ballot names are not yours.")
        elif not check_entry(box.context, code, width, entry):
            errors[code] = Message("The proof of this encrypted ballot does not hold.")
        else:
            checked[item.category.id] = entry
    if errors:
        raise InvalidBallot(errors)
    return checked


def cast(
    connection: Connection,
    sheet: BallotSheet,
    juror_id: int,
    entries: Mapping[int, Entry],
    now: datetime,
    secret: str,
) -> Cast:
    """A writing unit: store the juror's checked entries (`check_entries`), whose trackers must
    be the juror's next ones; the same cast sent again answers with the same receipts."""
    if not sheet.categories:
        raise NotAllowed(N_("You are not on the jury of this round."))
    round_id = sheet.round.id
    ensure_open(round_head(connection, round_id, share=True), now)
    codes = {item.category.id: item.category.code for item in sheet.categories}
    casts = walk(secret, round_id, juror_id, codes, _query(connection, round_id))
    given = {c: e.tracker for c, e in entries.items()}
    receipts = {c: receipt(codes[c], e.to_json()) for c, e in entries.items()}
    repeated = all(casts[c] and casts[c][-1] == t for c, t in given.items())
    if repeated and _stored_as_sent(connection, round_id, entries):
        return Cast(given, receipts, again=True)
    expected = {c: tracker(secret, round_id, juror_id, c, len(casts[c])) for c in codes}
    foreign = {
        codes[c]: Message("This ballot was encrypted under a tracker that is not yours.")
        for c, t in given.items()
        if t != expected[c] and t not in casts[c]
    }
    if foreign:  # another juror's entry, replayed whole: its proof is bound to their tracker
        raise InvalidBallot(dict(foreign))
    if given != expected:  # the juror's own earlier tracker: cast meanwhile from another page
        raise StalePage(N_("This ballot page is out of date: open your ballot again."))
    if any(len(done) >= MAX_CASTS for done in casts.values()):
        raise Conflict(
            N_("You have cast this ballot %(n)s times: it cannot be changed again."), n=MAX_CASTS
        )
    connection.execute(
        PARTICIPATE[connection.dialect.name], {"round_id": round_id, "juror_id": juror_id}
    )
    connection.execute(
        _BALLOTS,
        [
            {
                "tracker": e.tracker,
                "round_id": round_id,
                "category_id": c,
                "content": canonical_json(e.sealed()).decode(),
            }
            for c, e in entries.items()
        ],
    )
    return Cast(given, receipts, again=False)


def _stored_as_sent(connection: Connection, round_id: int, entries: Mapping[int, Entry]) -> bool:
    rows = connection.execute(
        _IN_BOX, {"round_id": round_id, "trackers": [e.tracker for e in entries.values()]}
    )
    stored = {row.category_id: row.content for row in rows}
    return stored == {c: canonical_json(e.sealed()).decode() for c, e in entries.items()}


def latest(
    secret: str,
    round_id: int,
    jurors: Iterable[int],
    category_ids: Collection[int],
    box: Collection[str],
) -> tuple[set[str], set[str]]:
    """At the close: (the entries that count, the entries a later cast replaced), from the
    trackers in the box and the jurors who cast. Every tracker of the box is one or the other,
    or the server's secret changed during the round (the close then refuses)."""
    counted: set[str] = set()
    replaced: set[str] = set()
    for juror_id in jurors:
        walked = walk(
            secret, round_id, juror_id, category_ids, lambda ts: [t for t in ts if t in box]
        )
        for done in walked.values():
            if done:
                counted.add(done[-1])
                replaced.update(done[:-1])
    return counted, replaced
