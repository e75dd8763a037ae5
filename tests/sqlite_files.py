"""SQLite's files read byte by byte, as an attacker with a copy of the disk reads them: the WAL
(to rebuild the database after each commit) and the b-tree pages of a database image.

SQLite's WAL format (https://www.sqlite.org/fileformat2.html#walformat): a 32-byte header (magic,
version, page size, checkpoint sequence, two salts, a checksum of the header), then frames of a
24-byte header (page number, "size of the database in pages" after a commit, zero otherwise, the
two salts, a cumulative checksum) followed by the page. SQLite reads frames while the salts match
the header and the checksums chain, and up to the last commit frame. After a checkpoint the next
writer starts the WAL again from its first frame with new salts, so frames beyond the new
generation's end are left over from older generations; an attacker reads them too.
"""

import sqlite3
import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

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


def image_page_size(image: bytes) -> int:
    size = int.from_bytes(image[16:18], "big")
    return 65536 if size == 1 else size


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
