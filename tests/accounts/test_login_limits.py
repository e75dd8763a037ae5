"""Guessing under attack, through real HTTP (uvicorn, one and two workers): at most the allowed
number of wrong passwords is ever checked per account, an attack from one address does not lock
the account for everyone else, and a one-time activation code works exactly once however many
requests race for it. Client addresses are real: Linux answers on all of 127.0.0.0/8, so each
attacker binds its own loopback address."""

import asyncio
import re

import httpx
import pytest

from awards.audit import Action
from tests.conftest import STAFF_PASSWORD
from tests.factories import JUROR_PASSWORD, build_election, issue_code, run_db
from tests.server import Server

UNTIL = re.compile(r"\d{2}:\d{2}")


async def _client(base_url: str, address: str = "127.0.0.1") -> tuple[httpx.AsyncClient, str]:
    transport = httpx.AsyncHTTPTransport(local_address=address)
    client = httpx.AsyncClient(base_url=base_url, timeout=120, transport=transport)
    await client.get("/login")
    return client, client.cookies["csrftoken"]


async def _logins(
    base_url: str, path: str, username: str, passwords: list[str], address: str = "127.0.0.1"
) -> list[httpx.Response]:
    """All of `passwords` tried at once, then nothing else."""
    client, token = await _client(base_url, address)
    try:
        return await asyncio.gather(
            *(
                client.post(path, data={"username": username, "password": p, "_csrf_token": token})
                for p in passwords
            )
        )
    finally:
        await client.aclose()


@pytest.mark.parametrize("workers", [1, 2])
def test_parallel_guesses_are_counted_before_any_password_is_checked(
    settings, staff_user, tmp_path, workers
):
    with Server(settings, tmp_path, workers=workers) as server:
        guesses = asyncio.run(_logins(server.url, "/login", staff_user, ["wrong guess"] * 40))
        [right] = asyncio.run(_logins(server.url, "/login", staff_user, [STAFF_PASSWORD]))
    statuses = [r.status_code for r in guesses]
    # Only the allowed number of guesses reach the password check; every other one is refused
    # unchecked, and none fails with a conflict between racing counters.
    assert statuses.count(401) == settings.login_max_failures, statuses
    assert statuses.count(429) == 40 - settings.login_max_failures, statuses
    assert right.status_code == 429
    assert UNTIL.search(right.text), "the lock message says until when"


def test_an_attack_from_one_address_does_not_lock_the_juror_out_elsewhere(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("approval",))
    email = election.emails[0]
    with Server(settings, tmp_path) as server:
        attack = asyncio.run(
            _logins(server.url, "/juror/login", email, ["guess"] * 12, address="127.0.0.2")
        )
        [own] = asyncio.run(
            _logins(server.url, "/juror/login", email, [JUROR_PASSWORD], address="127.0.0.3")
        )
        [attacker_right] = asyncio.run(
            _logins(server.url, "/juror/login", email, [JUROR_PASSWORD], address="127.0.0.2")
        )
    assert [r.status_code for r in attack].count(401) == settings.login_max_failures
    assert own.status_code == 303
    assert attacker_right.status_code == 429


def test_one_address_cannot_spray_guesses_over_many_accounts(settings, tmp_path):
    limit = settings.login_max_address_failures
    names = [f"someone{i}" for i in range(limit + 3)]

    async def spray(base_url: str) -> list[int]:
        client, token = await _client(base_url, "127.0.0.4")
        try:
            statuses = []
            for name in names:
                form = {"username": name, "password": "guess", "_csrf_token": token}
                statuses.append((await client.post("/login", data=form)).status_code)
            return statuses
        finally:
            await client.aclose()

    with Server(settings, tmp_path) as server:
        statuses = asyncio.run(spray(server.url))
    assert statuses.count(401) == limit
    assert statuses[limit:] == [429] * 3


def test_staff_can_unlock_a_locked_account(settings, staff_user, tmp_path):
    with Server(settings, tmp_path) as server:
        asyncio.run(_logins(server.url, "/login", staff_user, ["wrong guess"] * 8))

        from awards.accounts import throttle

        async def unlock(session):
            await throttle.unlock(session, "staff", staff_user, actor="admin")

        run_db(settings, unlock)
        [right] = asyncio.run(_logins(server.url, "/login", staff_user, [STAFF_PASSWORD]))
    assert right.status_code == 303
    events = run_db(settings, lambda s: _audit_actions(s), write=False)
    assert Action.STAFF_UNLOCKED in events


async def _audit_actions(session) -> list[str]:
    from sqlalchemy import select

    from awards.models import AuditEvent

    return list(await session.scalars(select(AuditEvent.action)))


@pytest.mark.parametrize("workers", [1, 2])
def test_a_one_time_code_activates_exactly_once_under_concurrency(settings, tmp_path, workers):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    code = issue_code(settings, election.juror_ids[0])

    async def race(base_url: str) -> list[int]:
        clients = [await _client(base_url) for _ in range(10)]
        try:
            responses = await asyncio.gather(
                *(
                    client.post(
                        "/juror/activate",
                        data={
                            "code": code,
                            "password": f"racing password number {i}",
                            "password_repeat": f"racing password number {i}",
                            "_csrf_token": token,
                        },
                    )
                    for i, (client, token) in enumerate(clients)
                )
            )
            return [r.status_code for r in responses]
        finally:
            for client, _ in clients:
                await client.aclose()

    with Server(settings, tmp_path, workers=workers) as server:
        statuses = asyncio.run(race(server.url))
    assert statuses.count(303) == 1, statuses
    assert statuses.count(400) + statuses.count(422) == 9, statuses


def test_activation_attempts_are_limited_per_address(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    code = issue_code(settings, election.juror_ids[0])
    limit = settings.activation_max_attempts

    async def guess(base_url: str, address: str, codes: list[str]) -> list[int]:
        client, token = await _client(base_url, address)
        try:
            statuses = []
            for candidate in codes:
                form = {
                    "code": candidate,
                    "password": "a fine new password",
                    "password_repeat": "a fine new password",
                    "_csrf_token": token,
                }
                statuses.append((await client.post("/juror/activate", data=form)).status_code)
            return statuses
        finally:
            await client.aclose()

    fakes = [f"AAAA-BBBB-CCCC-{i:04d}" for i in range(limit + 2)]
    with Server(settings, tmp_path) as server:
        attacker = asyncio.run(guess(server.url, "127.0.0.5", fakes))
        juror = asyncio.run(guess(server.url, "127.0.0.6", [code]))
    assert attacker[:limit] == [422] * limit
    assert attacker[limit:] == [429, 429]
    assert juror == [303]
