"""Sealed files are never lost (issue 8, item 4): their names cannot collide, an existing file is
never overwritten, no edit moves or hides them, and a failed close leaves no file behind."""

import asyncio
import hashlib
import os
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

from awards.audit import Action
from awards.database import Database
from awards.errors import Conflict
from awards.models import AuditEvent, Round, Season
from awards.models.base import utcnow
from awards.voting import closing, sealed_files
from awards.voting.sealed_files import write_new
from awards.web import ScheduleMiddleware
from tests.factories import build_election, plant_ballot, run_db


def _round(settings, round_id: int) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _recode(settings, election, season_code: str, round_code: str) -> None:
    async def work(s):
        await s.execute(
            update(Season).where(Season.id == election.season_id).values(code=season_code)
        )
        await s.execute(update(Round).where(Round.id == election.round_id).values(code=round_code))

    run_db(settings, work)


def test_rounds_whose_codes_join_to_the_same_name_keep_their_own_files(
    staff, client, settings, database_url
):
    """Season 2024 with round x-y and season 2024-x with round y once wrote one file."""
    first = build_election(settings, jurors=1, methods=("approval",))
    _recode(settings, first, "2024", "x-y")
    second = build_election(settings, jurors=1, methods=("approval",), season_code="2024-x")
    _recode(settings, second, "2024-x", "y")
    for election in (first, second):
        assert (
            staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
            == 303
        )
        assert (
            staff.post(f"/staff/rounds/{election.round_id}/publish", {"confirm": "yes"}).status_code
            == 303
        )
    for election in (first, second):
        round_ = _round(settings, election.round_id)
        assert client.get(f"/rounds/{election.round_id}/results").status_code == 200
        staff_copy = staff.get(f"/rounds/{election.round_id}/files/results")
        assert staff_copy.status_code in (200, 403)  # public only where disclosure allows
        files = sorted(p.name for p in settings.records_dir.glob("*.json"))
        sealed = [
            p
            for p in settings.records_dir.glob("*.record.json")
            if hashlib.sha256(p.read_bytes()).hexdigest() == round_.record_sha256
        ]
        assert len(sealed) == 1, files
    assert len(list(settings.records_dir.glob("*.record.json"))) == 2


def test_renaming_a_season_after_close_moves_no_sealed_file(staff, client, settings):
    election = build_election(settings, jurors=1, methods=("approval",))
    staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"})
    staff.post(f"/staff/rounds/{election.round_id}/publish", {"confirm": "yes"})
    renamed = staff.post(
        f"/staff/seasons/{election.season_id}/edit",
        {"code": "2024-renamed", "name": "改名", "year": "2024"},
    )
    assert renamed.status_code == 303
    assert client.get(f"/rounds/{election.round_id}/results").status_code == 200


def test_an_existing_file_is_never_overwritten(tmp_path):
    path = tmp_path / "round-1.record.json"
    write_new(path, b"first")
    write_new(path, b"first")  # the same bytes again: nothing to do
    with pytest.raises(Conflict):
        write_new(path, b"second")
    assert path.read_bytes() == b"first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["round-1.record.json"]


def test_the_file_and_its_directory_are_flushed(tmp_path, monkeypatch):
    """Complete on disk before the seal is committed."""
    flushed = []
    real_fsync = os.fsync

    def fsync(fd):
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    write_new(tmp_path / "round-1.results.json", b"{}")
    # The data before the link (under its temporary name), the directory after it.
    assert len(flushed) == 2
    assert flushed[0].startswith(str(tmp_path / ".round-1.results.json."))
    assert flushed[1] == str(tmp_path)


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()  # a directory of that name is in the way
    with pytest.raises(IsADirectoryError):
        write_new(target, b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]


def test_a_close_that_fails_after_writing_leaves_no_file_and_the_round_open(
    staff, settings, monkeypatch
):
    """A fault between writing the files and the commit (here the audit event of the seal)."""
    from awards import audit

    election = build_election(settings, jurors=1, methods=("approval",))
    real_record = audit.record

    async def failing(session, *, action, **kw):
        if action == Action.ROUND_SEALED:
            raise OSError("disk gone")
        return await real_record(session, action=action, **kw)

    monkeypatch.setattr(audit, "record", failing)
    response = staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"})
    assert response.status_code == 500
    monkeypatch.setattr(audit, "record", real_record)
    assert _round(settings, election.round_id).state == "open"
    leftovers = list(settings.records_dir.glob("*")) if settings.records_dir.exists() else []
    assert leftovers == []
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    assert _round(settings, election.round_id).record_sha256


