"""Issue 8, item 5: a copy of the disk links no ballot to a juror, once the round has closed.

Each test runs a round through the app as jurors and staff would (every juror logs in on a
browser of their own and casts, in a random order; staff close the round), takes what a copy of
the disk holds while the server still runs, and attacks it (`tests/disk_attacks.py`; the files
are read by `tests/sqlite_files.py` and `tests/postgres_pages.py`):

- SQLite: replay the WAL commit by commit, and the frames that older generations left behind,
  and diff consecutive states: the jurors who newly appear in `participation`, or whose login
  session was the last one created, against the trackers that newly appear (in `ballot`, or
  anywhere in the bytes); read the voting order from `participation`'s rowids and from the
  order of its cells in their pages;
- PostgreSQL: read every tuple of every heap page of every table (pageinspect), dead ones and
  remnants carved from freed space included, and tie the jurors in `participation` to the
  trackers of tuples with the same `t_xmin`, right after the close and again after VACUUM.

Trackers are public once the round closes (the election record lists them), so the attacks
know them all, as an attacker would; they know nothing of which juror holds which. A link counts
only when it is right: the trackers it names include one the juror was shown. Each attack also
proves it reads what it should (the replayed WAL ends in the live database, the page readers
find every live row), so that a broken attack cannot pass as "nothing linked". On the code before
issue 8's fix these attacks linked 40 of 40 jurors on SQLite and 30 of 30 on PostgreSQL.
"""

import random
import re
import shutil
import sqlite3
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ballots.content import RANKED
from tests import disk_attacks, postgres_pages, sqlite_files
from tests.conftest import STAFF_PASSWORD
from tests.factories import (
    METHOD_SETTINGS,
    Browser,
    Election,
    build_election,
    juror_login,
    wait_for_the_scrub,
)

TRACKER = re.compile(r'<code class="tracker">([0-9a-f]{32})</code>')
# Three ballots a cast, each landing on its own page of `ballot` (trackers are random keys): at
# 150 jurors the WAL passes SQLite's automatic checkpoint (1000 pages) once and starts again, so
# the left-over frames are attacked too. Approval alone writes about 1000 frames at 150 jurors,
# right at the threshold: some runs checkpoint and some do not.
METHODS = ("approval", "irv", "score_mean")
# |Kendall's tau| above this says the disk keeps the voting order; chance is 0, with a standard
# deviation of 0.11 at 40 jurors.
ORDER_TAU = 0.5


@dataclass
class ClosedRound:
    election: Election
    shown: dict[int, list[str]]  # juror id -> the trackers the page showed them
    voting_order: list[int]  # juror ids in the order they cast
    seconds: float  # to vote and close

    @property
    def trackers(self) -> set[str]:
        return {t for ts in self.shown.values() for t in ts}


def _ballot_fields(method: str, category_id: int, nominees: list[str], i: int) -> dict[str, str]:
    """The ballot page's fields for the i-th voter: choices differ from one juror to the next."""
    turned = nominees[i % len(nominees) :] + nominees[: i % len(nominees)]
    if method == "approval":
        return {f"c{category_id}": turned[0]}
    if method in RANKED:
        return {f"c{category_id}.{key}": str(rank) for rank, key in enumerate(turned, 1)}
    low = METHOD_SETTINGS[method]["score_min"]
    return {f"c{category_id}.{key}": str(low + n) for n, key in enumerate(turned)}


