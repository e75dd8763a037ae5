"""Benchmark: does a catalogue import stall the jurors? A staff user uploads a large catalogue
to uvicorn on 127.0.0.1 while logged-in jurors keep casting and loading their ballot page.

    .venv/bin/python scripts/bench_import_stall.py [--rows 10000] [--format xlsx|csv]
                                                   [--runs 1] [--postgres URL]

A fresh database (SQLite unless --postgres, then a scratch schema dropped after) holds an open
round (three categories, as tests/factories.py builds it) and a season to import into. uvicorn
(one worker) starts on it; a staff user and the jurors log in. Two probes then run, each one
request at a time, so that a stalled server shows as one long request:

- casts: the jurors cast in turn through the JSON API, each once (201), then the last one again
  and again with the same trackers (200: a repeat, which still takes the write transaction);
- page loads: another juror loads the ballot page (`GET /juror/rounds/ID/ballot`) every 5 ms.

After a second of that, the staff user uploads the catalogue (--rows rows, as
scripts/bench_import.py makes them). Reported: the upload's answer and time, and for each probe
its longest request and p50 while the upload ran, against the second before. Asserts nothing
about time; the upload must import every row (or be refused by a limit, which is said).
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_import import csv_file, workbook

from awards import migrate
from awards.settings import Argon2Params, Settings
from tests.factories import (
    JUROR_PASSWORD,
    build_election,
    create_staff_user,
    make_season,
    run_db,
    scratch_schema,
)
from tests.server import Server, juror_client

STAFF, STAFF_PASSWORD = "bench", "bench password long enough"


class Probe:
    """Requests one at a time; each latency kept with its start time."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.samples: list[tuple[float, float]] = []
        self.failures: dict[int, int] = {}

    def during(self, start: float, end: float) -> list[float]:
        return [took for begun, took in self.samples if begun + took >= start and begun <= end]

    async def timed(self, request) -> httpx.Response:
        begun = time.perf_counter()
        response = await request
        self.samples.append((begun, time.perf_counter() - begun))
        if response.status_code >= 400:
            self.failures[response.status_code] = self.failures.get(response.status_code, 0) + 1
        return response


async def staff_client(base_url: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base_url, timeout=600)
    await client.get("/login")
    response = await client.post(
        "/login",
        data={
            "username": STAFF,
            "password": STAFF_PASSWORD,
            "_csrf_token": client.cookies["csrftoken"],
        },
    )
    if response.status_code != 303:
        raise SystemExit(f"staff login failed: {response.status_code}")
    return client


async def casts(probe: Probe, jurors: list[httpx.AsyncClient], round_id: int, ready, stop) -> None:
    """Each juror's ballot definition is fetched before the measurement: only casts are sent."""
    url = f"/api/rounds/{round_id}/cast"
    bodies = []
    for client in jurors:
        sheet = (await client.get(f"/api/rounds/{round_id}/ballot")).json()
        ballots = {c["id"]: {"abstain": True} for c in sheet["categories"]}
        bodies.append({"ballots": ballots, "trackers": sheet["trackers"]})
    ready.set()
    index = 0
    while not stop.is_set():
        last = min(index, len(jurors) - 1)
        await probe.timed(jurors[last].post(url, json=bodies[last]))
        index += 1
        await asyncio.sleep(0.005)


async def page_loads(probe: Probe, juror: httpx.AsyncClient, round_id: int, stop) -> None:
    while not stop.is_set():
        await probe.timed(juror.get(f"/juror/rounds/{round_id}/ballot"))
        await asyncio.sleep(0.005)


def report(probe: Probe, before: tuple[float, float], during: tuple[float, float]) -> None:
    quiet, busy = probe.during(*before), probe.during(*during)
    if not busy:
        print(f"  {probe.name}: no request overlapped the upload")
        return
    worst = sorted(
        (took, begun)
        for begun, took in probe.samples
        if begun + took >= during[0] and begun <= during[1]
    )[-4:]
    print(
        f"  {probe.name}, longest ones: "
        + ", ".join(f"{t * 1000:.0f} ms at +{b - during[0]:.2f} s" for t, b in worst)
        + f" (the upload answered at +{during[1] - during[0]:.2f} s)"
    )
    p50 = statistics.median(busy) * 1000
    print(
        f"  {probe.name}: longest {max(busy) * 1000:.0f} ms, p50 {p50:.1f}"
        f" ms over {len(busy)} requests during the upload (before: longest"
        f" {max(quiet) * 1000:.0f} ms, p50 {statistics.median(quiet) * 1000:.1f} ms)"
        + (f"; errors {probe.failures}" if probe.failures else "")
    )


async def measure(server: Server, election, season_id: int, content: bytes, name: str) -> None:
    staff = await staff_client(server.url)
    jurors = [await juror_client(server.url, e, JUROR_PASSWORD) for e in election.emails]
    reader, voters = jurors[0], jurors[1:]
    casting, loading = Probe("casts"), Probe("ballot page loads")
    stop, ready = asyncio.Event(), asyncio.Event()  # ready: the casts' bodies are made
    tasks = [
        asyncio.create_task(casts(casting, voters, election.round_id, ready, stop)),
        asyncio.create_task(page_loads(loading, reader, election.round_id, stop)),
    ]
    await ready.wait()
    await asyncio.sleep(1.0)
    started = time.perf_counter()
    response = await staff.post(
        f"/staff/seasons/{season_id}/dramas/import",
        data={"_csrf_token": staff.cookies["csrftoken"]},
        files={"file": (name, content)},
    )
    ended = time.perf_counter()
    await asyncio.sleep(0.5)
    stop.set()
    await asyncio.gather(*tasks)
    imported = "导入" in response.text and response.status_code == 200
    print(
        f"upload of {name} ({len(content) / 1e6:.1f} MB): {response.status_code}"
        f" {'imported' if imported else 'refused'} in {ended - started:.2f} s"
    )
    if not imported:
        print("  " + " ".join(response.text.split())[-300:])
    for probe in (casting, loading):
        report(probe, (started - 1.0, started), (started, ended))
    for client in [staff, *jurors]:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("xlsx", "csv"), default="xlsx")
    parser.add_argument("--jurors", type=int, default=101, help="one loads pages, the rest cast")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--postgres", metavar="URL", help="run on PostgreSQL, in a scratch schema dropped after"
    )
    args = parser.parse_args()
    content = workbook(args.rows) if args.format == "xlsx" else csv_file(args.rows)
    for _run in range(args.runs):
        with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
            url = (
                stack.enter_context(scratch_schema(args.postgres))
                if args.postgres
                else f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
            )
            settings = Settings(
                database_url=url,
                cookie_secure=False,
                argon2=Argon2Params(time_cost=1, memory_kib=1024, parallelism=1),
                records_dir=Path(tmp) / "records",
            )
            migrate.upgrade(settings)
            election = build_election(settings, jurors=args.jurors)
            season = run_db(settings, lambda s: make_season(s, "2025"))
            create_staff_user(settings, STAFF, STAFF_PASSWORD)
            with Server(settings, Path(tmp)) as server:
                asyncio.run(measure(server, election, season.id, content, f"dramas.{args.format}"))


if __name__ == "__main__":
    main()
