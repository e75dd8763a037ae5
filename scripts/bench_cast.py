"""Benchmark: N jurors log in and cast concurrently against uvicorn on 127.0.0.1 with the embedded
SQLite database; reports logins, casts per second, latency percentiles and errors.

    .venv/bin/python scripts/bench_cast.py [--jurors 200] [--nominees 10] [--workers 1]
                                           [--postgres URL] [--fast-hash]

Jurors log in first (argon2id at the production costs unless --fast-hash), then all cast at
once through the JSON API, a ballot in each of three categories (approval, IRV ranking every
nominee, score), each of --nominees nominees.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awards import migrate
from awards.settings import Argon2Params, Settings
from tests.factories import JUROR_PASSWORD, build_election, scratch_schema
from tests.server import Server, juror_client


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by a process and its children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(x) for x in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def run(base_url: str, election, concurrency_logins: int, server_pid: int) -> None:
    gate = asyncio.Semaphore(concurrency_logins)

    async def login(email: str):
        async with gate:
            return await juror_client(base_url, email, JUROR_PASSWORD)

    started = time.perf_counter()
    clients = await asyncio.gather(*(login(e) for e in election.emails))
    login_seconds = time.perf_counter() - started
    print(
        f"{len(clients)} jurors logged in in {login_seconds:.1f} s "
        f"({len(clients) / login_seconds:.0f} logins/s; argon2id is meant to be slow)"
    )
    n = election.nominees
    body = {
        "ballots": {
            "approval": {"approve": sorted(n["approval"][:2])},
            "irv": {"ranking": n["irv"][::-1]},
            "score-mean": {"scores": {n["score_mean"][0]: 8, n["score_mean"][1]: 5}},
        }
    }
    url = f"/api/rounds/{election.round_id}/cast"
    latencies: list[float] = []
    errors: dict[str, int] = {}

    async def cast(client) -> None:
        begun = time.perf_counter()
        try:
            response = await client.post(url, json=body)
            if response.status_code != 201:
                errors[str(response.status_code)] = errors.get(str(response.status_code), 0) + 1
        except Exception as exc:
            errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
        latencies.append(time.perf_counter() - begun)

    cpu_before = cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(cast(c) for c in clients))
    seconds = time.perf_counter() - started
    server_cpu = cpu_seconds(server_pid) - cpu_before
    await asyncio.gather(*(c.aclose() for c in clients))
    ms = [x * 1000 for x in latencies]
    print(f"{len(clients)} casts in {seconds:.2f} s: {len(clients) / seconds:.0f} casts/s")
    if server_cpu > 0:  # one worker: the server is this process; with more, its children
        print(f"server CPU {server_cpu:.2f} s: {server_cpu / len(clients) * 1000:.1f} ms a cast")
    print(
        f"latency p50 {percentile(ms, 0.5):.0f} ms, p95 {percentile(ms, 0.95):.0f} ms, "
        f"p99 {percentile(ms, 0.99):.0f} ms, mean {statistics.mean(ms):.0f} ms"
    )
    print(f"errors: {sum(errors.values())} {errors if errors else ''}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jurors", type=int, default=200)
    parser.add_argument("--nominees", type=int, default=10, help="per category")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--postgres", metavar="URL", help="run on PostgreSQL, in a scratch schema dropped after"
    )
    parser.add_argument("--fast-hash", action="store_true", help="cheap argon2 for quick runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        url = (
            stack.enter_context(scratch_schema(args.postgres))
            if args.postgres
            else f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        )
        argon2 = Argon2Params(1, 1024, 1) if args.fast_hash else Argon2Params()
        settings = Settings(database_url=url, cookie_secure=False, argon2=argon2)
        migrate.upgrade(settings)
        election = build_election(
            settings,
            jurors=args.jurors,
            methods=("approval", "irv", "score_mean"),
            nominees_per_category=args.nominees,
        )
        with Server(settings, Path(tmp), workers=args.workers) as server:
            asyncio.run(run(server.url, election, 8, server.process.pid))


if __name__ == "__main__":
    main()
