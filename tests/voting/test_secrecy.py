"""Ballot secrecy: the schema carries nothing that links a ballot to a juror, the box is
rewritten at close so that no physical order or system column links them either, and no
secret reaches any log."""

import json
import logging
import re

import pytest
from sqlalchemy import inspect, text

from awards.database import Database
from tests.factories import JUROR_PASSWORD, Browser, build_election, juror_login, run_db

JURORS = 30


def _columns(settings, table: str) -> set[str]:
    async def read() -> set[str]:
        db = Database.from_settings(settings)
        try:
            async with db.engine.connect() as conn:
                return await conn.run_sync(
                    lambda c: {col["name"] for col in inspect(c).get_columns(table)}
                )
        finally:
            await db.dispose()

    import asyncio

    return asyncio.run(read())


def test_the_ballot_tables_hold_nothing_that_names_a_juror_or_a_time(settings):
    assert _columns(settings, "ballot") == {"tracker", "round_id", "category_id", "content"}
    assert _columns(settings, "participation") == {"round_id", "juror_id"}
    if settings.database_url.startswith("sqlite"):
        ddl = run_db(
            settings,
            lambda s: s.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'ballot'")),
            write=False,
        )
        assert "WITHOUT ROWID" in ddl


def _cast_in_order(settings, client_factory, election) -> list[str]:
    """Each juror casts in turn (an approval of one nominee); returns trackers in cast order."""
    trackers = []
    cid = election.categories["approval"]
    for i, email in enumerate(election.emails):
        browser = client_factory()
        juror_login(browser, email)
        nominee = election.nominees["approval"][i % 3]
        page = browser.post(f"/juror/rounds/{election.round_id}/cast", {f"c{cid}": nominee})
        [tracker] = re.findall(r'<code class="tracker">([0-9a-f]{32})</code>', page.text)
        trackers.append(tracker)
    return trackers


def _physical_order(settings) -> list[str]:
    """Ballot trackers in the order the database stores them, as a snooping DBA would read them."""
    query = (
        "SELECT tracker FROM ballot ORDER BY ctid"
        if "postgresql" in settings.database_url
        else "SELECT tracker FROM ballot"
    )
    return run_db(settings, lambda s: s.scalars(text(query)), write=False).all()


def test_after_close_no_order_or_system_column_links_ballots_to_jurors(client, settings, staff):
    election = build_election(settings, jurors=JURORS, methods=("approval",))
    cast_order = _cast_in_order(settings, lambda: Browser(client), election)
    is_pg = "postgresql" in settings.database_url
    if is_pg:
        # Before close the heap does follow the casting order: what the rewrite must undo.
        assert _physical_order(settings) == cast_order
    staff.login("editor", "correct horse battery staple")
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    after = _physical_order(settings)
    assert sorted(after) == sorted(cast_order)  # nothing lost, nothing added
    assert after != cast_order
    assert after != list(reversed(cast_order))
    if is_pg:
        xmins = run_db(
            settings,
            lambda s: s.scalars(text("SELECT DISTINCT xmin::text FROM ballot")),
            write=False,
        ).all()
        assert len(xmins) == 1  # every ballot row was written by the close transaction
        joined = run_db(
            settings,
            lambda s: s.scalar(
                text("SELECT count(*) FROM ballot b JOIN participation p ON p.xmin = b.xmin")
            ),
            write=False,
        )
        # The close rewrites participation too (issue 8, item 5): one xid for every row, so the
        # join pairs every ballot with every juror, which singles out nobody.
        assert joined in (0, JURORS * JURORS)
        by_ctid = run_db(
            settings,
            lambda s: s.execute(
                text(
                    "SELECT b.tracker, p.juror_id FROM ballot b "
                    "JOIN participation p ON p.ctid = b.ctid"
                )
            ),
            write=False,
        ).all()
        owner = dict(zip(cast_order, election.juror_ids, strict=True))  # juror i cast i-th
        right = sum(1 for tracker, juror in by_ctid if owner[tracker] == juror)
        assert right < 8  # ctid positions say nothing: about one is right by chance
    else:
        with pytest.raises(Exception, match="no such column"):
            run_db(settings, lambda s: s.execute(text("SELECT rowid FROM ballot")), write=False)
    # The rank correlation between cast order and stored order is no better than chance.
    position = {t: i for i, t in enumerate(after)}
    ranks = [position[t] for t in cast_order]
    n = len(ranks)
    rho = 1 - 6 * sum((r - i) ** 2 for i, r in enumerate(ranks)) / (n * (n * n - 1))
    assert abs(rho) < 0.8


def test_no_secret_reaches_any_log(settings, staff_user):
    """A whole small election with the app's DEBUG logging; then grep every log line."""
    from dataclasses import replace

    from litestar.testing import TestClient

    from awards.app import create_app
    from tests.conftest import STAFF_PASSWORD

    records: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record) + " " + repr(record.args))

    debug = replace(settings, debug=True)
    handler = Collect(level=logging.DEBUG)
    root = logging.getLogger()
    with (
        TestClient(create_app(debug), base_url="http://testserver.local") as staff_client,
        TestClient(create_app(debug), base_url="http://testserver.local") as juror_client,
    ):
        assert root.level == logging.DEBUG  # the app's own debug configuration
        root.addHandler(handler)
        try:
            staff, juror = Browser(staff_client), Browser(juror_client)
            staff.login(staff_user, STAFF_PASSWORD)
            election = build_election(settings, jurors=2, methods=("approval", "score_mean"))
            juror_login(juror, election.emails[0])
            session_id = juror.client.cookies["awards_session"]
            c = election.categories
            cast = juror.post(
                f"/juror/rounds/{election.round_id}/cast",
                {
                    f"c{c['approval']}": election.nominees["approval"][2],
                    f"c{c['score_mean']}.{election.nominees['score_mean'][1]}": "9",
                },
            )
            trackers = re.findall(r'<code class="tracker">([0-9a-f]{32})</code>', cast.text)
            assert len(trackers) == 2
            letters = staff.post(
                f"/staff/seasons/{election.season_id}/jurors/codes",
                {"juror_ids": [str(election.juror_ids[1])], "format": "letters", "confirm": "yes"},
            )
            [code] = re.findall(r'<span class="code">([A-Z2-7-]+)</span>', letters.text)
            new_password = "另一位评委的新密码 2024"
            juror.post(
                "/juror/activate",
                {"code": code, "password": new_password, "password_repeat": new_password},
            )
            staff_session = staff.client.cookies["awards_session"]
            staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"})
            juror.client.get("/no/such/page")
        finally:
            root.removeHandler(handler)
    logged = "\n".join(records)
    assert "INSERT INTO ballot" in logged  # the scan did see the SQL being logged
    contents = [
        json.dumps({"approve": [election.nominees["approval"][2]]}, separators=(",", ":")),
        election.nominees["score_mean"][1] + '":9',
    ]
    secrets = [
        *trackers,
        session_id,
        staff_session,
        code,
        code.replace("-", ""),
        JUROR_PASSWORD,
        new_password,
        STAFF_PASSWORD,
        *contents,
    ]
    for secret in secrets:
        assert secret not in logged, f"a secret reached the logs: {secret[:6]}..."
