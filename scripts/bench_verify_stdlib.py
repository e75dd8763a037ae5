"""Benchmark: `python -m ballots tally` and `verify` on an N-ballot record (default 1,000,000 full
rankings of 20 nominees, the record scripts/bench_tally.py builds), with the standard library
only beside the numpy path.

    .venv/bin/python scripts/bench_verify_stdlib.py [--ballots 1000000] [--nominees 20]

Each time is a whole command, start-up and reading the file included, as an auditor pays it.
The standard-library runs use this same python with -S: no site-packages, so no numpy (checked
before anything is timed); the numpy runs keep this venv's site-packages. Both must write the
same results, byte for byte.
"""

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ranked_record import random_rankings, ranked_record

ROOT = Path(__file__).resolve().parent.parent
# -I: no PYTHONPATH, no user site, not the current folder; the project's `ballots` is put first.
RUN = (
    "import runpy, sys; sys.path.insert(0, sys.argv.pop(1)); "
    "runpy.run_module('ballots', run_name='__main__', alter_sys=True)"
)
NO_NUMPY = "import importlib.util, sys; sys.exit(importlib.util.find_spec('numpy') is not None)"


def _python(stdlib_only: bool) -> list[str]:
    return [sys.executable, "-I", *(["-S"] if stdlib_only else [])]


def _timed(stdlib_only: bool, *args: str) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run(
        [*_python(stdlib_only), "-c", RUN, str(ROOT), *args], capture_output=True, check=False
    )
    if done.returncode not in (0, 1):
        sys.exit(done.stderr.decode())
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--nominees", type=int, default=20)
    args = parser.parse_args()
    if subprocess.run([*_python(True), "-c", NO_NUMPY], check=False).returncode != 0:
        sys.exit("numpy is importable with -S: the standard-library runs would not be")
    rng = random.Random(2024)
    nominees = [f"n{i:02d}" for i in range(args.nominees)]
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "record.json"
        started = time.perf_counter()
        rankings = random_rankings(rng, args.ballots, nominees)
        record.write_bytes(ranked_record(rng, nominees, rankings))
        del rankings  # the record is read back by each command; this process keeps none of it
        print(
            f"{args.ballots:,} ranked ballots over {args.nominees} nominees (irv): record of "
            f"{record.stat().st_size / 1e6:.0f} MB built in {time.perf_counter() - started:.1f} s"
        )
        written = {}
        for stdlib_only, name in ((True, "standard library"), (False, "numpy")):
            results = Path(tmp) / f"results-{'stdlib' if stdlib_only else 'numpy'}.json"
            tally, _ = _timed(stdlib_only, "tally", "--record", str(record), "--out", str(results))
            verify, code = _timed(
                stdlib_only, "verify", "--record", str(record), "--results", str(results)
            )
            written[name] = results.read_bytes()
            print(
                f"{name:17} python -m ballots tally {tally:6.1f} s | "
                f"verify {verify:6.1f} s (exit {code})"
            )
        same = len(set(written.values())) == 1
        print("results identical byte for byte" if same else "RESULTS DIFFER")


if __name__ == "__main__":
    main()
