"""`awards tally --record` and `awards verify` on crafted files (issue 8): a named failure on
stderr and a non-zero exit, never a traceback; `--csv DIR` writes only inside DIR. Run in-process,
so that any exception fails the test."""

import hashlib
import json
from pathlib import Path

import pytest

from awards.cli import main
from ballots.canonical import canonical_json
from ballots.record import parse_record
from ballots.tally import results_bytes
from tests.records import one_category_record


@pytest.fixture
def awards(tmp_path, capsys, monkeypatch):
    """Run `awards ARGS` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setenv("AWARDS_VAR_DIR", str(tmp_path / "var"))
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):  # the terminal's language: the default
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _approval(**extra) -> dict:
    contents = [{"approve": ["a"]}, {"abstain": True}]
    return json.loads(one_category_record("approval", ["a", "b"], contents, max_choices=1, **extra))


def _file(tmp_path: Path, raw, name: str = "record.json") -> str:
    path = tmp_path / name
    path.write_bytes(raw if isinstance(raw, bytes) else canonical_json(raw))
    return str(path)


def _results_for(raw: dict) -> bytes:
    return results_bytes(parse_record(canonical_json(raw)))


def test_a_good_record_is_tallied_and_verified(awards, tmp_path):
    record = _file(tmp_path, _approval())
    code, out, _err = awards("tally", "--record", record, "--full")  # one ballot: a small jury
    assert code == 0
    assert "有效票 1 张，弃权 1 张" in out
    results = _file(tmp_path, _results_for(_approval()), "results.json")
    assert awards("verify", "--record", record, "--results", results)[0] == 0


@pytest.mark.parametrize("path", ["missing.json", "."])
def test_an_unreadable_path_is_named(awards, tmp_path, path):
    target = str(tmp_path / path)
    code, _out, err = awards("tally", "--record", target)
    assert code == 2
    assert f"cannot read {target}" in err
    code, _out, err = awards("verify", "--record", target, "--results", target)
    assert code == 2
    assert f"cannot read {target}" in err


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"\xff\xfe\x00", "record: not UTF-8"),
        (b"\x80{}", "record: not UTF-8"),
        (b"{]", "record: not JSON"),
        (b"9" * 5000, "record: not JSON"),
        (b"[" * 50_000, "record: not JSON"),
    ],
)
def test_a_file_that_is_not_json_is_named(awards, tmp_path, data, named):
    path = _file(tmp_path, data)
    code, _out, err = awards("tally", "--record", path)
    assert (code, named in err) == (2, True), err
    code, _out, err = awards("verify", "--record", path, "--results", path)
    assert (code, named.replace("record: ", "record: format: ") in err) == (1, True), err


def _edited(edit) -> dict:
    raw = _approval()
    edit(raw)
    return raw


WRONG_TYPES = [
    (lambda r: r["categories"][0].update(winners=1.0), "category c: winners is not a whole number"),
    (
        lambda r: r["categories"][0].update(method="score_trimmed_mean", score_min=0, trim=1.5),
        "category c: trim is not a whole number",
    ),
    (lambda r: r["categories"][0].update(method="plurality"), "category c: method is not one of"),
    (lambda r: r["categories"][0].update(nominees="ab"), "category c: nominees is not a list"),
    (lambda r: r["round"]["tie_break"].update(seed="xyz"), "round: seed is not 64 lowercase hex"),
    (lambda r: r.update(categories=[[]]), "category [0]: not an object"),
    (lambda r: r["round"].update(id=None), "round: id is not an id"),
]


@pytest.mark.parametrize(("edit", "named"), WRONG_TYPES)
def test_tally_refuses_a_record_of_wrong_types(awards, tmp_path, edit, named):
    code, _out, err = awards("tally", "--record", _file(tmp_path, _edited(edit)))
    assert code == 2
    assert named in err


@pytest.mark.parametrize("content", [{"abstain": False}, {"abstain": 1}, {"approve": "a"}])
def test_tally_refuses_a_record_whose_ballots_are_not_valid(awards, tmp_path, content):
    raw = _edited(lambda r: r["categories"][0]["ballots"][0].update(content=content))
    tracker = raw["categories"][0]["ballots"][0]["tracker"]
    code, out, err = awards("tally", "--record", _file(tmp_path, raw), "--json")
    assert code == 1
    assert out == ""
    assert f"category c, ballot {tracker}: ballot: " in err


@pytest.mark.parametrize(
    ("field", "value"),
    [("quorum", 1.0), ("eligible_jurors", 2.0), ("max_choices", 1.0), ("participants", True)],
)
def test_verify_refuses_floats_where_the_spec_says_integers(awards, tmp_path, field, value):
    honest = _approval()
    raw = _edited(lambda r: r["categories"][0].update({field: value}))
    record = _file(tmp_path, raw)
    results = json.loads(_results_for(honest))
    results["record_sha256"] = hashlib.sha256(Path(record).read_bytes()).hexdigest()
    code, _out, err = awards(
        "verify", "--record", record, "--results", _file(tmp_path, results, "results.json")
    )
    assert code == 1
    assert f"category c: format: {field} is not a whole number" in err


def test_score_settings_must_be_integers_for_verify(awards, tmp_path):
    contents = [{"scores": {"a": 1}}]
    honest = json.loads(
        one_category_record("score_mean", ["a"], contents, score_min=0, score_max=5)
    )
    raw = json.loads(canonical_json(honest))
    raw["categories"][0]["score_min"] = 0.0
    record = _file(tmp_path, raw)
    results = json.loads(_results_for(honest))
    results["record_sha256"] = hashlib.sha256(Path(record).read_bytes()).hexdigest()
    code, _out, err = awards(
        "verify", "--record", record, "--results", _file(tmp_path, results, "results.json")
    )
    assert code == 1
    assert "category c: format: score_min is not a whole number" in err


def test_text_from_the_file_is_printed_as_text_not_as_markup(awards, tmp_path):
    """rich reads "[/]" as a closing tag and raised MarkupError on a crafted label or tracker."""
    raw = _approval()
    raw["categories"][0]["name"] = "[bold]奖项[/]"
    raw["categories"][0]["nominees"][0]["label"] = "[/]"
    code, out, _err = awards("tally", "--record", _file(tmp_path, raw))
    assert code == 0
    assert "[/]" in out
    assert "[bold]奖项[/]" in out
    raw["categories"][0]["ballots"][0]["tracker"] = "[/red]"
    code, _out, err = awards("verify", "--record", _file(tmp_path, raw), "--results", "/dev/null")
    assert code == 1
    assert "category c, ballot [/red]: tracker: not 16 bytes in hex" in err


def test_control_characters_from_the_file_are_printed_escaped(awards, tmp_path):
    """Issue 10: a crafted tracker or key reached the auditor's terminal as it was, so an escape
    sequence in it could clear the screen or rewrite the line that names a failure."""
    raw = _approval()
    raw["categories"][0]["ballots"][0]["tracker"] = "\x1b[2J"
    code, _out, err = awards("verify", "--record", _file(tmp_path, raw), "--results", "/dev/null")
    assert code == 1
    assert "\x1b" not in err
    assert "category c, ballot \\x1b[2J: tracker: not 16 bytes in hex" in err
    raw = _approval()
    raw["categories"][0]["recused"] = {"a\x1b]0;x\u202e": 1.0}
    code, _out, err = awards("tally", "--record", _file(tmp_path, raw))
    assert code == 2
    assert "category c: recused a\\x1b]0;x\\u202e is not a whole number" in err


def test_csv_files_are_written_only_inside_the_folder(awards, tmp_path):
    raw = _edited(lambda r: r["categories"][0].update(id="../../x"))
    out_dir = tmp_path / "a" / "b" / "csv"
    code, _out, err = awards("tally", "--record", _file(tmp_path, raw), "--csv", str(out_dir))
    assert code == 2
    assert "category [0]: id is not an id" in err
    assert not list(tmp_path.rglob("*.csv"))
    good = _file(tmp_path, _approval())
    assert awards("tally", "--record", good, "--csv", str(out_dir))[0] == 0
    assert [p.relative_to(out_dir) for p in out_dir.rglob("*")] == [Path("c.csv")]


def test_an_output_that_cannot_be_written_is_named(awards, tmp_path):
    good = _file(tmp_path, _approval())
    code, _out, err = awards("tally", "--record", good, "--html", str(tmp_path))
    assert code == 2
    assert f"无法写入 {tmp_path}：这是一个文件夹。" in err
    code, _out, err = awards("tally", "--record", good, "--csv", good)
    assert code == 2
    assert f"无法写入 {good}" in err
    code, _out, err = awards("tally", "--record", good, "--csv", good, "--lang", "en")
    assert f"Cannot write {good}: something of that name is already there." in err
