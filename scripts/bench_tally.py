"""Benchmark: count N random ranked ballots over M nominees (default 1,000,000 x 20) with this
project's tally beside pref_voting and votekit, check the winners agree, print the ratios; then
approval and score methods on N ballots, and `awards tally --record` / `awards verify` on an
N-ballot record file.

    .venv/bin/python scripts/bench_tally.py [--ballots 1000000] [--nominees 20] [--skip-others]

Each time is end to end, as each library's users pay it: from the parsed ballot lists to this
project's results document, and from the same lists to pref_voting's or votekit's winners
(profile construction included).
"""

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ranked_record import SEED, random_rankings, ranked_record

from ballots.canonical import canonical_json, gc_paused
from ballots.record import Ballot, CategoryRecord
from ballots.tally import count_category, lot_positions


def category(method: str, nominees: list[str], contents: list[dict], **extra) -> CategoryRecord:
    return CategoryRecord(
        id="c",
        name="c",
        method=method,
        winners=1,
        quorum=0,
        disclosure="full",
        eligible_jurors=len(contents),
        participants=len(contents),
        nominees=[{"id": n, "label": n} for n in nominees],
        recused={},
        ballots=[Ballot(f"{i:032x}", c) for i, c in enumerate(contents)],
        merkle_root="",
        **extra,
    )


def ours(method: str, nominees: list[str], rankings: list[list[str]]) -> tuple[float, str]:
    started = time.perf_counter()
    with gc_paused():  # as the record reader builds its ballots
        ballots = category(method, nominees, [{"ranking": r} for r in rankings])
    result = count_category(ballots, SEED)
    canonical_json(result.to_json())
    return time.perf_counter() - started, result.ranking[0].nominee


def pref_voting_time(
    method: str, nominees: list[str], rankings: list[list[str]]
) -> tuple[float, set[str]]:
    from pref_voting.iterative_methods import instant_runoff_tb
    from pref_voting.margin_based_methods import beat_path
    from pref_voting.profiles import Profile
    from pref_voting.scoring_methods import borda

    index = {n: i for i, n in enumerate(nominees)}
    started = time.perf_counter()
    profile = Profile([[index[n] for n in r] for r in rankings])
    built = time.perf_counter() - started
    if method == "borda":
        winners = borda(profile)
    elif method == "schulze":
        winners = beat_path(profile)
    else:
        lot = lot_positions(SEED, nominees)
        winners = instant_runoff_tb(
            profile, tie_breaker=[index[n] for n in sorted(nominees, key=lot.get, reverse=True)]
        )
    total = time.perf_counter() - started
    print(f"    pref_voting profile {built:.1f} s, method {total - built:.1f} s")
    return total, {nominees[w] for w in winners}


def votekit_time(
    method: str, nominees: list[str], rankings: list[list[str]]
) -> tuple[float, set[str]] | None:
    try:
        from votekit.ballot import RankBallot
        from votekit.elections import Borda, FastSTV
        from votekit.pref_profile import RankProfile
    except ImportError:
        return None
    if method == "schulze":
        return None
    started = time.perf_counter()
    profile = RankProfile(ballots=[RankBallot(ranking=[{n} for n in r]) for r in rankings])
    # FastSTV with one seat is votekit's fast instant runoff.
    election = FastSTV(profile, n_seats=1) if method == "irv" else Borda(profile, n_seats=1)
    winners = {n for group in election.get_elected() for n in group}
    return time.perf_counter() - started, winners


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ballots", type=int, default=1_000_000)
    parser.add_argument("--nominees", type=int, default=20)
    parser.add_argument("--skip-others", action="store_true", help="only this project's times")
    args = parser.parse_args()
    rng = random.Random(2024)
    nominees = [f"n{i:02d}" for i in range(args.nominees)]
    started = time.perf_counter()
    rankings = random_rankings(rng, args.ballots, nominees)
    print(
        f"{args.ballots:,} ranked ballots over {args.nominees} nominees, "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    for method in ("irv", "schulze", "borda"):
        seconds, winner = ours(method, nominees, rankings)
        line = f"{method:8} this project {seconds:6.2f} s (winner {winner})"
        others = []
        if not args.skip_others:
            pv_seconds, pv_winners = pref_voting_time(method, nominees, rankings)
            others.append(("pref_voting", pv_seconds, pv_winners))
            vk = votekit_time(method, nominees, rankings)
            if vk is not None:
                others.append(("votekit", *vk))
        for name, other_seconds, winners in others:
            agree = "agree" if winner in winners else f"DISAGREE {sorted(winners)}"
            line += f" | {name} {other_seconds:6.1f} s, winners {agree}"
        if others:
            fastest = min(o[1] for o in others)
            line += f" | {fastest / seconds:.1f}x faster than the fastest other"
        print(line)
    approvals = [{"approve": sorted(rng.sample(nominees, 3))} for _ in range(args.ballots)]
    started = time.perf_counter()
    with gc_paused():
        approval_ballots = category("approval", nominees, approvals, max_choices=3)
    count_category(approval_ballots, SEED)
    print(f"approval on {args.ballots:,} ballots: {time.perf_counter() - started:.2f} s")
    scores = [
        {"scores": {n: rng.randint(1, 10) for n in rng.sample(nominees, 5)}}
        for _ in range(args.ballots)
    ]
    for method in ("score_mean", "score_trimmed_mean"):
        started = time.perf_counter()
        with gc_paused():
            score_ballots = category(method, nominees, scores, score_min=1, score_max=10, trim=1)
        count_category(score_ballots, SEED)
        print(f"{method} on {args.ballots:,} ballots: {time.perf_counter() - started:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        record = Path(tmp) / "record.json"
        record.write_bytes(ranked_record(rng, nominees, rankings))
        print(f"record file: {record.stat().st_size / 1e6:.0f} MB")
        awards = [sys.executable, "-m", "awards"]
        started = time.perf_counter()
        results = subprocess.run(
            [*awards, "tally", "--record", str(record), "--json", "--full"],
            capture_output=True,
            check=True,
        ).stdout
        print(f"awards tally --record: {time.perf_counter() - started:.1f} s")
        (Path(tmp) / "results.json").write_bytes(results)
        started = time.perf_counter()
        done = subprocess.run(
            [
                *awards,
                "verify",
                "--record",
                str(record),
                "--results",
                str(Path(tmp) / "results.json"),
            ],
            capture_output=True,
            check=False,
        )
        print(f"awards verify: {time.perf_counter() - started:.1f} s (exit {done.returncode})")


if __name__ == "__main__":
    main()
