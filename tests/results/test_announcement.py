"""Small juries and the announcement (issue 8, item 7): below the small-jury threshold only the
winners are shown, on the public page and in every announcement (terminal, HTML, CSV); the
auditor's full report is asked for explicitly."""

import re

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from awards.models import Category, Nominee
from awards.voting.rounds import nominee_key
from tests.factories import build_election, juror_login, run_cli, run_db


def _single_juror_round(staff, second_browser, settings) -> tuple[int, list[str]]:
    """A Borda category counted from one ballot: its ranking would be that juror's ballot."""
    election = build_election(settings, jurors=1, methods=("borda",), open_round=False)
    run_db(settings, lambda s: s.execute(update(Category).values(winners=1, disclosure="full")))
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}).status_code == 303
    )
    juror_login(second_browser, election.emails[0])
    cid = election.categories["borda"]
    page = second_browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    keys = re.findall(rf'name="c{cid}\.(n\d+)"', page)
    labels = run_db(settings, _labels, write=False)
    order = sorted(keys)[::-1]  # the juror's own order: the highest key first
    form = {f"c{cid}.{key}": str(rank) for rank, key in enumerate(order, start=1)}
    assert second_browser.post(f"/juror/rounds/{election.round_id}/cast", form).status_code == 200
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/publish", {"confirm": "yes"}).status_code
        == 303
    )
    return election.round_id, [labels[k] for k in order]


async def _labels(session) -> dict[str, str]:
    nominees = await session.scalars(select(Nominee).options(selectinload(Nominee.drama)))
    return {nominee_key(n.id): n.label for n in nominees}


def test_one_ballot_shows_only_its_winner_everywhere_but_in_the_auditors_report(
    staff, second_browser, client, settings, tmp_path
):
    round_id, ranked = _single_juror_round(staff, second_browser, settings)
    winner, *others = ranked
    page = client.get(f"/rounds/{round_id}/results").text
    assert winner in page
    assert not any(label in page for label in others)
    terminal = run_cli(settings, tmp_path, "tally", "--round", str(round_id))
    assert terminal.returncode == 0, terminal.stderr
    assert winner in terminal.stdout
    assert not any(label in terminal.stdout for label in others)
    report, folder = tmp_path / "report.html", tmp_path / "csv"
    done = run_cli(
        settings,
        tmp_path,
        "tally",
        "--round",
        str(round_id),
        "--html",
        str(report),
        "--csv",
        str(folder),
    )
    assert done.returncode == 0, done.stderr
    html = report.read_text()
    assert winner in html
    assert not any(label in html for label in others)
    [csv_file] = folder.glob("*.csv")
    rows = csv_file.read_text(encoding="utf-8-sig").splitlines()
    assert len(rows) == 2  # the header and the winner
    assert winner in rows[1]
    as_json = run_cli(settings, tmp_path, "tally", "--round", str(round_id), "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert winner in as_json.stdout
    assert not any(label in as_json.stdout for label in others)
    assert '"value"' not in as_json.stdout  # no points of the single ballot
    full = run_cli(settings, tmp_path, "tally", "--round", str(round_id), "--full")
    assert full.returncode == 0, full.stderr
    assert all(label in full.stdout for label in ranked)
