"""PostgreSQL heap pages read through pageinspect, as an attacker with a copy of the relation
files reads them: every tuple, live or dead, and tuple headers carved from freed space."""

import struct
from dataclasses import dataclass


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
