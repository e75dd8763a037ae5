"""The auditor's core runs alone (issue 10): `python -m ballots tally|verify` in a fresh venv
that holds nothing but a copy of the `ballots` package, and the core importing nothing but the
standard library (numpy's kernels, `ballots.arrays`, only when a large count asks for them)."""

import json
import random
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from ballots.canonical import canonical_json
from ballots.record import parse_record
from ballots.tally import ARRAY_THRESHOLD, results_bytes
from tests import ROOT
from tests.records import one_category_record


@pytest.fixture(scope="module")
def alone(tmp_path_factory) -> Path:
    """The python of a new venv (no pip, nothing from the network) with only `ballots` in it."""
    home = tmp_path_factory.mktemp("venv")
    venv.create(home, with_pip=False, symlinks=True)
    python = home / "bin" / "python"
    purelib = subprocess.run(
        [python, "-I", "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    shutil.copytree(
        ROOT / "ballots", Path(purelib) / "ballots", ignore=shutil.ignore_patterns("__pycache__")
    )
    assert [p.name for p in Path(purelib).iterdir()] == ["ballots"]
    return python


def _ballots(python: Path, *args: str) -> subprocess.CompletedProcess:
    # -I: no PYTHONPATH, no user site, not the current folder; only the venv's own packages.
    return subprocess.run([python, "-I", "-m", "ballots", *args], capture_output=True, check=False)


def _approval(**edit) -> dict:
    contents = [{"approve": ["a"]}, {"abstain": True}]
    raw = json.loads(one_category_record("approval", ["a", "b"], contents, max_choices=1))
    raw["categories"][0].update(edit)
    return raw


def test_the_venv_has_no_numpy(alone):
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('numpy') is not None)"
    assert subprocess.run([alone, "-I", "-c", probe], check=False).returncode == 0


def test_tally_and_verify_in_a_venv_with_nothing_but_ballots(alone, tmp_path):
    record, results = tmp_path / "record.json", tmp_path / "results.json"
    record.write_bytes(canonical_json(_approval()))
    done = _ballots(alone, "tally", "--record", str(record))
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == results_bytes(parse_record(record.read_bytes())) + b"\n"
    assert _ballots(alone, "tally", "--record", str(record), "--out", str(results)).returncode == 0
    assert results.read_bytes() == done.stdout[:-1]  # byte for byte the sealed results file
    done = _ballots(alone, "verify", "--record", str(record), "--results", str(results))
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        b"verified: every check passed\n",
        b"",
    )
    tampered = json.loads(results.read_bytes())
    tampered["categories"][0]["winners"] = []
    results.write_bytes(canonical_json(tampered))
    done = _ballots(alone, "verify", "--record", str(record), "--results", str(results))
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == [
        "FAIL results, category c: tally: winners does not match the recount",
        "1 checks failed",
    ]


def test_refusals_in_a_venv_with_nothing_but_ballots(alone, tmp_path):
    missing = str(tmp_path / "missing.json")
    done = _ballots(alone, "tally", "--record", missing)
    assert done.returncode == 2
    assert f"cannot read {missing}: No such file or directory" in done.stderr.decode()
    assert _ballots(alone, "verify", "--record", missing, "--results", missing).returncode == 2
    record = tmp_path / "record.json"
    record.write_bytes(canonical_json(_approval(winners=1.0)))
    done = _ballots(alone, "tally", "--record", str(record))
    assert (done.returncode, done.stdout) == (2, b"")
    assert "category c: winners is not a whole number" in done.stderr.decode()
    raw = _approval()
    raw["categories"][0]["ballots"][1]["content"] = {"abstain": 1}
    record.write_bytes(canonical_json(raw))
    done = _ballots(alone, "tally", "--record", str(record))
    assert (done.returncode, done.stdout) == (1, b"")
    assert done.stderr.decode().splitlines() == [
        f'FAIL category c, ballot {1:032x}: ballot: an abstention is {{"abstain": true}}',
        "1 ballots are not valid: nothing was counted",
    ]


@pytest.mark.parametrize("method", ["irv", "schulze", "borda", "score_mean"])
def test_the_plain_count_is_the_numpy_count(alone, tmp_path, method):
    """Above the threshold this process counts with numpy, the venv in plain Python."""
    rng = random.Random(method)
    nominees = [f"n{i}" for i in range(6)]
    if method == "score_mean":
        contents = [
            {"scores": {n: rng.randint(1, 5) for n in rng.sample(nominees, 3)}}
            for _ in range(ARRAY_THRESHOLD + 500)
        ]
        data = one_category_record(method, nominees, contents, score_min=1, score_max=5)
    else:
        contents = [
            {"ranking": rng.sample(nominees, rng.randint(1, 6))}
            for _ in range(ARRAY_THRESHOLD + 500)
        ]
        data = one_category_record(method, nominees, contents)
    record = tmp_path / "record.json"
    record.write_bytes(data)
    done = _ballots(alone, "tally", "--record", str(record))
    assert done.returncode == 0, done.stderr
    assert done.stdout == results_bytes(parse_record(data)) + b"\n"


IMPORTS = """
import sys
before = set(sys.modules)
sys.path.insert(0, sys.argv[1])
import importlib, pkgutil
import ballots
for found in pkgutil.iter_modules(ballots.__path__):
    if found.name != "arrays":
        importlib.import_module("ballots." + found.name)
from ballots import cli
assert cli.main(["tally", "--record", sys.argv[2], "--out", sys.argv[3]]) == 0
assert cli.main(["verify", "--record", sys.argv[2], "--results", sys.argv[3]]) == 0
loaded = {name.partition(".")[0] for name in set(sys.modules) - before}
print("third-party:", *sorted(loaded - set(sys.stdlib_module_names) - {"ballots"}))
"""


def test_the_core_imports_nothing_but_the_standard_library(tmp_path):
    """In this project's own venv, where numpy and everything else is installed."""
    record = tmp_path / "record.json"
    record.write_bytes(canonical_json(_approval()))
    done = subprocess.run(
        [sys.executable, "-I", "-c", IMPORTS, str(ROOT), str(record), str(tmp_path / "out.json")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.splitlines()[-1] == "third-party:"
