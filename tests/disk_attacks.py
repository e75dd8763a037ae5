"""What an attacker does with a copy of the disk: rebuild past states of the database from the
SQLite WAL, read SQLite and PostgreSQL pages byte by byte, and link jurors to trackers from what
was written together or in order.

The attacks know the schema and the round's trackers (both public after a close: the election
record lists every tracker) and nothing else: no secret key, no live session, not which juror
holds which tracker. They read only bytes that an operator, a backup or a stolen disk would
have. `tests/test_disk_secrecy.py` runs them after a round closed and checks each link against
the trackers each juror was shown.
"""

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tests.postgres_pages import HeapTuple, participation_of
from tests.sqlite_files import (
    WAL_HEADER_BYTES,
    Cell,
    btree_cells,
    btrees,
    commits,
    image_page_size,
    open_image,
    read_wal,
    replay,
)

# Trackers are 32 lowercase hex digits. After a close they are public (the election record lists
# them all), so an attacker looks for every known tracker in any bytes, not only in `ballot`.
_HEX_RUN = re.compile(rb"[0-9a-f]{32,}")


def trackers_in(data: bytes, known: frozenset[str]) -> set[str]:
    """The known trackers written anywhere in `data` (every 32-digit window of a run of hex)."""
    found = set()
    for run in _HEX_RUN.finditer(data):
        digits = run.group().decode()
        found.update(digits[i : i + 32] for i in range(len(digits) - 31))
    return found & known


@dataclass(frozen=True)
class State:
    """What one state of the database says about a round: its participants (juror id -> rowid of
    the participation row, None where the table has none), the jurors' login sessions (id hash
    -> juror id), its ballots' trackers, and the known trackers anywhere in its bytes (free
    space and other tables included). A part that does not read is None."""

    participants: dict[int, int | None] | None
    sessions: dict[str, int] | None
    trackers: frozenset[str] | None
    trackers_anywhere: frozenset[str] = frozenset()


# Each part of a state, by the first query that reads (a WITHOUT ROWID table has no rowid).
_PARTS = {
    "participants": (
        "SELECT juror_id, rowid FROM participation NOT INDEXED WHERE round_id = ?",
        "SELECT juror_id, NULL FROM participation WHERE round_id = ?",
    ),
    "sessions": (
        "SELECT id_hash, principal_id FROM web_session WHERE principal_kind = 'juror' AND ?",
    ),
    "trackers": ("SELECT tracker, NULL FROM ballot WHERE round_id = ?",),
}


def _read_parts(connections: Sequence[sqlite3.Connection], round_id: int) -> dict[str, dict]:
    parts: dict[str, dict] = {}
    for part, queries in _PARTS.items():
        for connection in connections:
            for query in queries:
                try:
                    parts[part] = dict(connection.execute(query, (round_id,)).fetchall())
                    break
                except sqlite3.DatabaseError:
                    continue
            if part in parts:
                break
    return parts


def read_state(connection: sqlite3.Connection, round_id: int) -> State:
    """The state of a database that reads whole (the live one)."""
    parts = _read_parts([connection], round_id)
    return State(parts["participants"], parts["sessions"], frozenset(parts["trackers"]))


def read_image_state(
    image: bytes, round_id: int, known: frozenset[str], pages: int | None = None
) -> State | None:
    """The state in a database image: its first `pages` pages, as the WAL format says, or, part
    by part, the whole image where those do not read (frames replayed over a main file newer
    than they are make such states: interior pages there may point past the old size). None
    where nothing reads: the attacker skips that state."""
    proper = image if pages is None else image[: pages * image_page_size(image)]
    connections = []
    for candidate in (proper, image) if pages is not None else (proper,):
        try:
            connections.append(open_image(candidate))
        except sqlite3.DatabaseError:
            continue
    try:
        parts = _read_parts(connections, round_id)
    finally:
        for connection in connections:
            connection.close()
    if not parts:
        return None
    trackers = parts.get("trackers")
    return State(
        parts.get("participants"),
        parts.get("sessions"),
        None if trackers is None else frozenset(trackers),
        frozenset(trackers_in(proper, known)),
    )


