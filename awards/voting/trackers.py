"""A juror's trackers: drawn by the server before the cast, carried back by the cast form, kept by
the juror's browser, never stored with the juror.

The review page (and the API's ballot definition) hands out one token per category:
`<tracker>.<mac>`, the MAC an HMAC of round, juror, category and tracker under the server's
secret. The cast accepts only tokens this server issued to this juror for these categories, so a
juror cannot cast under a tracker of their own choosing (a vote buyer could otherwise dictate it
in advance and find the ballot in a published record); nothing is stored to check them. The
juror's browser keeps the tokens until they have been shown (`static/cast.js`): a cast sent
again with them answers with the same trackers, and the "you have voted" page asks which of the
kept trackers are in the box.
"""

import hashlib
import hmac
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection

from awards.errors import DomainError, NotAllowed
from awards.forms import Fields
from awards.i18n import N_
from awards.models import Ballot
from awards.voting.ballot_sheets import (
    BallotCategory,
    BallotSheet,
    ensure_open,
    has_voted,
    round_head,
)
from ballots.content import new_tracker

_TRACKER = re.compile(r"[0-9a-f]{32}")
_TOKEN = re.compile(r"([0-9a-f]{32})\.([0-9a-f]{32})")
_OUT_OF_DATE = N_("This ballot page is out of date: open your ballot again.")

_IN_BOX = select(Ballot.category_id, Ballot.tracker).where(
    Ballot.round_id == bindparam("round_id"),
    Ballot.tracker.in_(bindparam("trackers", expanding=True)),
)


class TrackersRefused(DomainError):
    """The trackers of a submission are not the fresh set this server issued for its ballots."""

    status_code = 422


def field(item: BallotCategory) -> str:
    """The cast form's field that carries a category's tracker token."""
    return f"t.{item.field}"


def _mac(secret: str, round_id: int, juror_id: int, category_id: int, tracker: str) -> str:
    message = f"tracker|{round_id}|{juror_id}|{category_id}|{tracker}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()[:32]


def issue(sheet: BallotSheet, juror_id: int, secret: str) -> dict[int, str]:
    """Fresh tokens for the juror's ballots: {category id: token}."""
    tokens = {}
    for item in sheet.categories:
        tracker = new_tracker()
        mac = _mac(secret, sheet.round.id, juror_id, item.category.id, tracker)
        tokens[item.category.id] = f"{tracker}.{mac}"
    return tokens


def from_form(sheet: BallotSheet, form: Mapping[str, Any]) -> dict[int, str] | None:
    """The tokens a cast form carries ({category id: token}), or None when it carries none."""
    fields = Fields(form)
    given = {item.category.id: fields.text(field(item), max_length=65) for item in sheet.categories}
    if fields.errors:
        raise TrackersRefused(_OUT_OF_DATE)
    return given if any(given.values()) else None


def checked(
    tokens: Mapping[int, Any], sheet: BallotSheet, juror_id: int, secret: str
) -> dict[int, str]:
    """The trackers of these tokens, if this server issued each to this juror for exactly these
    categories (one each, all different); TrackersRefused otherwise."""
    expected = {item.category.id for item in sheet.categories}
    trackers = {}
    for category_id, token in tokens.items():
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if category_id not in expected or match is None:
            raise TrackersRefused(_OUT_OF_DATE)
        tracker, mac = match.groups()
        right = _mac(secret, sheet.round.id, juror_id, category_id, tracker)
        if not hmac.compare_digest(mac, right):
            raise TrackersRefused(_OUT_OF_DATE)
        trackers[category_id] = tracker
    if set(trackers) != expected or len(set(trackers.values())) != len(trackers):
        raise TrackersRefused(_OUT_OF_DATE)
    return trackers


def stored(connection: Connection, round_id: int, trackers: Mapping[int, str]) -> bool:
    """Whether exactly these trackers are stored for these categories in this round."""
    found = (
        connection.execute(_IN_BOX, {"round_id": round_id, "trackers": list(trackers.values())})
        .tuples()
        .all()
    )
    return dict(found) == dict(trackers)


def kept_in_box(
    connection: Connection, round_id: int, juror_id: int, kept: list[str], now: datetime
) -> list[str]:
    """A reading unit for the juror's own browser, while the round is open: which of the
    trackers it kept are in the round's box (they may be from a review never cast). Only for a
    juror who has voted in the round; nothing is stored or logged."""
    ensure_open(round_head(connection, round_id), now)
    if not has_voted(connection, round_id, juror_id):
        raise NotAllowed(N_("You have not voted in this round."))
    wanted = [t for t in kept if isinstance(t, str) and _TRACKER.fullmatch(t)]
    if not wanted:
        return []
    found = connection.execute(_IN_BOX, {"round_id": round_id, "trackers": wanted}).all()
    return sorted(tracker for _category, tracker in found)
