"""Record files are written durably: complete on disk before the seal is committed."""

import os

import pytest

from awards.records import write_durably


def test_writes_replace_and_leave_nothing_else(tmp_path):
    target = tmp_path / "2024-final.record.json"
    write_durably(target, b"first")
    write_durably(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


def test_the_file_and_its_directory_are_flushed(tmp_path, monkeypatch):
    flushed = []
    real_fsync = os.fsync

    def fsync(fd):
        flushed.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    target = tmp_path / "2024-final.results.json"
    write_durably(target, b"{}")
    # The data before the rename (under its temporary name), the directory after it.
    assert len(flushed) == 2
    assert flushed[0].startswith(str(tmp_path / ".2024-final.results.json."))
    assert flushed[1] == str(tmp_path)


def test_a_failed_write_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "taken"
    target.mkdir()  # a file cannot replace a directory
    with pytest.raises(IsADirectoryError):
        write_durably(target, b"data")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