@dataclass
class Links:
    """What the attacker concludes: for each juror, the sets of trackers among which they cast
    (one set per observation), and how many jurors shared each observation."""

    candidates: dict[int, list[tuple[frozenset[str], int]]] = field(default_factory=dict)

    def add(self, jurors: Iterable[int], trackers: Iterable[str]) -> None:
        group, trackers = sorted(set(jurors)), frozenset(trackers)
        if group and trackers:
            for juror in group:
                self.candidates.setdefault(juror, []).append((trackers, len(group)))

    def score(self, truth: Mapping[int, Iterable[str]], box: Iterable[str]) -> "Score":
        """Jurors whom some observation ties to a strict part of the box holding one of their
        own trackers (an observation of the whole box says nothing)."""
        whole = frozenset(box)
        right, exact = set(), set()
        for juror, observations in self.candidates.items():
            own = set(truth.get(juror, ()))
            for trackers, group in observations:
                if trackers != whole and trackers & own:
                    right.add(juror)
                    if group == 1 and trackers == own:
                        exact.add(juror)
        return Score(len(right), len(exact), len(truth))


@dataclass(frozen=True)
class Score:
    linked: int  # jurors tied to a part of the box holding one of their trackers
    exact: int  # of them, jurors tied alone to exactly their own trackers
    jurors: int

    def __str__(self) -> str:
        return f"{self.linked} of {self.jurors} linked ({self.exact} exactly)"


@dataclass
class StateLinks:
    """Links drawn from consecutive states: by participation (the jurors who newly took part
    against the trackers that newly appeared, in `ballot` or anywhere in the bytes) and by login
    sessions (the jurors whose sessions the last logins before it created, against the same)."""

    by_participation: Links = field(default_factory=Links)
    by_session: Links = field(default_factory=Links)
    states_read: int = 0

    def diff(self, states: Iterable[State | None]) -> None:
        previous: State | None = None
        last_logins: set[int] = set()
        for state in states:
            if state is not None:
                self.states_read += 1
            if state is not None and previous is not None:
                if state.sessions is not None and previous.sessions is not None:
                    logins = state.sessions.keys() - previous.sessions.keys()
                    last_logins = {state.sessions[key] for key in logins} or last_logins
                jurors: set[int] = set()
                if state.participants is not None and previous.participants is not None:
                    jurors = state.participants.keys() - previous.participants.keys()
                appeared = [state.trackers_anywhere - previous.trackers_anywhere]
                if state.trackers is not None and previous.trackers is not None:
                    appeared.append(state.trackers - previous.trackers)
                for trackers in appeared:
                    self.by_participation.add(jurors, trackers)
                    self.by_session.add(last_logins, trackers)
                if any(appeared):
                    last_logins = set()  # those logins have cast
            previous = state


@dataclass(frozen=True)
class WalAttack:
    by_participation: Score
    by_session: Score
    commits: int  # transactions in the current generation
    leftover_commits: int  # transactions read from frames of older generations
    states_read: int  # of 1 + commits + (1 + leftover commits per run)
    checkpoint_seq: int | None  # from the WAL header: how many times the WAL started again
    final: State  # the current generation replayed to its end
    final_image: bytes


def attack_wal_copy(
    directory: Path,
    round_id: int,
    truth: Mapping[int, Iterable[str]],
    box: Iterable[str],
) -> WalAttack:
    """Replay the copied WAL over the copied main file commit by commit, then the runs of
    left-over frames of older generations over the main file, and link what appeared together.
    `box`: every tracker of the round, as the published record lists them."""
    known = frozenset(box)
    main = (directory / "awards.db").read_bytes()
    wal_path = directory / "awards.db-wal"
    wal_bytes = wal_path.read_bytes() if wal_path.exists() else b""
    # A WAL checkpointed with TRUNCATE, or none at all (rollback journal): only the main file.
    wal = read_wal(wal_bytes) if len(wal_bytes) >= WAL_HEADER_BYTES else None
    page_size = wal.page_size if wal else image_page_size(main)
    links = StateLinks()
    current = commits(wal.current) if wal else []
    images = [(main, None), *replay(main, current, page_size)]
    states = [read_image_state(image, round_id, known, pages) for image, pages in images]
    final = states[-1]
    assert final is not None, "the current generation of the WAL does not replay"
    final_image = images[-1][0][: images[-1][1] * page_size] if current else main
    links.diff(states)
    leftover_commits = 0
    for run in wal.leftovers if wal else []:
        # The main file is the end state of the checkpointed generations: a page the run writes
        # for the first time is diffed against its newest version, where nothing appears new.
        old = commits(run)
        leftover_commits += len(old)
        links.diff(
            [read_image_state(main, round_id, known)]
            + [read_image_state(i, round_id, known, n) for i, n in replay(main, old, page_size)]
        )
    return WalAttack(
        links.by_participation.score(truth, known),
        links.by_session.score(truth, known),
        len(current),
        leftover_commits,
        links.states_read,
        wal.checkpoint_seq if wal else None,
        final,
        final_image,
    )


