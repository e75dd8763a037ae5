"""Sealed files are never lost (issue 8, item 4): their names cannot collide, an existing file is
never overwritten, no edit moves or hides them, and a failed close leaves no file behind."""

import hashlib
import os

import pytest
from sqlalchemy import update

from awards.errors import Conflict
from awards.models import Ballot, Round, Season
from awards.sealed_files import write_new
from tests.factories import build_election, run_db


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
        assert staff.post(f"/staff/rounds/{election.round_id}/close").status_code == 303
        assert staff.post(f"/staff/rounds/{election.round_id}/publish").status_code == 303
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
    staff.post(f"/staff/rounds/{election.round_id}/close")
    staff.post(f"/staff/rounds/{election.round_id}/publish")
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
        if action == "round.sealed":
            raise OSError("disk gone")
        return await real_record(session, action=action, **kw)

    monkeypatch.setattr(audit, "record", failing)
    response = staff.post(f"/staff/rounds/{election.round_id}/close")
    assert response.status_code == 500
    monkeypatch.setattr(audit, "record", real_record)
    assert _round(settings, election.round_id).state == "open"
    leftovers = list(settings.records_dir.glob("*")) if settings.records_dir.exists() else []
    assert leftovers == []
    assert staff.post(f"/staff/rounds/{election.round_id}/close").status_code == 303
    assert _round(settings, election.round_id).record_sha256


def test_a_record_that_fails_its_own_verification_is_not_sealed(staff, settings, client):
    """A ballot stored behind the cast check's back (here by hand in the database) that the
    count could not take: the close is refused, says why, and the round stays open."""
    election = build_election(settings, jurors=1, methods=("approval",))
    run_db(
        settings,
        lambda s: s.execute(
            Ballot.__table__.insert().values(
                tracker="ab" * 16,
                round_id=election.round_id,
                category_id=election.categories["approval"],
                content='{"abstain":1}',
            )
        ),
    )
    response = staff.post(f"/staff/rounds/{election.round_id}/close")
    assert response.status_code == 409
    assert "核验" in response.text  # the record failed verification
    assert _round(settings, election.round_id).state == "open"
    assert not settings.records_dir.exists() or not list(settings.records_dir.glob("*"))
