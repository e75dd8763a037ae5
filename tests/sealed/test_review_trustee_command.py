"""Security review of the trustee command. Each test FAILS while its finding stands (see the
review's report)."""

import json
import os
import stat

from ballots.cli import main as ballots_main
from ballots.sealed.command import _write


def test_a_key_file_is_never_written_through_a_planted_link(tmp_path) -> None:
    """`_write` writes `.NAME.tmp` with write_bytes (following a symbolic link there, created
    with the umask's mode) and only then chmods it: whoever can write the folder plants the
    link and receives the key file."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.write_bytes(b"")
    (tmp_path / ".t1.key.tmp").symlink_to(elsewhere)
    _write(tmp_path / "t1.key", {"secret": "x"})
    assert elsewhere.read_bytes() == b""
    assert stat.S_IMODE(os.stat(tmp_path / "t1.key").st_mode) == 0o600


def test_begin_says_what_threshold_the_trustee_commits_to(tmp_path, monkeypatch, capsys) -> None:
    """The threshold comes from the server's ceremony file and ends up in the fingerprint that
    the trustees compare, but no step of the command prints it: a relay that hands every
    trustee `"threshold": 1` gets a key any one of them (or one it plays) opens alone."""
    monkeypatch.setenv("AWARDS_TRUSTEE_PASSPHRASE", "p")
    monkeypatch.setenv("AWARDS_TRUSTEE_KEY_COST", "interactive")
    bundle = {
        "format": "awards-ceremony/1",
        "context": {"season": "2026", "round": "final"},
        "threshold": 1,
        "trustees": [{"trustee": n, "name": f"评审 {n}"} for n in (1, 2, 3)],
        "commitments": [],
        "shares": [],
        "confirmations": [],
        "fingerprint": None,
    }
    (tmp_path / "ceremony.json").write_text(json.dumps(bundle))
    arguments = ["--ceremony", str(tmp_path / "ceremony.json"), "--trustee", "1"]
    out = ["--key", str(tmp_path / "t1.key"), "--out", str(tmp_path / "c1.json")]
    assert ballots_main(["trustee", "begin", *arguments, *out]) == 0
    printed = capsys.readouterr().out.replace(str(tmp_path), "")
    assert "threshold" in printed or "门限" in printed, printed
