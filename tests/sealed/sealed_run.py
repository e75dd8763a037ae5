"""One sealed round through the web app, made once for a module of tampering tests: its
record, results and annex bytes, the box file and the trustees' key files.

The round has a trustee's mix after the server's (two mixes: a chain to cut and reorder) and
is decrypted by trustees 1 and 3 of three (any two decrypt). The steps are
test_sealed_round's, whose helpers it reuses; this one builds its own settings so that a
module-scoped fixture can hold it.
"""

import json
import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from litestar.testing import TestClient

from awards.app import create_app
from awards.jury import conflicts
from awards.models import Juror, Round
from awards.settings import Settings
from awards.voting import ballot_sheets
from awards.voting.rounds import nominee_id_of
from tests import migrated
from tests.conftest import FAST_ARGON2, STAFF_PASSWORD
from tests.factories import Browser, build_election, create_staff_user, juror_login, run_db
from tests.sealed import booth_client
from tests.sealed.test_sealed_round import PASSPHRASE, ceremony, download, trustee, upload, vote

METHODS = ("approval", "irv", "score_mean")


@dataclass(frozen=True)
class SealedRun:
    record: bytes
    results: bytes
    annex: bytes
    box: bytes
    """The box file of the last mix, as the decrypting trustees had it."""
    keys: Path
    """The trustees' key files t1.key, t2.key, t3.key."""


@contextmanager
def trustee_environment() -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in ("AWARDS_TRUSTEE_PASSPHRASE", "AWARDS_TRUSTEE_KEY_COST")}
    os.environ["AWARDS_TRUSTEE_PASSPHRASE"] = PASSPHRASE
    os.environ["AWARDS_TRUSTEE_KEY_COST"] = "interactive"  # tests only: a faster argon2id
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def sealed_run(
    work: Path, template: Path, season_code: str = "2024", booth: bool = False
) -> SealedRun:
    """A whole sealed round in a fresh SQLite database under `work`; with `booth`, a booth
    round (`booth_votes`)."""
    # Each process caches a round's box by its id and configuration, which a round of another
    # database may share (the same codes): the election key would be the last run's.
    ballot_sheets._frozen.clear()
    url = migrated.sqlite_url(work / "awards.db")
    migrated.copy_sqlite(template, url)
    settings = Settings(
        database_url=url,
        base_url="http://testserver.local",
        secret_key="test-secret-" + uuid.uuid4().hex,
        cookie_secure=False,
        argon2=FAST_ARGON2,
        records_dir=work / "records",
    )
    create_staff_user(settings, "editor", STAFF_PASSWORD)
    keys = work / "keys"
    keys.mkdir()
    with (
        trustee_environment(),
        TestClient(create_app(settings), base_url="http://testserver.local") as client,
    ):
        staff = Browser(client)
        assert staff.login("editor", STAFF_PASSWORD).status_code == 303
        election = build_election(
            settings, jurors=3, methods=METHODS, open_round=False, season_code=season_code
        )
        round_id = election.round_id
        names = {"names": "张三\n李四\n王五", "threshold": "2"} | ({"booth": "on"} if booth else {})
        assert staff.post(f"/staff/rounds/{round_id}/trustees", names).status_code == 303
        ceremony(staff, round_id, "final", keys)
        if booth:
            run_db(settings, lambda s: recuse(s, election))
        assert staff.post(f"/staff/rounds/{round_id}/open", {"confirm": "yes"}).status_code == 303
        (booth_votes if booth else vote)(client, election, round_id)
        staff.login("editor", STAFF_PASSWORD)
        assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
        box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", work / "box-1.json")
        trustee("mix", "--box", str(box), "--trustee", "2", "--out", str(work / "mix-2.json"))
        upload(staff, round_id, work / "mix-2.json")
        box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", work / "box.json")
        for n in (1, 3):
            out = work / f"partial-{n}.json"
            trustee(
                "decrypt", "--box", str(box), "--key", str(keys / f"t{n}.key"), "--out", str(out)
            )
            upload(staff, round_id, out)
        response = staff.post(f"/staff/rounds/{round_id}/count", {"confirm": "yes"})
        assert response.status_code == 303, re.sub(r"<[^>]+>|\s+", " ", response.text)[-1500:]
        counted = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    stem = settings.records_dir / counted.record_file
    record, results, annex = (
        Path(f"{stem}.{kind}.json").read_bytes() for kind in ("record", "results", "annex")
    )
    assert json.loads(annex)["mixes"][1]["by"] == "trustee 2"
    return SealedRun(record, results, annex, box.read_bytes(), keys)


async def recuse(session: Any, election: Any) -> None:
    """The first juror recused from the second approval nominee and the third score nominee,
    the second juror from the third approval nominee: the approval category isolates two."""
    for index, (method, nominee) in enumerate(
        (("approval", 1), ("score_mean", 2), ("approval", 2))
    ):
        juror = await session.get(Juror, election.juror_ids[index // 2])
        key = nominee_id_of(election.nominees[method][nominee])
        await conflicts.decide(session, juror, key, True, "出品方员工", "", "t")


def booth_votes(client: TestClient, election: Any, round_id: int) -> None:
    """Every juror casts from the booth (`booth_client`); the second juror casts twice, and
    first cast (approving the first nominee) is replaced by one approving the second. The first
    juror, recused from the second, approves the third: of its two isolated parts, only the
    second's is replaced."""
    n = election.nominees
    for index, email in enumerate(election.emails):
        browser = Browser(client)
        browser.client.cookies.clear()
        juror_login(browser, email)
        for approve in {0: [2], 1: [0, 1], 2: [2]}[index]:
            contents = {
                "approval": {"approve": [n["approval"][approve % 3]]},
                "irv": {"ranking": [n["irv"][(index + k) % 3] for k in range(3)]},
                "score-mean": {"scores": {n["score_mean"][0]: 5 + index + approve}},
            }
            response = booth_client.cast(browser, round_id, contents)
            assert response.status_code == 201, response.text
