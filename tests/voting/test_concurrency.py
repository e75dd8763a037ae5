"""Real concurrency through real HTTP: uvicorn on 127.0.0.1, many requests at once, and a server
killed with SIGKILL in the middle of a cast storm."""

import asyncio
import random

import httpx
from sqlalchemy import func, select, text

from awards.models import Ballot, Participation
from tests.factories import JUROR_PASSWORD, build_election, run_db
from tests.server import Server, juror_client


def _counts(settings, round_id: int) -> tuple[int, dict[int, int]]:
    async def read(s):
        participations = await s.scalar(
            select(func.count())
            .select_from(Participation)
            .where(Participation.round_id == round_id)
        )
        per_category = dict(
            (
                await s.execute(
                    select(Ballot.category_id, func.count())
                    .where(Ballot.round_id == round_id)
                    .group_by(Ballot.category_id)
                )
            ).all()
        )
        return participations, per_category

    return run_db(settings, read, write=False)


def _ballots(election) -> dict[str, dict]:
    return {
        "approval": {"approve": sorted(election.nominees["approval"][:1])},
        "irv": {"ranking": election.nominees["irv"][::-1]},
    }


def test_200_concurrent_casts_by_one_juror_store_one_ballot_set(settings, tmp_path):
    election = build_election(settings, jurors=1, methods=("approval", "irv"))

    async def storm(base_url: str) -> list[int]:
        client = await juror_client(base_url, election.emails[0], JUROR_PASSWORD)
        try:
            body = {"ballots": _ballots(election)}
            url = f"/api/rounds/{election.round_id}/cast"
            responses = await asyncio.gather(*(client.post(url, json=body) for _ in range(200)))
            return [r.status_code for r in responses]
        finally:
            await client.aclose()

    with Server(settings, tmp_path) as server:
        statuses = asyncio.run(storm(server.url))
    assert statuses.count(201) == 1
    assert statuses.count(409) == 199
    assert _counts(settings, election.round_id) == (
        1,
        {election.categories["approval"]: 1, election.categories["irv"]: 1},
    )


def test_100_jurors_casting_at_once_are_all_stored(settings, tmp_path):
    election = build_election(settings, jurors=100, methods=("approval", "irv"))

    async def everyone(base_url: str) -> list[int]:
        clients = await asyncio.gather(
            *(juror_client(base_url, e, JUROR_PASSWORD) for e in election.emails)
        )
        try:
            url = f"/api/rounds/{election.round_id}/cast"
            body = {"ballots": _ballots(election)}
            responses = await asyncio.gather(*(c.post(url, json=body) for c in clients))
            return [r.status_code for r in responses]
        finally:
            await asyncio.gather(*(c.aclose() for c in clients))

    with Server(settings, tmp_path) as server:
        statuses = asyncio.run(everyone(server.url))
    assert statuses == [201] * 100
    assert _counts(settings, election.round_id) == (
        100,
        {election.categories["approval"]: 100, election.categories["irv"]: 100},
    )


def test_sigkill_during_a_cast_storm_loses_no_acknowledged_ballot(settings, tmp_path):
    jurors = 60
    election = build_election(settings, jurors=jurors, methods=("approval", "irv"))
    acknowledged: set[int] = set()
    rng = random.Random(20240325)

    async def storm_and_kill(server: Server, pending: list[int]) -> None:
        clients = {}
        for i in pending:
            try:
                clients[i] = await juror_client(server.url, election.emails[i], JUROR_PASSWORD)
            except (httpx.HTTPError, RuntimeError):
                continue

        async def cast(i: int, client: httpx.AsyncClient) -> None:
            try:
                response = await client.post(
                    f"/api/rounds/{election.round_id}/cast", json={"ballots": _ballots(election)}
                )
            except httpx.HTTPError:
                return  # the connection died with the server: not acknowledged
            assert response.status_code < 500, response.text
            if response.status_code in (201, 409):
                acknowledged.add(i)  # 409: an earlier, unacknowledged attempt had been stored

        async def killer() -> None:
            await asyncio.sleep(rng.uniform(0.01, 0.25))
            server.kill()

        tasks = [asyncio.create_task(cast(i, c)) for i, c in clients.items()]
        await asyncio.gather(killer(), *tasks)
        await asyncio.gather(*(c.aclose() for c in clients.values()))

    for _attempt in range(3):
        pending = [i for i in range(jurors) if i not in acknowledged]
        server = Server(settings, tmp_path).start()
        try:
            asyncio.run(storm_and_kill(server, pending))
        finally:
            server.kill()

    participations, per_category = _counts(settings, election.round_id)
    stored_jurors = set(
        run_db(settings, lambda s: s.scalars(select(Participation.juror_id)), write=False).all()
    )
    assert {
        election.juror_ids[i] for i in acknowledged
    } <= stored_jurors  # nothing acknowledged is lost
    assert set(per_category.values()) <= {participations}  # ballots match participations exactly
    assert len(per_category) == 2 or participations == 0
    if settings.database_url.startswith("sqlite"):
        assert (
            run_db(settings, lambda s: s.scalar(text("PRAGMA integrity_check")), write=False)
            == "ok"
        )
    # The survivors can still vote: a clean server takes the rest.
    with Server(settings, tmp_path) as server:

        async def finish() -> None:
            for i in range(jurors):
                if election.juror_ids[i] in stored_jurors:
                    continue
                client = await juror_client(server.url, election.emails[i], JUROR_PASSWORD)
                response = await client.post(
                    f"/api/rounds/{election.round_id}/cast", json={"ballots": _ballots(election)}
                )
                assert response.status_code == 201
                await client.aclose()

        asyncio.run(finish())
    assert _counts(settings, election.round_id) == (
        jurors,
        {election.categories["approval"]: jurors, election.categories["irv"]: jurors},
    )