# --- Orders --------------------------------------------------------------------------------


def order_agreement(voting_order: Sequence[int], groups: Iterable[Sequence[int]]) -> float:
    """How much orders read from the disk tell of the voting order: Kendall's tau over every pair
    of jurors ordered within one group, in [-1, 1]; 1 or -1 is the voting order itself (or
    reversed), 0 is chance. `groups` are jurors in the order the disk keeps them (one group for a
    whole table, one per page for cells)."""
    position = {juror: i for i, juror in enumerate(voting_order)}
    agree = pairs = 0
    for group in groups:
        ranks = [position[j] for j in group if j in position]
        for i, a in enumerate(ranks):
            for b in ranks[i + 1 :]:
                pairs += 1
                agree += a < b
    return 0.0 if pairs == 0 else (2 * agree - pairs) / pairs


def cell_order_groups(cells: Iterable[Cell], juror_of) -> list[list[int]]:
    """Per page, the jurors in the order their cells were written: from the page's end down."""
    pages: dict[int, list[Cell]] = {}
    for cell in cells:
        pages.setdefault(cell.page, []).append(cell)
    return [
        [juror_of(cell) for cell in sorted(group, key=lambda c: -c.offset)]
        for group in pages.values()
    ]


# --- PostgreSQL: one transaction wrote them ------------------------------------------------


def link_by_xmin(
    participations: Iterable[HeapTuple],
    tuples: Iterable[HeapTuple],
    round_id: int,
    known: frozenset[str],
) -> Links:
    """Jurors and trackers whose tuples one transaction wrote, by equal t_xmin: participation
    tuples of the round against any tuple (of any table) that holds a known tracker."""
    jurors: dict[int, set[int]] = {}
    for t in participations:
        round_, juror = participation_of(t)
        if round_ == round_id:
            jurors.setdefault(t.xmin, set()).add(juror)
    trackers: dict[int, set[str]] = {}
    for t in tuples:
        # A carved tuple's data runs to the end of the page: only its first bytes are its own.
        data = t.data if t.line_pointer is not None else t.data[:64]
        if held := trackers_in(data, known):
            trackers.setdefault(t.xmin, set()).update(held)
    links = Links()
    for xmin in jurors.keys() & trackers.keys():
        links.add(jurors[xmin], trackers[xmin])
    return links


# --- SQLite: the voting order kept by `participation` ----------------------------------------


@dataclass(frozen=True)
class OrderAttack:
    by_rowid: list[int]  # the round's jurors in rowid order; empty for a WITHOUT ROWID table
    tau: dict[str, float]  # what was read -> Kendall's tau against the voting order
    cells: dict[str, set[int]]  # b-tree -> the jurors its cells hold, to check the page reader
    at_their_position: int  # jurors whose rank by rowid is their rank in the voting order


def participation_orders(image: bytes, round_id: int, voting_order: list[int]) -> OrderAttack:
    """Read the voting order from a database image: `participation`'s rowids (a rowid table
    numbers rows in insertion order), and, in the table and in each of its indexes, the order
    of the cells within each page (SQLite fills a page from its end downward: a page keeps the
    order in which its cells were written, whatever their key)."""
    connection = open_image(image)
    try:
        ddl = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'participation'"
        ).fetchone()[0]
        by_rowid = []
        if "WITHOUT ROWID" not in ddl.upper():
            by_rowid = [
                juror
                for (juror,) in connection.execute(
                    "SELECT juror_id FROM participation WHERE round_id = ? ORDER BY rowid",
                    (round_id,),
                )
            ]
        indexes = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'participation'"
            )
        ]
    finally:
        connection.close()
    roots = btrees(image)
    tau = {"rowid": order_agreement(voting_order, [by_rowid])}
    cells: dict[str, set[int]] = {}
    for btree in ["participation", *sorted(indexes)]:
        # Both the table and its indexes begin with (round_id, juror_id).
        mine = [
            c
            for c in btree_cells(image, roots[btree], image_page_size(image))
            if c.values[:1] == [round_id]
        ]
        cells[btree] = {c.values[1] for c in mine}  # type: ignore[misc]
        groups = cell_order_groups(mine, lambda c: c.values[1])
        tau[f"cells of {btree}"] = order_agreement(voting_order, groups)
    exact = sum(a == b for a, b in zip(by_rowid, voting_order, strict=False))
    return OrderAttack(by_rowid, tau, cells, exact)
