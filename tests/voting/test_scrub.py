"""The scrub after a close never holds up the close or a cast, and it is never skipped: a reader
on an old snapshot or a held lock delays it, the schedule retries it, and each round is marked
scrubbed only once its storage is (issue 8, item 5)."""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from awards.audit import Action
from awards.models import AuditEvent, Ballot, Round
from tests.factories import build_election, juror_login, run_db, wait_for_the_scrub


def _voted_round(settings, second_browser) -> int:
    election = build_election(settings, jurors=2, methods=("approval",))
    cid = election.categories["approval"]
    for email in election.emails:
        second_browser.client.cookies.clear()
        juror_login(second_browser, email)
        cast = second_browser.post(
            f"/juror/rounds/{election.round_id}/cast", {f"c{cid}": election.nominees["approval"][0]}
        )
        assert cast.status_code == 200
    return election.round_id


def _scrubbed(settings, round_id: int):
    return run_db(settings, lambda s: s.get(Round, round_id), write=False).scrubbed_at


def _timed_close(staff, round_id: int) -> float:
    started = time.monotonic()
    assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
    return time.monotonic() - started


@pytest.mark.database("sqlite")  # SQLite's WAL
def test_sqlite_a_reader_on_an_old_snapshot_delays_the_scrub_not_the_close(
    staff, second_browser, client, settings, every_request_ticks
):
    round_id = _voted_round(settings, second_browser)
    path = Path(settings.database_url.split(":///", 1)[1])
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM ballot").fetchall()  # a report, a backup, litestream
    try:
        assert _timed_close(staff, round_id) < 5  # once, each attempt waited 10 s, 50 times
        assert _scrubbed(settings, round_id) is None
        assert path.with_name(path.name + "-wal").stat().st_size > 0
        page = staff.get(f"/staff/rounds/{round_id}").text
        assert "尚未清除" in page
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    client.get("/login")  # the next schedule pass
    assert _scrubbed(settings, round_id) is not None
    trackers = run_db(settings, lambda s: s.scalars(select(Ballot.tracker)), False).all()
    wal = path.with_name(path.name + "-wal").read_bytes()  # now only the note that it is done
    assert trackers
    assert not any(t.encode() in wal for t in trackers)
    actions = run_db(settings, lambda s: s.scalars(select(AuditEvent.action)), False).all()
    assert actions.count(Action.ROUND_SCRUBBED) == 1


@contextmanager
def _other_session(settings, begin: str, query: str) -> Iterator[None]:
    """Another PostgreSQL session, inside a transaction that has run `query`, until the end."""
    engine = create_engine(settings.database_url)
    holder = engine.connect()
    try:
        holder.execute(text(begin))
        holder.execute(text(query)).all()
        yield
    finally:
        holder.execute(text("ROLLBACK"))
        holder.close()
        engine.dispose()


@pytest.mark.database("postgresql")  # PostgreSQL's heap
def test_postgresql_an_old_snapshot_delays_the_scrub(
    staff, second_browser, client, settings, every_request_ticks
):
    """CLUSTER copies the tuples an older snapshot may still see: it must wait for it."""
    round_id = _voted_round(settings, second_browser)
    # Any table: the snapshot, not the table, keeps the close's dead tuples alive.
    with _other_session(
        settings, "BEGIN ISOLATION LEVEL REPEATABLE READ", "SELECT count(*) FROM season"
    ):
        assert _timed_close(staff, round_id) < 5
        client.get("/login")
        assert _scrubbed(settings, round_id) is None
    wait_for_the_scrub(client, settings, round_id)


@pytest.mark.database("postgresql")  # PostgreSQL's heap
def test_postgresql_a_held_lock_does_not_hold_up_the_close(
    staff, second_browser, client, settings, every_request_ticks
):
    round_id = _voted_round(settings, second_browser)
    with _other_session(settings, "BEGIN", "SELECT count(*) FROM participation"):  # a lock held
        assert _timed_close(staff, round_id) < 8  # at most the lock timeout, not for ever
        assert _scrubbed(settings, round_id) is None
        assert client.get("/juror/login").status_code == 200  # the juror pages go on
    wait_for_the_scrub(client, settings, round_id)