def test_a_record_that_fails_its_own_verification_is_not_sealed(staff, settings, client):
    """A ballot stored behind the cast check's back (here by hand in the database) that the
    count could not take: the close is refused, says why, and the round stays open."""
    election = build_election(settings, jurors=1, methods=("approval",))
    plant_ballot(settings, election, '{"abstain":1}', voter=False)  # a ballot nobody cast
    response = staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"})
    assert response.status_code == 409
    assert "核验" in response.text  # the record failed verification
    assert _round(settings, election.round_id).state == "open"
    assert not settings.records_dir.exists() or not list(settings.records_dir.glob("*"))


def test_a_refused_seal_names_no_tracker_and_no_ballot_content(staff, client, settings, caplog):
    """The message goes to staff, the log and the audit chain: where and which check, never
    which ballot or what it holds."""
    election = build_election(settings, jurors=1, methods=("approval",))
    secret_content, tracker = "n999999", "ab" * 16
    plant_ballot(settings, election, f'{{"approve":["{secret_content}"]}}', tracker)
    refused = staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"})
    assert refused.status_code == 409
    run_db(
        settings,
        lambda s: s.execute(update(Round).values(closes_at=utcnow() - timedelta(seconds=1))),
    )
    ScheduleMiddleware.EVERY_SECONDS = 0.0
    try:
        client.get("/login")  # the schedule tries, fails, and records why
    finally:
        ScheduleMiddleware.EVERY_SECONDS = 5.0
    changes = run_db(settings, lambda s: s.scalars(select(AuditEvent.changes)), write=False).all()
    assert any("verification" in c for c in changes)
    page = staff.get(f"/staff/rounds/{election.round_id}").text
    logged = "\n".join(r.getMessage() for r in caplog.records)
    for where in (refused.text, page, logged, *changes):
        assert tracker not in where
        assert secret_content not in where


def test_a_ballot_the_count_cannot_take_refuses_the_close_instead_of_failing(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",))
    plant_ballot(settings, election, '{"abstain":1}')  # counted as a vote, it crashed the count
    response = staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"})
    assert response.status_code == 409
    assert "核验" in response.text
    assert _round(settings, election.round_id).state == "open"


def test_a_commit_whose_answer_was_lost_keeps_its_sealed_files(settings, monkeypatch):
    """The database committed, then the connection died before saying so (a PostgreSQL
    server gone at COMMIT): the round is sealed, so its files must stay."""
    election = build_election(settings, jurors=1, methods=("approval",))
    real_commit = Connection._commit_impl

    def commit_then_fail(self, *args, **kwargs):
        real_commit(self, *args, **kwargs)
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    async def close_it():
        db = Database.from_settings(settings)
        monkeypatch.setattr(Connection, "_commit_impl", commit_then_fail)
        try:
            with pytest.raises(OperationalError):
                await closing.close(db, election.round_id, utcnow(), "test", settings)
        finally:
            monkeypatch.setattr(Connection, "_commit_impl", real_commit)
            await db.dispose()

    asyncio.run(close_it())
    sealed = _round(settings, election.round_id)
    assert sealed.state == "closed"
    record_file, _seal = sealed_files.sealed_file(settings.records_dir, sealed, "record")
    results_file, _seal = sealed_files.sealed_file(settings.records_dir, sealed, "results")
    assert hashlib.sha256(record_file.read_bytes()).hexdigest() == sealed.record_sha256
    assert results_file.exists()


def test_a_cancelled_close_leaves_no_file_and_the_round_open(settings, monkeypatch):
    """Cancelled (a shutdown, a timeout) while its worker thread writes the files: the thread
    cannot be stopped, so the close waits for it and then removes what it wrote."""
    election = build_election(settings, jurors=1, methods=("approval",))
    real_write = sealed_files.write_new

    def slow_write(path, data):  # a large record: writing takes a while
        time.sleep(0.5)
        return real_write(path, data)

    monkeypatch.setattr(sealed_files, "write_new", slow_write)

    async def cancel_it():
        db = Database.from_settings(settings)
        try:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(
                    closing.close(db, election.round_id, utcnow(), "test", settings), 0.2
                )
        finally:
            await db.dispose()

    asyncio.run(cancel_it())
    time.sleep(1.2)  # a thread left running would have written both files by now
    assert _round(settings, election.round_id).state == "open"
    assert not settings.records_dir.exists() or list(settings.records_dir.iterdir()) == []
