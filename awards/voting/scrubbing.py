"""After a close: scrub the database's storage of the round's casting history.

The close rewrote the round's ballots and participation rows, each in a random order, so the
live rows say nothing of who cast what. Their old versions are still in storage, next to the
jurors' rows written in the same commits, until this runs:

- SQLite deletes with `secure_delete` (old cell content is zeroed) and keeps its WAL cut back
  (`journal_size_limit = 0`); a TRUNCATE checkpoint then copies the WAL into the database and cuts
  it to zero bytes, frames of every earlier commit included;
- PostgreSQL CLUSTERs `ballot` and `participation`: both are rewritten into new files in key
  order (indexes and TOAST too) and the old files are unlinked. CLUSTER copies tuples that an
  older snapshot may still see ("recently dead"), so it waits until no transaction, replication
  slot or prepared transaction is older than the close; and it never waits long for its lock.

Neither may hold up a request or a cast: an attempt that cannot finish at once (a reader still
on an old snapshot, a lock held) gives up and says why; the schedule tries again on its next pass,
and the round page tells staff until it is done.
"""

import asyncio
import sqlite3
from collections.abc import Sequence

from sqlalchemy import bindparam, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from awards.database import Database

# SQLite's busy handler would wait the database's whole busy timeout for each attempt, with the
# writers queued behind the checkpoint: an attempt here waits a moment only.
_SQLITE_WAIT_SECONDS = 0.25
_POSTGRES_LOCK_TIMEOUT = "2s"

# Any transaction (or snapshot, slot, prepared transaction) at least as old as the newest close
# among the rounds may still see the rows that close deleted. The close wrote every ballot of
# its round anew, so their xmin is the close's transaction.
_OLDER_THAN_THE_CLOSE = text(
    """
    WITH close AS (
        SELECT min(age(xmin)) AS age FROM ballot WHERE round_id IN :rounds
    ), holders AS (
        SELECT backend_xmin AS xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND backend_xmin IS NOT NULL
        UNION ALL
        SELECT backend_xid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND backend_xid IS NOT NULL
        UNION ALL
        SELECT xmin FROM pg_replication_slots WHERE xmin IS NOT NULL
        UNION ALL
        SELECT transaction FROM pg_prepared_xacts
    )
    SELECT count(*) FROM holders, close WHERE age(holders.xid) >= close.age
    """
).bindparams(bindparam("rounds", expanding=True))


async def scrub_storage(db: Database, round_ids: Sequence[int]) -> str | None:
    """Scrub what the closes of these rounds left in storage: None when done, else why not yet
    (in English, for the log and the staff page)."""
    url = make_url(db.engine.url)
    if url.get_backend_name() == "sqlite":
        return await asyncio.to_thread(_checkpoint, url.database or "")
    return await _cluster(db, round_ids)


def _checkpoint(path: str) -> str | None:
    """One TRUNCATE checkpoint, on a connection of its own (not the cast writer's thread)."""
    connection = sqlite3.connect(path, timeout=_SQLITE_WAIT_SECONDS, isolation_level=None)
    try:
        busy, _frames, _copied = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    except sqlite3.OperationalError as exc:
        return f"the checkpoint failed ({exc})"
    finally:
        connection.close()
    return "a reader or a writer kept the WAL in use" if busy else None


async def _cluster(db: Database, round_ids: Sequence[int]) -> str | None:
    async with db.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        if await autocommit.scalar(_OLDER_THAN_THE_CLOSE, {"rounds": list(round_ids)}):
            return "a transaction older than the close is still open"
        await autocommit.exec_driver_sql(f"SET lock_timeout = '{_POSTGRES_LOCK_TIMEOUT}'")
        try:
            for table in ("ballot", "participation"):
                await autocommit.exec_driver_sql(f"CLUSTER {table} USING pk_{table}")
        except DBAPIError as exc:  # the lock was not free in time: the next pass tries again
            return f"CLUSTER did not run ({type(exc.orig).__name__})"
        finally:
            await autocommit.exec_driver_sql("RESET lock_timeout")
    return None
