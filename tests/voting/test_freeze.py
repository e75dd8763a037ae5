"""Opening freezes everything a count depends on (issue 8, item 3). The catalogue may go on
changing; an open or closed round's ballot pages and record keep exactly the configuration whose
hash the manifest published at opening, and the record carries it so that anyone can recompute
that hash."""

import hashlib
import json
import re

from sqlalchemy import func, select

from awards.audit import Action
from awards.catalogue import dramas
from awards.jury import conflicts
from awards.models import AuditEvent, Drama, Nominee, Round, Season
from ballots.canonical import canonical_json
from ballots.verify import verify
from tests.factories import Browser, build_election, drama_form, juror_login, run_cli, run_db


def _round(settings, round_id: int) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _sealed_pair(settings, round_id: int) -> tuple[bytes, bytes]:
    """The record and results files the round's seal names, checked against it."""
    round_ = _round(settings, round_id)
    [record_file] = [
        p
        for p in settings.records_dir.glob("*.record.json")
        if hashlib.sha256(p.read_bytes()).hexdigest() == round_.record_sha256
    ]
    results_file = record_file.with_name(record_file.name.replace(".record.", ".results."))
    return record_file.read_bytes(), results_file.read_bytes()


def _drama_of(settings, nominee_key: str) -> Drama:
    async def find(s):
        nominee = await s.get(Nominee, int(nominee_key[1:]))
        return await s.get(Drama, nominee.drama_id)

    return run_db(settings, find, write=False)


def _drama_form(drama: Drama, **changes: str) -> dict[str, str]:
    values = {
        "title": drama.title,
        "kind": drama.kind,
        "companies": "；".join(drama.company_list),
        "broadcaster": drama.broadcaster,
        "episodes": str(drama.episodes or ""),
        "first_aired_on": drama.first_aired_on.isoformat() if drama.first_aired_on else "",
    }
    return {**values, **changes}


def _cast_one(browser: Browser, election, nominee: str) -> None:
    cid = election.categories["approval"]
    page = browser.post(f"/juror/rounds/{election.round_id}/cast", {f"c{cid}": nominee})
    assert page.status_code == 200, page.text[-400:]


def _assert_config_recomputes(settings, record_bytes: bytes, results_bytes: bytes, round_id):
    record = json.loads(record_bytes)
    published = _round(settings, round_id).config_sha256
    assert record["round"]["config_sha256"] == published
    assert hashlib.sha256(canonical_json(record["config"])).hexdigest() == published
    assert verify(record_bytes, results_bytes) == []


def test_a_renamed_drama_keeps_its_frozen_label_on_ballots_and_in_the_record(
    staff, second_browser, settings
):
    election = build_election(settings, jurors=2, methods=("approval",))
    nominee = election.nominees["approval"][0]
    drama = _drama_of(settings, nominee)
    renamed = staff.post(
        f"/staff/dramas/{drama.id}/edit", _drama_form(drama, title="改过的剧名", broadcaster="新台")
    )
    assert renamed.status_code == 303  # the catalogue may go on changing
    juror_login(second_browser, election.emails[0])  # another app process: its own cache
    page = second_browser.get(f"/juror/rounds/{election.round_id}/ballot").text
    assert drama.title in page
    assert "改过的剧名" not in page
    assert "新台" not in page  # card details are frozen too
    _cast_one(second_browser, election, nominee)
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    record_bytes, results_bytes = _sealed_pair(settings, election.round_id)
    assert "改过的剧名".encode() not in record_bytes
    labels = [n["label"] for n in json.loads(record_bytes)["categories"][0]["nominees"]]
    assert drama.title in labels
    _assert_config_recomputes(settings, record_bytes, results_bytes, election.round_id)


def test_renaming_the_season_and_moving_categories_leave_an_open_round_alone(staff, settings):
    election = build_election(settings, jurors=2, methods=("approval", "irv"))
    order_at_opening = ["approval", "irv"]
    season = run_db(settings, lambda s: s.get(Season, election.season_id), write=False)
    renamed = staff.post(
        f"/staff/seasons/{season.id}/edit",
        {"code": season.code, "name": "改名后的年度", "year": str(season.year)},
    )
    assert renamed.status_code == 303
    moved = staff.post(f"/staff/categories/{election.categories['irv']}/move", {"direction": "up"})
    assert moved.status_code == 303
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    record_bytes, results_bytes = _sealed_pair(settings, election.round_id)
    record = json.loads(record_bytes)
    assert record["season"]["name"] == season.name
    assert [c["id"] for c in record["categories"]] == order_at_opening
    _assert_config_recomputes(settings, record_bytes, results_bytes, election.round_id)


