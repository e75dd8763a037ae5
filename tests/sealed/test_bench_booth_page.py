"""scripts/bench_booth_page.py at a tiny size, so that the benchmark cannot rot: it builds a booth
round, has Chromium encrypt, open-and-recast and cast a ballot, and times the server's checks.
What it measures is not checked: a test that times things fails on a busy machine."""

import subprocess
import sys

import pytest

from tests import ROOT
from tests.pages_in_chromium import needs_chromium

pytestmark = [pytest.mark.browser, needs_chromium]


@pytest.mark.database("sqlite")
def test_the_booth_benchmark_runs_and_prints_every_figure():
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench_booth_page.py"),
            "--jurors",
            "2",
            "--runs",
            "1",
            "--nominees",
            "12",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    for line in (
        "encrypt and prove, click to screen, first",
        "encrypt and prove, click to screen, best later",
        "the same encryption and proofs on the page's throttled thread",
        "cast, click to trackers on screen",
        "server's check of one juror's proofs",
    ):
        assert line in done.stdout, done.stdout
