"""What an attacker does with a copy of the disk: rebuild past states of the database from the
SQLite WAL, read SQLite and PostgreSQL pages byte by byte, and link jurors to trackers from what
was written together or in order.

The attacks know the schema and the round's trackers (both public after a close: the election
record lists every tracker) and nothing else: no secret key, no live session, not which juror
holds which tracker. They read only bytes that an operator, a backup or a stolen disk would
have. `tests/test_disk_secrecy.py` runs them after a round closed and checks each link against
the trackers each juror was shown.

SQLite's WAL format (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header (magic,
version, page size, checkpoint sequence, two salts, a checksum of the header), then frames of a
24-byte header (page number, "size of the database in pages" after a commit, zero otherwise, the
two salts, a cumulative checksum) followed by the page. SQLite reads frames while the salts match
the header and the checksums chain, and up to the last commit frame. After a checkpoint the next
writer starts the WAL again from its first frame with new salts, so frames beyond the new
generation's end are left over from older generations; an attacker reads them too.
"""

import re
import sqlite3
import struct
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

WAL_HEADER_BYTES = 32
FRAME_HEADER_BYTES = 24
_MAGIC_LITTLE_ENDIAN, _MAGIC_BIG_ENDIAN = 0x377F0682, 0x377F0683


def wal_checksum(data: bytes, s0: int, s1: int, big_endian: bool) -> tuple[int, int]:
    """The WAL checksum (fileformat2 4.4) of `data`, continuing from (s0, s1)."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1


@dataclass(frozen=True)
class Frame:
    slot: int  # position in the file, from 0
    page: int  # page number, from 1
    db_pages: int  # database size in pages after this commit frame; 0 if not a commit frame
    salt: tuple[int, int]
    checksum: tuple[int, int]
    data: bytes
    chained: bool  # its checksum follows from the previous frame's (or the header's, for slot 0)

    @property
    def is_commit(self) -> bool:
        return self.db_pages != 0


@dataclass(frozen=True)
class Wal:
    page_size: int
    checkpoint_seq: int
    salt: tuple[int, int]
    frames: list[Frame]  # every whole frame slot in the file, valid or not
    valid: int  # leading frames SQLite itself replays: up to the last commit of the valid prefix

    @property
    def current(self) -> list[Frame]:
        return self.frames[: self.valid]

    @property
    def leftovers(self) -> list[list[Frame]]:
        """Frames past the current generation, in runs of one older generation each (same salts),
        from the second frame of a run on checked by their chained checksums."""
        runs: list[list[Frame]] = []
        for frame in self.frames[self.valid :]:
            if frame.salt == self.salt:  # an uncommitted tail of the current generation
                continue
            if runs and runs[-1][-1].salt == frame.salt and runs[-1][-1].slot == frame.slot - 1:
                runs[-1].append(frame)
            else:
                runs.append([frame])
        return [run for run in runs if all(f.chained for f in run[1:])]


def read_wal(data: bytes) -> Wal:
    magic, version, page_size, checkpoint_seq, salt1, salt2, c0, c1 = struct.unpack(
        ">8I", data[:WAL_HEADER_BYTES]
    )
    assert magic in (_MAGIC_LITTLE_ENDIAN, _MAGIC_BIG_ENDIAN), "not a WAL file"
    assert version == 3007000, version
    big_endian = magic == _MAGIC_BIG_ENDIAN
    assert wal_checksum(data[:24], 0, 0, big_endian) == (c0, c1), "WAL header checksum"
    frames: list[Frame] = []
    previous = (c0, c1)  # each frame's checksum continues from the previous slot's stored one
    slot_bytes = FRAME_HEADER_BYTES + page_size
    valid, in_prefix = 0, True
    for slot, start in enumerate(range(WAL_HEADER_BYTES, len(data) - slot_bytes + 1, slot_bytes)):
        header = data[start : start + FRAME_HEADER_BYTES]
        page_data = data[start + FRAME_HEADER_BYTES : start + slot_bytes]
        page, db_pages, s1, s2, f0, f1 = struct.unpack(">6I", header)
        computed = wal_checksum(header[:8] + page_data, *previous, big_endian)
        frame = Frame(slot, page, db_pages, (s1, s2), (f0, f1), page_data, computed == (f0, f1))
        frames.append(frame)
        in_prefix = in_prefix and frame.chained and frame.salt == (salt1, salt2)
        if in_prefix and frame.is_commit:
            valid = slot + 1
        previous = (f0, f1)
    return Wal(page_size, checkpoint_seq, (salt1, salt2), frames, valid)


def commits(frames: Sequence[Frame]) -> list[list[Frame]]:
    """Frames grouped by transaction, each group ending at its commit frame; frames after the last
    commit frame (a transaction never committed, or cut off) are left out."""
    groups: list[list[Frame]] = []
    pending: list[Frame] = []
    for frame in frames:
        pending.append(frame)
        if frame.is_commit:
            groups.append(pending)
            pending = []
    return groups


def replay(
    base: bytes, transactions: Iterable[Sequence[Frame]], page_size: int
) -> Iterator[tuple[bytes, int]]:
    """After each transaction: `base` (the main file) with the frames so far written over it,
    and the size in pages its commit frame gives. The database is the first that many pages;
    the rest is what the attacker also has (pages a shrinking database left behind)."""
    image = bytearray(base)
    for transaction in transactions:
        for frame in transaction:
            end = frame.page * page_size
            if len(image) < end:
                image.extend(bytes(end - len(image)))
            image[end - page_size : end] = frame.data
        yield bytes(image), transaction[-1].db_pages


def open_image(image: bytes) -> sqlite3.Connection:
    """A database image as the `sqlite3` module reads it, in memory. Bytes 18 and 19 of the header
    say WAL mode; set to 1 (rollback journal) the image opens on its own, with no -wal or -shm."""
    header_fixed = bytearray(image)
    header_fixed[18] = header_fixed[19] = 1
    connection = sqlite3.connect(":memory:")
    connection.deserialize(bytes(header_fixed))
    return connection


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
    proper = image if pages is None else image[: pages * _page_size(image)]
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


def _page_size(image: bytes) -> int:
    size = int.from_bytes(image[16:18], "big")
    return 65536 if size == 1 else size


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
    page_size = wal.page_size if wal else _page_size(main)
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


# --- SQLite pages, read byte by byte (fileformat2 1.6, 2.1) ---------------------------------


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = data[pos + i]
        if i == 8:
            return (value << 8) | byte, pos + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise AssertionError("unreachable")


def _record(payload: bytes) -> list[object]:
    """The values of a record (its header of serial types, then the values); a value cut off by
    an overflow page ends the list."""
    header_size, pos = _varint(payload, 0)
    types = []
    while pos < header_size:
        serial, pos = _varint(payload, pos)
        types.append(serial)
    values: list[object] = []
    pos = header_size
    for serial in types:
        width = {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 6, 6: 8, 7: 8, 8: 0, 9: 0}.get(
            serial, (serial - 12) // 2 if serial >= 12 else 0
        )
        if pos + width > len(payload):
            break
        raw = payload[pos : pos + width]
        if serial in (1, 2, 3, 4, 5, 6):
            values.append(int.from_bytes(raw, "big", signed=True))
        elif serial in (8, 9):
            values.append(serial - 8)
        elif serial == 7:
            values.append(struct.unpack(">d", raw)[0])
        elif serial >= 13 and serial % 2:
            values.append(raw.decode("utf-8", "replace"))
        else:
            values.append(raw if serial >= 12 else None)
        pos += width
    return values


@dataclass(frozen=True)
class Cell:
    page: int
    offset: int  # where the cell starts in its page: SQLite fills a page from its end downward
    rowid: int | None  # table b-trees only
    values: list[object]


def btree_page(image: bytes, page: int, page_size: int) -> tuple[int, list[int], list[Cell]]:
    """One b-tree page: its type, its child pages (interior pages) and its cells (leaf pages)."""
    data = image[(page - 1) * page_size : page * page_size]
    header = 100 if page == 1 else 0
    kind = data[header]
    cells_count = int.from_bytes(data[header + 3 : header + 5], "big")
    interior = kind in (2, 5)
    pointers = header + (12 if interior else 8)
    children, cells = [], []
    usable = page_size  # no reserved bytes in this project's databases
    for i in range(cells_count):
        offset = int.from_bytes(data[pointers + 2 * i : pointers + 2 * i + 2], "big")
        if interior:
            children.append(int.from_bytes(data[offset : offset + 4], "big"))
            continue
        size, pos = _varint(data, offset)
        rowid = None
        if kind == 13:
            rowid, pos = _varint(data, pos)
        most = usable - 35 if kind == 13 else (usable - 12) * 64 // 255 - 23
        cells.append(Cell(page, offset, rowid, _record(data[pos : pos + min(size, most)])))
    if interior:
        children.append(int.from_bytes(data[header + 8 : header + 12], "big"))
    return kind, children, cells


def btree_cells(image: bytes, root: int, page_size: int) -> list[Cell]:
    """Every cell of the b-tree at `root`, leaf page by leaf page in key order."""
    kind, children, cells = btree_page(image, root, page_size)
    if kind in (2, 5):
        return [cell for child in children for cell in btree_cells(image, child, page_size)]
    assert kind in (10, 13), f"page {root} is not a b-tree page"
    return cells


def btrees(image: bytes) -> dict[str, int]:
    """Root page of every table and index, from the schema (`sqlite_master`)."""
    connection = open_image(image)
    try:
        return dict(connection.execute("SELECT name, rootpage FROM sqlite_master WHERE rootpage"))
    finally:
        connection.close()


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


# --- PostgreSQL heap pages (pageinspect) --------------------------------------------------


@dataclass(frozen=True)
class HeapTuple:
    table: str
    block: int
    offset: int  # of the tuple header in its page
    line_pointer: int | None  # None: carved from bytes that no line pointer points to any more
    xmin: int
    xmax: int
    data: bytes  # from t_hoff on (for a carved tuple: up to the end of the page)


# A heap tuple starts at an 8-byte boundary with a 23-byte header: t_xmin, t_xmax, t_cid,
# t_ctid (6 bytes), t_infomask2 (its low 11 bits count the attributes), t_infomask, t_hoff.
_HEADER = struct.Struct("<IIi6sHHB")


# Queries over every block of the relation :t; {pi} is the schema pageinspect lives in.
_LINE_POINTERS = (
    "SELECT b.n, h.lp, h.lp_off, h.t_xmin::text::bigint, h.t_xmax::text::bigint, h.t_data"
    " FROM generate_series(0, pg_relation_size(CAST(:t AS regclass))"
    " / current_setting('block_size')::int - 1) AS b(n),"
    " LATERAL {pi}.heap_page_items({pi}.get_raw_page(CAST(:t AS text), b.n::int)) AS h"
    " WHERE h.t_data IS NOT NULL"
)
_PAGES = (
    "SELECT b.n, {pi}.get_raw_page(CAST(:t AS text), b.n::int)"
    " FROM generate_series(0, pg_relation_size(CAST(:t AS regclass))"
    " / current_setting('block_size')::int - 1) AS b(n)"
)


def heap_tuples(connection, pageinspect: str, table: str) -> list[HeapTuple]:
    """Every tuple of every heap page of `table`: each line pointer with storage, live or dead,
    with the t_xmin its header holds (pageinspect's heap_page_items), and every tuple header of
    the table's shape carved from the rest of the page (space that pruning or VACUUM freed
    still holds the old bytes)."""
    from sqlalchemy import text

    # The schema's name comes from pg_extension, quoted: no outside input reaches the SQL.
    pi = connection.dialect.identifier_preparer.quote_identifier(pageinspect)
    found: dict[tuple[int, int], HeapTuple] = {}
    rows = connection.execute(text(_LINE_POINTERS.format(pi=pi)), {"t": table})
    for block, lp, offset, xmin, xmax, data in rows:
        found[block, offset] = HeapTuple(table, block, offset, lp, xmin, xmax, bytes(data))
    attributes = connection.scalar(
        text(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = CAST(:t AS regclass)"
            " AND attnum > 0 AND NOT attisdropped"
        ),
        {"t": table},
    )
    next_xid = connection.scalar(text("SELECT txid_current() % 4294967296"))
    for block, page_raw in connection.execute(text(_PAGES.format(pi=pi)), {"t": table}):
        page = bytes(page_raw)
        lower = int.from_bytes(page[12:14], "little")  # pd_lower: the end of the line pointers
        for offset in range(lower + (-lower % 8), len(page) - 24, 8):
            if (block, offset) in found:
                continue
            xmin, xmax, _cid, _ctid, infomask2, _infomask, hoff = _HEADER.unpack_from(page, offset)
            plausible = (
                infomask2 & 0x07FF == attributes
                and hoff in (24, 32)
                and 3 <= xmin < next_xid
                and xmax < next_xid
            )
            if plausible:
                data = page[offset + hoff :]
                found[block, offset] = HeapTuple(table, block, offset, None, xmin, xmax, data)
    return sorted(found.values(), key=lambda t: (t.block, t.offset))


def schema_tables(connection) -> list[str]:
    """Every ordinary table of the current schema: ballots could sit in any of them."""
    from sqlalchemy import text

    return list(
        connection.scalars(
            text(
                "SELECT relname FROM pg_class WHERE relkind = 'r'"
                " AND relnamespace = current_schema()::regnamespace ORDER BY relname"
            )
        )
    )


def participation_of(t: HeapTuple) -> tuple[int, int]:
    """(round id, juror id) of a `participation` tuple: two int4 columns."""
    return struct.unpack("<ii", t.data[:8])


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
            for c in btree_cells(image, roots[btree], _page_size(image))
            if c.values[:1] == [round_id]
        ]
        cells[btree] = {c.values[1] for c in mine}  # type: ignore[misc]
        groups = cell_order_groups(mine, lambda c: c.values[1])
        tau[f"cells of {btree}"] = order_agreement(voting_order, groups)
    exact = sum(a == b for a, b in zip(by_rowid, voting_order, strict=False))
    return OrderAttack(by_rowid, tau, cells, exact)
