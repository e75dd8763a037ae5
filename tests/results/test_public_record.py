"""Mixed disclosure (issue 11): in a round whose categories are not all `full`, the public gets
the public record once the results are published: the `full` categories whole (ballots, Merkle
root, results), the others as their level allows. It is sealed at close (its SHA-256 on the
round's manifest), checked against that seal whenever it is served, and recounts with the
auditor's own code."""

import hashlib
import json
import re

from sqlalchemy import update

from awards.models import Category, Round
from tests.factories import Browser, build_election, juror_login, run_cli, run_db


def _mixed_round(staff, client, settings) -> int:
    """Six jurors; approval is `full`, IRV `counts`; each approves the first nominee and ranks
    the IRV nominees in their order."""
    election = build_election(settings, jurors=6, methods=("approval", "irv"), open_round=False)
    irv = election.categories["irv"]
    run_db(settings, lambda s: s.execute(update(Category).values(disclosure="full")))
    run_db(
        settings,
        lambda s: s.execute(update(Category).where(Category.id == irv).values(disclosure="counts")),
    )
    staff.login("editor", "correct horse battery staple")
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}).status_code == 303
    )
    approval = election.categories["approval"]
    for email in election.emails:
        browser = Browser(client)
        browser.client.cookies.clear()
        juror_login(browser, email)
        page = browser.get(f"/juror/rounds/{election.round_id}/ballot").text
        form: dict = {f"c{approval}": election.nominees["approval"][0]}
        ranked = sorted(re.findall(rf'name="c{irv}\.(n\d+)"', page))
        form.update({f"c{irv}.{key}": str(rank) for rank, key in enumerate(ranked, start=1)})
        assert browser.post(f"/juror/rounds/{election.round_id}/cast", form).status_code == 200
    staff.login("editor", "correct horse battery staple")
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    return election.round_id


def test_the_public_recounts_the_full_categories_of_a_mixed_round(
    staff, client, second_browser, settings, tmp_path
):
    round_id = _mixed_round(staff, client, settings)
    public = second_browser.client
    round_ = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    assert round_.public_record_sha256 in public.get(f"/rounds/{round_id}").text  # the manifest
    assert public.get(f"/rounds/{round_id}/files/public").status_code == 403  # not published
    assert staff.post(f"/staff/rounds/{round_id}/publish", {"confirm": "yes"}).status_code == 303

    assert public.get(f"/rounds/{round_id}/files/record").status_code == 403  # still: mixed
    page = public.get(f"/rounds/{round_id}/results").text
    assert f"/rounds/{round_id}/files/public" in page
    download = public.get(f"/rounds/{round_id}/files/public")
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == round_.public_record_sha256
    document = json.loads(download.content)
    assert document["record_sha256"] == round_.record_sha256
    assert document["results_sha256"] == round_.results_sha256
    approval, irv = document["categories"]
    assert (approval["shown"], approval["withheld"], len(approval["ballots"])) == ("full", False, 6)
    assert (irv["shown"], irv["withheld"]) == ("counts", True)
    assert "ballots" not in irv
    assert "merkle_root" not in irv

    path = tmp_path / "public.json"
    path.write_bytes(download.content)
    checked = run_cli(settings, tmp_path / "var", "verify", "--public", str(path))
    assert checked.returncode == 0, checked.stderr
    assert "recounted: 1 of 2 categories" in checked.stdout

    # The auditor: the public record is exactly what the record and the results give.
    files = {}
    for kind in ("record", "results"):
        response = staff.get(f"/rounds/{round_id}/files/{kind}")
        assert response.status_code == 200
        files[kind] = tmp_path / f"{kind}.json"
        files[kind].write_bytes(response.content)
    audited = run_cli(
        settings,
        tmp_path / "var",
        "verify",
        "--record",
        str(files["record"]),
        "--results",
        str(files["results"]),
        "--public",
        str(path),
    )
    assert audited.returncode == 0, audited.stderr


def test_a_public_record_changed_on_disk_is_refused(staff, client, second_browser, settings):
    round_id = _mixed_round(staff, client, settings)
    assert staff.post(f"/staff/rounds/{round_id}/publish", {"confirm": "yes"}).status_code == 303
    [public_file] = settings.records_dir.glob("*.public.json")
    public_file.write_bytes(public_file.read_bytes().replace(b'"full"', b'"counts"', 1))
    refused = second_browser.client.get(f"/rounds/{round_id}/files/public")
    assert refused.status_code == 409


def test_a_round_sealed_before_public_records_has_none(staff, client, second_browser, settings):
    """Closed before migration 0009: no public record, and no link to one."""
    round_id = _mixed_round(staff, client, settings)
    assert staff.post(f"/staff/rounds/{round_id}/publish", {"confirm": "yes"}).status_code == 303
    run_db(
        settings,
        lambda s: s.execute(
            update(Round).where(Round.id == round_id).values(public_record_sha256=None)
        ),
    )
    public = second_browser.client
    assert public.get(f"/rounds/{round_id}/files/public").status_code == 404
    page = public.get(f"/rounds/{round_id}/results")
    assert page.status_code == 200
    assert "files/public" not in page.text
