"""The Merkle leaves of a record's ballots (spec: "Merkle root"): leaf i is the canonical JSON of
{"category": <category id>, "content": <content>, "tracker": <tracker>}.

Canonical JSON goes through the encoder for every ballot, which is most of the cost of checking
a million-ballot record. Where no string needs escaping (ids and trackers of [A-Za-z0-9._-]), a
ranking or approval ballot is written directly instead, byte for byte what canonical_json
writes; a test holds the two equal.
"""

import re
from collections.abc import Sequence
from itertools import chain
from operator import itemgetter
from typing import Any

from ballots.canonical import canonical_json

_PLAIN = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The same alphabet as bytes, for bytes.translate: deleting them leaves nothing when a text holds
# only them (six times as fast as a regular expression over a million trackers).
_PLAIN_BYTES = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"


def leaf(
    category: str, content: Any, tracker: str, plain_ids: frozenset[str] = frozenset()
) -> bytes:
    """One ballot's leaf. `plain_ids`: the category's nominee ids that need no escaping."""
    if type(content) is dict and len(content) == 1 and plain_ids and _PLAIN.fullmatch(tracker):
        key = "ranking" if "ranking" in content else "approve" if "approve" in content else None
        ids = content.get(key) if key else None
        try:
            plain = type(ids) is list and plain_ids.issuperset(ids)
        except TypeError:  # an unhashable item: not an id (the ballot is invalid, still a leaf)
            plain = False
        if plain:
            listed = '"' + '","'.join(ids) + '"' if ids else ""
            body = f'"content":{{"{key}":[{listed}]}},"tracker":"{tracker}"'
            return f'{{"category":"{category}",{body}}}'.encode()
    return canonical_json({"category": category, "content": content, "tracker": tracker})


def plain_ids(category: str, nominee_ids: list[str]) -> frozenset[str]:
    """The nominee ids that `leaf` may write directly (none unless the category id is plain)."""
    if not _PLAIN.fullmatch(category):
        return frozenset()
    return frozenset(n for n in nominee_ids if isinstance(n, str) and _PLAIN.fullmatch(n))


def category_leaves(
    category: str, nominee_ids: list[str], ballots: Sequence[tuple[str, Any]]
) -> list[bytes]:
    """The leaves of a category's (tracker, content) pairs, in order. Where every ballot is a
    ranking (or every one an approval) of plain ids under a plain tracker, as in any honest
    record of those methods, they are checked as such in a few passes of C code and written in
    one: a million ballots in 0.8 s instead of 1.6."""
    plain = plain_ids(category, nominee_ids)
    bulk = _plain_lists(ballots, plain)
    if bulk is None:
        return [leaf(category, content, tracker, plain) for tracker, content in ballots]
    key, trackers, lists = bulk
    head, q, sep = f'{{"category":"{category}","content":{{"{key}":[', '"', '","'
    return [
        f'{head}{q + sep.join(ids) + q if ids else ""}]}},"tracker":"{tracker}"}}'.encode()
        for tracker, ids in zip(trackers, lists, strict=True)
    ]


def _plain_lists(
    ballots: Sequence[tuple[str, Any]], plain: frozenset[str]
) -> tuple[str, list[str], list[list[str]]] | None:
    """(key, trackers, id lists) when every ballot can be written directly, else None."""
    if not ballots or not plain:
        return None
    trackers, contents = list(map(itemgetter(0), ballots)), list(map(itemgetter(1), ballots))
    if not (set(map(type, contents)) <= {dict} and set(map(len, contents)) <= {1}):
        return None
    key = "ranking" if "ranking" in contents[0] else "approve"
    try:
        lists = list(map(itemgetter(key), contents))
        if not (set(map(type, lists)) <= {list} and plain.issuperset(chain.from_iterable(lists))):
            return None
    except (KeyError, TypeError):  # a ballot of another kind; an unhashable item
        return None
    plain_trackers = not "".join(trackers).encode().translate(None, _PLAIN_BYTES)
    return (key, trackers, lists) if plain_trackers else None
