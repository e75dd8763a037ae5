"""Cross-checks against an independent implementation (pref_voting) on many random profiles,
and counts of real ranked ballots (PrefLib's Debian and Dublin North elections)."""

import hashlib
import random
from functools import partial
from pathlib import Path

import numba
import pytest

from ballots.record import parse_record
from ballots.tally import count, lot_positions
from ballots.verify import verify
from tests import DATA
from tests.records import one_category_record

# pref_voting compiles its numba functions on first use (about 13 s of the suite) and does not
# ask numba to keep them: its modules are imported with caching on, so they compile once per
# machine into the directory conftest names (NUMBA_CACHE_DIR, in pytest's cache).
_jit, numba.jit = numba.jit, partial(numba.jit, cache=True)
try:
    from pref_voting.iterative_methods import instant_runoff_tb
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile
    from pref_voting.scoring_methods import borda
finally:
    numba.jit = _jit

PREFLIB = DATA / "preflib"


def _record(method: str, nominees: list[str], rankings: list[list[str]], seed: bytes) -> bytes:
    return one_category_record(method, nominees, [{"ranking": r} for r in rankings], seed)


def _profiles(count_: int):
    rng = random.Random(2024)
    for _ in range(count_):
        m = rng.randint(3, 7)
        n = rng.randint(1, 40)
        nominees = [f"n{i}" for i in range(m)]
        # Few distinct orders make ties and Condorcet cycles likely.
        pool = [rng.sample(nominees, m) for _ in range(rng.randint(1, 6))]
        yield nominees, [list(rng.choice(pool)) for _ in range(n)], rng.randbytes(32)


@pytest.mark.parametrize("method", ["borda", "irv", "schulze"])
def test_winners_agree_with_pref_voting(method):
    checked = 0
    for nominees, rankings, seed in _profiles(300):
        record = parse_record(_record(method, nominees, rankings, seed))
        [result] = count(record)["categories"]
        ours = result["ranking"][0]["nominee"]
        index = {n: i for i, n in enumerate(nominees)}
        profile = Profile([[index[n] for n in r] for r in rankings])
        if method == "borda":
            theirs = borda(profile)
        elif method == "schulze":
            theirs = beat_path(profile)
        else:
            # pref_voting eliminates tie_breaker[0] first among the tied; the spec eliminates
            # the one the lot places last: the lot order reversed.
            lot = lot_positions(seed, nominees)
            last_first = sorted(nominees, key=lot.get, reverse=True)
            theirs = instant_runoff_tb(profile, tie_breaker=[index[n] for n in last_first])
        assert index[ours] in theirs, (method, rankings)
        if len(theirs) == 1:
            assert [index[ours]] == theirs
        checked += 1
    assert checked == 300


def _read_soi(path: Path) -> tuple[list[str], list[list[str]]]:
    nominees: dict[str, str] = {}
    rankings: list[list[str]] = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("# ALTERNATIVE NAME"):
            number = line.split(":", 1)[0].rsplit(" ", 1)[1]
            nominees[number] = f"a{number}"
        elif line and not line.startswith("#"):
            times, order = line.split(":", 1)
            ranking = [f"a{x.strip()}" for x in order.split(",") if x.strip()]
            rankings.extend([ranking] * int(times))
    return sorted(nominees.values(), key=lambda a: int(a[1:])), rankings


@pytest.mark.parametrize("name", ["00002-00000001.soi", "00002-00000003.soi", "00002-00000005.soi"])
def test_real_debian_elections_count_and_verify(name):
    nominees, rankings = _read_soi(PREFLIB / name)
    rankings = [r for r in rankings if r]
    seed = hashlib.sha256(name.encode()).digest()
    for method in ("borda", "irv", "schulze"):
        data = _record(method, nominees, rankings, seed)
        record = parse_record(data)
        results = count(record)
        [category] = results["categories"]
        assert category["valid"] == len(rankings)
        assert len(category["ranking"]) == len(nominees)
        from ballots.tally import results_bytes

        assert verify(data, results_bytes(record)) == []