def _vote_and_close(settings, browser: Browser, jurors: int) -> ClosedRound:
    """An open round; every juror logs in and casts, one after another in a random order (so
    that juror ids do not give the voting order away), each on a fresh browser (no cookie left
    from the one before: every juror's session stays, as in real life); then staff log in on it
    again and close the round. The app keeps running: the copies are taken from a live server."""
    election = build_election(settings, jurors=jurors, methods=METHODS)
    started = time.perf_counter()
    voters = list(zip(election.juror_ids, election.emails, strict=True))
    random.Random(jurors).shuffle(voters)
    shown: dict[int, list[str]] = {}
    for i, (juror_id, email) in enumerate(voters):
        browser.client.cookies.clear()
        assert juror_login(browser, email).status_code == 303
        form: dict[str, str] = {}
        for method, category_id in election.categories.items():
            form.update(_ballot_fields(method, category_id, election.nominees[method], i))
        page = browser.post(f"/juror/rounds/{election.round_id}/cast", form)
        assert page.status_code == 200, page.text
        shown[juror_id] = TRACKER.findall(page.text)
        assert len(shown[juror_id]) == len(METHODS)
    browser.client.cookies.clear()
    assert browser.login("editor", STAFF_PASSWORD).status_code == 303
    assert (
        browser.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    return ClosedRound(
        election, shown, [juror_id for juror_id, _ in voters], time.perf_counter() - started
    )


# --- SQLite -------------------------------------------------------------------------------


def _database_file(settings) -> Path:
    return Path(make_url(settings.database_url).database)


def _copy_sqlite_files(settings, into: Path) -> Path:
    """What a copy of the disk holds while the server runs: the main file and its WAL (the
    -shm file is only an index of the WAL, rebuilt from it)."""
    database = _database_file(settings)
    into.mkdir()
    for suffix in ("", "-wal"):
        source = database.with_name(database.name + suffix)
        if source.exists():
            shutil.copyfile(source, into / ("awards.db" + suffix))
    return into


def _read_live(settings, round_id: int) -> tuple[disk_attacks.State, list[str]]:
    """The live database as the running app sees it (main file and WAL), read-only: the box and
    a dump of everything."""
    live = sqlite3.connect(f"file:{_database_file(settings)}?mode=ro", uri=True)
    try:
        return disk_attacks.read_state(live, round_id), list(live.iterdump())
    finally:
        live.close()


@pytest.mark.database("sqlite")  # attacks SQLite's WAL; PostgreSQL has its own heap-page test
@pytest.mark.parametrize("jurors", [40, 150])
def test_sqlite_wal_replay_links_no_juror_to_a_ballot(client, settings, staff, tmp_path, jurors):
    """Rebuild every state the copied WAL holds (the current generation over the main file, and
    runs of older generations' left-over frames) and diff consecutive states: the jurors who
    newly took part, and those who logged in last, against the trackers that newly appeared."""
    closed = _vote_and_close(settings, staff, jurors)
    copy = _copy_sqlite_files(settings, tmp_path / "copy")
    live_box, live_dump = _read_live(settings, closed.election.round_id)
    started = time.perf_counter()
    attack = disk_attacks.attack_wal_copy(
        copy, closed.election.round_id, closed.shown, closed.trackers
    )
    seconds = time.perf_counter() - started
    # The replay is right: its last state is the live database, row for row.
    assert replace(attack.final, trackers_anywhere=frozenset()) == live_box
    assert set(attack.final.participants) == set(closed.election.juror_ids)
    assert attack.final.trackers == attack.final.trackers_anywhere == closed.trackers
    replayed = sqlite_files.open_image(attack.final_image)
    assert list(replayed.iterdump()) == live_dump
    replayed.close()
    figures = (
        f"{jurors} jurors: by participation {attack.by_participation}, by login sessions"
        f" {attack.by_session}; WAL: {attack.commits} commits in its current generation"
        f" (checkpoint sequence {attack.checkpoint_seq}), {attack.leftover_commits} left over"
        f" from older ones, {attack.states_read} states read; vote and close"
        f" {closed.seconds:.1f} s, attack {seconds:.1f} s"
    )
    print("\n" + figures)
    assert attack.by_participation.linked == 0, figures
    assert attack.by_session.linked == 0, figures


@pytest.mark.database("sqlite")  # attacks SQLite's files; PostgreSQL has its own heap-page test
@pytest.mark.parametrize("jurors", [40, 150])
def test_sqlite_participation_keeps_no_voting_order(client, settings, staff, tmp_path, jurors):
    """Read the order in which jurors voted from the database as copied: `participation`'s rowids
    (a rowid table numbers its rows in insertion order) and the order of its cells within their
    pages (SQLite fills a page from its end downward, so a page keeps its insertion order
    whatever the key), in the table and in its index. Both from the main file alone and from
    the main file with its WAL, as `sqlite3` opens the copy."""
    closed = _vote_and_close(settings, staff, jurors)
    round_id = closed.election.round_id
    copy = _copy_sqlite_files(settings, tmp_path / "copy")
    main = (copy / "awards.db").read_bytes()
    # SQLite applies the WAL, and checkpoints it into the file when the last connection closes:
    # it gets a copy of its own, so that the files attacked stay as copied.
    for_sqlite = shutil.copytree(copy, tmp_path / "for-sqlite")
    opened = sqlite3.connect(for_sqlite / "awards.db")
    with_wal = opened.serialize()
    opened.close()
    live, _ = _read_live(settings, round_id)
    assert set(live.participants) == set(closed.election.juror_ids)
    figures, leaks = [], []
    for name, image in (("main file alone", main), ("main file and WAL", with_wal)):
        attack = disk_attacks.participation_orders(image, round_id, closed.voting_order)
        # The page reader is right: the table's cells hold the rows SQLite reads from the image.
        opened = sqlite_files.open_image(image)
        in_image = disk_attacks.read_state(opened, round_id).participants
        opened.close()
        assert attack.cells["participation"] == set(in_image)
        if name == "main file and WAL":
            assert set(in_image) == set(live.participants)
        figures.append(
            f"{name}: {len(in_image)} rows, {attack.at_their_position} at their voting position"
            " by rowid; " + ", ".join(f"tau {what} {tau:+.2f}" for what, tau in attack.tau.items())
        )
        leaks += [f"{name}: {what}" for what, tau in attack.tau.items() if abs(tau) > ORDER_TAU]
    report = f"{jurors} jurors: " + "; ".join(figures)
    print("\n" + report)
    assert not leaks, f"the voting order can be read from {leaks}. {report}"


# --- PostgreSQL -----------------------------------------------------------------------------


def _pageinspect(connection) -> str:
    """The schema of pageinspect, created in `public` if missing (the test user is a
    superuser); skips where the server does not ship it."""
    available = connection.scalar(
        text("SELECT count(*) FROM pg_available_extensions WHERE name = 'pageinspect'")
    )
    if not available:
        pytest.skip("this PostgreSQL server does not ship the pageinspect extension")
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect WITH SCHEMA public"))
    return connection.scalar(
        text(
            "SELECT extnamespace::regnamespace::text FROM pg_extension"
            " WHERE extname = 'pageinspect'"
        )
    )


# Each table's live rows of a round, with their ctid as (block, line pointer).
_LIVE_ROWS = {
    "ballot": "SELECT (ctid::text::point)[0]::int, (ctid::text::point)[1]::int, tracker"
    " FROM ballot WHERE round_id = :r",
    "participation": "SELECT (ctid::text::point)[0]::int, (ctid::text::point)[1]::int, juror_id"
    " FROM participation WHERE round_id = :r",
}


def _assert_reads_live_rows(connection, heap, closed: ClosedRound) -> None:
    """The page reader is right: at every live row's ctid it found that row's tuple."""
    for table, rows in _LIVE_ROWS.items():
        at = {(t.block, t.line_pointer): t for t in heap[table]}
        live = connection.execute(text(rows), {"r": closed.election.round_id}).all()
        expected = closed.trackers if table == "ballot" else set(closed.election.juror_ids)
        assert {value for _, _, value in live} == expected
        for block, lp, value in live:
            assert (block, lp) in at, (table, block, lp)
            if table == "ballot":
                assert disk_attacks.trackers_in(at[block, lp].data, frozenset([value]))
            else:
                assert postgres_pages.participation_of(at[block, lp])[1] == value


@pytest.mark.database("postgresql")  # attacks PostgreSQL's heap; SQLite has its own WAL tests
def test_postgresql_heap_pages_link_no_juror_to_a_ballot(
    client, settings, staff, every_request_ticks
):
    """Every tuple of every heap page of every table of the schema (pageinspect's line pointers,
    live and dead, and tuple headers carved from freed space): jurors in `participation` tied to
    the trackers of any tuple with the same t_xmin. Right after the close, then again after
    VACUUM of `ballot` and `participation` (which removes dead tuples only where no other
    session's snapshot still needs them: the figures say how many were left)."""
    jurors = 30
    closed = _vote_and_close(settings, staff, jurors)
    wait_for_the_scrub(client, settings, closed.election.round_id)
    known = frozenset(closed.trackers)
    engine = create_engine(settings.database_url, isolation_level="AUTOCOMMIT")
    figures, scores = [], []
    try:
        with engine.connect() as connection:
            schema = _pageinspect(connection)
            for when in ("after close", "after VACUUM"):
                if when == "after VACUUM":
                    connection.execute(text("VACUUM ballot, participation"))
                started = time.perf_counter()
                tables = postgres_pages.schema_tables(connection)
                heap = {t: postgres_pages.heap_tuples(connection, schema, t) for t in tables}
                seconds = time.perf_counter() - started
                _assert_reads_live_rows(connection, heap, closed)
                every = [t for tuples in heap.values() for t in tuples]
                links = disk_attacks.link_by_xmin(
                    heap["participation"], every, closed.election.round_id, known
                )
                score = links.score(closed.shown, known)
                ballots = heap["ballot"]
                dead = sum(t.line_pointer is not None and t.xmax != 0 for t in ballots)
                carved = sum(t.line_pointer is None for t in ballots)
                figures.append(
                    f"{when}: {score}; {len(ballots)} tuples in ballot's heap ({dead} deleted,"
                    f" {carved} carved from freed space); {len(tables)} tables read in"
                    f" {seconds:.2f} s"
                )
                scores.append(score)
    finally:
        engine.dispose()
    report = f"{jurors} jurors (vote and close {closed.seconds:.1f} s): " + "; ".join(figures)
    print("\n" + report)
    assert all(score.linked == 0 for score in scores), report
