"""Benchmark: how long a juror's login takes while others send made-up activation codes.

    .venv/bin/python scripts/bench_login_under_guessing.py [--guessers 8] [--logins 10]

uvicorn (one worker) on 127.0.0.1 with the embedded SQLite database and argon2id at the
production costs. The juror logs in --logins times in a row from 127.0.0.3, first alone, then
while --guessers clients on 127.0.0.2 post made-up codes (with a valid new password) to
/juror/activate as fast as the server answers. Reports the juror's login latency in both cases
and how the guesses were answered.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awards import migrate
from awards.accounts.activation import new_code
from awards.settings import Settings
from tests.factories import JUROR_PASSWORD, build_election
from tests.server import Server


async def _client(base_url: str, address: str) -> tuple[httpx.AsyncClient, str]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    client = httpx.AsyncClient(base_url=base_url, timeout=120, transport=transport)
    await client.get("/juror/login")
    return client, client.cookies["csrftoken"]


async def _logins(base_url: str, email: str, count: int) -> list[float]:
    client, token = await _client(base_url, "127.0.0.3")
    form = {"username": email, "password": JUROR_PASSWORD, "_csrf_token": token}
    seconds = []
    try:
        for _ in range(count):
            started = time.perf_counter()
            response = await client.post("/juror/login", data=form)
            seconds.append(time.perf_counter() - started)
            if response.status_code != 303:
                raise RuntimeError(f"the juror's login answered {response.status_code}")
    finally:
        await client.aclose()
    return seconds


async def _guess(base_url: str, stop: asyncio.Event, answers: dict[int, int]) -> None:
    client, token = await _client(base_url, "127.0.0.2")
    try:
        while not stop.is_set():
            form = {
                "code": new_code(),  # well formed, and matching nothing
                "password": "a perfectly good new password",
                "password_repeat": "a perfectly good new password",
                "_csrf_token": token,
            }
            status = (await client.post("/juror/activate", data=form)).status_code
            answers[status] = answers.get(status, 0) + 1
    finally:
        await client.aclose()


def _report(label: str, seconds: list[float]) -> None:
    ms = sorted(x * 1000 for x in seconds)
    print(f"{label}: median {statistics.median(ms):.0f} ms, max {ms[-1]:.0f} ms")


async def run(base_url: str, email: str, guessers: int, logins: int) -> None:
    _report("juror login alone", await _logins(base_url, email, logins))
    stop, answers = asyncio.Event(), {}
    tasks = [asyncio.create_task(_guess(base_url, stop, answers)) for _ in range(guessers)]
    await asyncio.sleep(1)  # the guessers are under way
    during = await _logins(base_url, email, logins)
    stop.set()
    await asyncio.gather(*tasks)
    _report(f"juror login while {guessers} clients send made-up codes", during)
    print("the guesses were answered:", dict(sorted(answers.items())))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--logins", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        migrate.upgrade(settings)
        election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
        with Server(settings, Path(tmp)) as server:
            asyncio.run(run(server.url, election.emails[0], args.guessers, args.logins))


if __name__ == "__main__":
    main()
