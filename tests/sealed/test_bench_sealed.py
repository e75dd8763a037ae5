"""scripts/bench_sealed.py at tiny sizes, so that the benchmark cannot rot: it runs every step of
a sealed round (casts, close, a trustee's mix, checks, decryptions, count, the auditor's verify)
and prints its table. What it measures is not checked: a test that times things fails on a busy
machine."""

import subprocess
import sys

from tests import ROOT

SCRIPT = ROOT / "scripts" / "bench_sealed.py"
ROWS = (
    "cast, plain round",
    "cast, sealed round",
    "sealed / plain",
    "close: board, its check, server's mix 1",
    "trustee 4: mix 2",
    "trustee: check the ceremony",
    "trustee: check the board",
    "trustee: check mix 1",
    "trustee: check mix 2",
    "trustee 1: partial decryption",
    "trustee 3: partial decryption",
    "trustee 5: partial decryption",
    "trustee: checks + slowest partial decryption",
    "count: open_box, record, results, annex",
    "auditor: ballots verify (2 mixes, 3 partials)",
    "trustee 2: partial decryption",
    "demo: close to results, in all",
)


def test_the_sealed_benchmark_runs_every_step_at_tiny_sizes():
    sizes = ["--jurors", "3", "--nominees", "5", "--categories", "6"]
    demo = ["--demo-jurors", "2", "--demo-categories", "3", "--demo-nominees", "3"]
    done = subprocess.run(
        [sys.executable, str(SCRIPT), *sizes, *demo],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    lines = done.stdout.splitlines()
    for name in ROWS:
        assert any(line.lstrip().startswith(name) for line in lines), name
    assert "3 jurors x 6 categories x 5 nominees, 3 of 5 trustees" in done.stdout
    assert "2 x 3 x 3, 2 of 3 trustees" in done.stdout
