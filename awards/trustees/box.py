"""The encrypted ballot box of a sealed round, as casting uses it: the election key, the round's
context and each category's layout, all fixed at opening.

The server checks a juror's plaintext ballot in memory, as in a plain round, then stores only
what `seal_contents` makes of it: per category, the ciphertexts of the ballot's encoding with a
proof bound to the round, the category and the tracker (`ballots.sealed.board`). Nothing of the
plaintext is written anywhere.
"""

import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ballots.canonical import canonical_json
from ballots.content import RANKED
from ballots.sealed.board import receipt, seal
from ballots.sealed.elgamal import Pad, make_pad
from ballots.sealed.encoding import Layout, layout, layout_entry
from ballots.sealed.group import Point, random_scalar

PADS = 16_384
"""The most pads (`ballots.sealed.elgamal.Pad`) a sealed round keeps ready, and never more than
its whole box can use (its eligible jurors' parts): a nomination ballot of 12 categories over
330 nominees takes some 84, so this is about 200 jurors' casts, some 16 MB, made in about 1 s of
one core."""


class PadPool:
    """Pads made ahead of time by a thread of their own, so that a cast encrypts with additions
    and hashes instead of three multiplications a part (ElectionGuard precomputes the same way).
    The thread makes `capacity` pads, the round's need, once, and stops: it never competes with
    the casts for the processor. A pad is taken once (a deque's `popleft` is atomic) and never
    again; when none is ready, one is made on the spot."""

    def __init__(self, key: Point, capacity: int) -> None:
        self._key, self._capacity = key, capacity
        self._ready: deque[Pad] = deque()
        self._full = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def take(self) -> Pad:
        self.start()
        try:
            return self._ready.popleft()
        except IndexError:
            return make_pad(self._key, random_scalar)

    def ready(self) -> int:
        return len(self._ready)

    @property
    def capacity(self) -> int:
        return self._capacity

    def wait_full(self, timeout: float) -> bool:
        """Whether every pad has been made, waiting up to `timeout` seconds (for benchmarks)."""
        return self._full.wait(timeout)

    def start(self) -> None:
        """Begin making pads (the ballot pages do, as a sealed round's sheet is first read)."""
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._fill, name="pads", daemon=True)
                self._thread.start()

    def _fill(self) -> None:
        for _ in range(self._capacity):
            self._ready.append(make_pad(self._key, random_scalar))
        self._full.set()


@dataclass(frozen=True)
class Box:
    key: Point
    context: dict[str, str]
    """{"season", "round"}: the ids of the configuration, which every proof is bound to."""
    layouts: dict[str, Layout]
    """By category id (code), in the configuration's order."""
    isolated: dict[str, list[str]]
    """By category id: the nominees with a part of their own (`ballots.sealed.encoding`)."""
    entries: dict[str, dict[str, Any]]
    """By category id: what the booth makes the layout from (`encoding.layout_entry`)."""
    pads: PadPool = field(compare=False, repr=False)


def round_context(config: Mapping[str, Any]) -> dict[str, str]:
    return {"season": config["season"]["id"], "round": config["round"]["id"]}


def isolated_nominees(entry: Mapping[str, Any], recused: set[str]) -> list[str]:
    """An approval or score category gives each nominee some juror is recused from a part of
    its own, in configuration order; a ranked category none (its recused jurors do not vote)."""
    if entry["method"] in RANKED:
        return []
    return [n["id"] for n in entry["nominees"] if n["id"] in recused]


def box(config: Mapping[str, Any], election_key: str, recused: set[str]) -> Box:
    """`recused`: the ids of the nominees that a recusal frozen at opening names."""
    isolated = {c["id"]: isolated_nominees(c, recused) for c in config["categories"]}
    key = Point.from_hex(election_key)
    layouts = {c["id"]: layout(c, isolated[c["id"]]) for c in config["categories"]}
    parts = sum(c["eligible_jurors"] * layouts[c["id"]].width for c in config["categories"])
    entries = {c["id"]: layout_entry(c) for c in config["categories"]}
    pads = PadPool(key, min(PADS, parts))
    return Box(key, round_context(config), layouts, isolated, entries, pads)


def seal_contents(
    sealed: Box,
    codes: Mapping[int, str],
    contents: Mapping[int, Mapping[str, Any]],
    trackers: Mapping[int, str],
) -> dict[int, tuple[str, str]]:
    """What the box stores for each category (by id; `codes` gives each its code): the
    canonical JSON of the encrypted ballot and its proof; with the entry's receipt for the
    juror (`ballots.sealed.board.receipt`)."""
    stored = {}
    for category_id, content in contents.items():
        code = codes[category_id]
        entry = seal(
            sealed.key,
            sealed.layouts[code],
            dict(content),
            sealed.context,
            code,
            trackers[category_id],
            pads=sealed.pads.take,
        )
        kept = entry.sealed()
        stored[category_id] = (
            canonical_json(kept).decode(),
            receipt(code, {"tracker": entry.tracker, **kept}),
        )
    return stored