def test_importing_nominees_into_an_open_rounds_category_is_refused(settings, tmp_path):
    election = build_election(settings, jurors=2, methods=("approval",))
    run_db(settings, lambda s: _add_drama(s, election.season_id, "新增剧目"))
    path = tmp_path / "nominees.csv"
    path.write_text("奖项代码,剧名\napproval,新增剧目\n", encoding="utf-8")
    before = _nominee_count(settings)
    done = run_cli(settings, tmp_path, "import", "nominees", str(path), "--season", "2024")
    assert done.returncode != 0
    assert "终评" in done.stderr, done.stderr  # names the round that froze the category
    assert _nominee_count(settings) == before


async def _add_drama(session, season_id: int, title: str) -> None:
    await dramas.create_drama(session, season_id, drama_form(title), "test")


def _nominee_count(settings) -> int:
    return run_db(settings, lambda s: s.scalar(select(func.count()).select_from(Nominee)), False)


def test_tally_of_a_round_and_the_shortlist_read_the_sealed_files(
    staff, second_browser, settings, tmp_path
):
    election = build_election(settings, jurors=2, methods=("approval",), kind="nomination")
    juror_login(second_browser, election.emails[0])
    _cast_one(second_browser, election, election.nominees["approval"][1])
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    round_ = _round(settings, election.round_id)
    [record_file] = [
        p
        for p in settings.records_dir.glob("*.record.json")
        if hashlib.sha256(p.read_bytes()).hexdigest() == round_.record_sha256
    ]
    original = record_file.read_bytes()
    sealed = run_cli(
        settings, tmp_path, "tally", "--round", str(election.round_id), "--json", "--full"
    )
    assert sealed.returncode == 0, sealed.stderr
    assert hashlib.sha256(sealed.stdout.strip().encode()).hexdigest() == round_.results_sha256
    record_file.write_bytes(re.sub(rb'"winners":3', b'"winners":1', original, count=1))
    tampered = run_cli(settings, tmp_path, "tally", "--round", str(election.round_id))
    assert tampered.returncode != 0
    assert "封存" in tampered.stderr or "seal" in tampered.stderr, tampered.stderr
    final = staff.post(
        f"/staff/rounds/{election.round_id}/final", {"code": "final", "name": "终评"}
    )
    assert final.status_code == 409
    assert "封存" in final.text
    record_file.write_bytes(original)
    final = staff.post(
        f"/staff/rounds/{election.round_id}/final", {"code": "final", "name": "终评"}
    )
    assert final.status_code == 303


def test_the_public_register_names_nominees_as_opening_froze_them(staff, client, settings):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)

    async def declare(s):
        # 剧目0's company: a recusal
        await conflicts.declare(s, election.juror_ids[0], company="公司0")

    run_db(settings, declare)
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}).status_code == 303
    )
    drama = _drama_of(settings, election.nominees["approval"][0])
    renamed = staff.post(f"/staff/dramas/{drama.id}/edit", _drama_form(drama, title="改过的剧名"))
    assert renamed.status_code == 303
    page = client.get(f"/rounds/{election.round_id}").text
    assert "申报关联公司：公司0" in page  # the register has the recusal
    assert drama.title in page
    assert "改过的剧名" not in page


def test_the_shortlist_in_the_audit_log_is_not_a_ranking(staff, second_browser, settings):
    """Staff read the audit log, and a small jury's order of nominees is its ballots."""
    election = build_election(settings, jurors=1, methods=("approval",), kind="nomination")
    juror_login(second_browser, election.emails[0])
    _cast_one(second_browser, election, election.nominees["approval"][2])
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    final = staff.post(f"/staff/rounds/{election.round_id}/final", {"code": "f", "name": "终评"})
    assert final.status_code == 303
    [changes] = run_db(
        settings,
        lambda s: s.scalars(
            select(AuditEvent.changes).where(AuditEvent.action == Action.ROUND_SHORTLISTED)
        ),
        write=False,
    ).all()
    [listed] = json.loads(changes)["shortlist"].values()
    assert listed == sorted(listed)
    assert listed[0] != int(election.nominees["approval"][2][1:])  # the winner is not first
