"""A sealed round whose box holds ballots that are invalid once decrypted (issue 13: encrypted
in the juror's browser, they reach the server unread). Each is a board entry with a proof that
holds, put in the box before the close: an approval of more nominees than allowed, a ranking
that names a nominee twice, a score out of range, and points that carry no content at all. The
count goes through, the record marks each `{"invalid": true}`, the results count them apart,
the auditor's verifier passes the record against its annex, and the public page shows them."""

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from awards.models import Ballot, Category, Round
from awards.voting.sealing import frozen_config
from ballots.canonical import canonical_json
from ballots.cli import main as ballots_main
from ballots.sealed import board
from ballots.sealed.encoding import layout
from ballots.sealed.group import EMBED_BYTES, Point, embed
from tests.conftest import STAFF_PASSWORD
from tests.factories import build_election, run_cli, run_db
from tests.sealed.test_sealed_round import PASSPHRASE, ceremony, download, trustee, upload, vote

METHODS = ("approval", "irv", "score_mean")
# Padding bits set: points that decode to nothing under any layout of these categories.
NO_CONTENT = embed(bytes(EMBED_BYTES - 1) + b"\x01")


def broken_entries(keys: dict[str, list[str]]) -> dict[str, list[object]]:
    """By method, what each spoiled entry encrypts: a content `encode` takes without judging
    it, or the points themselves."""
    approval, irv = keys["approval"], keys["irv"]
    return {
        "approval": [{"approve": sorted(approval)}],  # 3 of a max_choices of 2
        "irv": [{"ranking": [irv[1], irv[1]]}],
        "score_mean": [{"scores": {keys["score_mean"][0]: 11}}, [NO_CONTENT]],  # 1 to 10
    }


def spoil(settings, election, round_id: int) -> dict[str, int]:
    """Replace some jurors' stored entries, under their trackers, by entries sealing what
    `broken_entries` gives, with proofs that hold; how many in each category (by code)."""
    spoiled = broken_entries(election.nominees)

    async def replace(session):
        config = await frozen_config(session, round_id)
        round_ = await session.get(Round, round_id)
        key = Point.from_hex(round_.election_key)
        context = {"season": config["season"]["id"], "round": config["round"]["id"]}
        entries = {c["id"]: c for c in config["categories"]}
        made = {}
        for method, contents in spoiled.items():
            code = (await session.get(Category, election.categories[method])).code
            rows = (
                await session.scalars(
                    select(Ballot)
                    .where(Ballot.category_id == election.categories[method])
                    .order_by(Ballot.tracker)
                )
            ).all()
            lay = layout(entries[code])
            for row, content in zip(rows, contents, strict=False):
                if isinstance(content, list):  # the points themselves, proved as any others
                    with pytest.MonkeyPatch.context() as patch:
                        patch.setattr(board, "encode", lambda lay, _, points=content: points)
                        entry = board.seal(key, lay, {}, context, code, row.tracker)
                else:
                    entry = board.seal(key, lay, content, context, code, row.tracker)
                assert board.check_entry(context, code, lay.width, entry)
                row.content = canonical_json(entry.sealed()).decode()
            made[code] = len(contents)
        return made

    return run_db(settings, replace)


@pytest.fixture
def settings(settings):
    return replace(settings, small_jury_threshold=1)  # four jurors: every count shown


@pytest.fixture
def passphrase(monkeypatch):
    monkeypatch.setenv("AWARDS_TRUSTEE_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("AWARDS_TRUSTEE_KEY_COST", "interactive")  # tests only: a faster argon2id


def test_ballots_invalid_once_decrypted_are_counted_as_invalid_and_verified(
    staff, staff_user, client, second_browser, settings, tmp_path, passphrase
):
    election = build_election(settings, jurors=4, methods=METHODS, open_round=False)
    round_id = election.round_id
    names = {"names": "张三\n李四\n王五", "threshold": "2"}
    assert staff.post(f"/staff/rounds/{round_id}/trustees", names).status_code == 303
    keys = tmp_path / "keys"
    keys.mkdir()
    ceremony(staff, round_id, "final", keys)
    assert staff.post(f"/staff/rounds/{round_id}/open", {"confirm": "yes"}).status_code == 303
    vote(client, election, round_id)
    invalid = spoil(settings, election, round_id)
    staff.login(staff_user, STAFF_PASSWORD)
    assert staff.post(f"/staff/rounds/{round_id}/close", {"confirm": "yes"}).status_code == 303
    box = download(staff, f"/staff/rounds/{round_id}/trustees/box.json", tmp_path / "box.json")
    for n in (1, 2):
        out = tmp_path / f"partial-{n}.json"
        trustee("decrypt", "--box", str(box), "--key", str(keys / f"t{n}.key"), "--out", str(out))
        upload(staff, round_id, out)
    response = staff.post(f"/staff/rounds/{round_id}/count", {"confirm": "yes"})
    assert response.status_code == 303, re.sub(r"<[^>]+>|\s+", " ", response.text)[-1500:]

    counted = run_db(settings, lambda s: s.get(Round, round_id), write=False)
    stem = settings.records_dir / counted.record_file
    record, results, annex = (
        Path(f"{stem}.{kind}.json") for kind in ("record", "results", "annex")
    )
    arguments = ["verify", "--record", str(record), "--results", str(results)]
    assert ballots_main([*arguments, "--annex", str(annex)]) == 0
    recorded = {
        c["id"]: sum(b["content"] == {"invalid": True} for b in c["ballots"])
        for c in json.loads(record.read_bytes())["categories"]
    }
    assert recorded == invalid
    entries = {c["id"]: c for c in json.loads(results.read_bytes())["categories"]}
    for code, n in invalid.items():
        assert entries[code]["invalid"] == n
        assert entries[code]["valid"] + entries[code]["abstentions"] == 4 - n

    assert staff.post(f"/staff/rounds/{round_id}/publish", {"confirm": "yes"}).status_code == 303
    page = second_browser.client.get(f"/rounds/{round_id}/results").text
    shown = re.findall(r"无效票 (\d+) 张", page)
    shown_n = list(invalid.values())
    assert sorted(map(int, shown)) == sorted(shown_n)
    second_browser.set_cookie("lang", "en")
    english = second_browser.client.get(f"/rounds/{round_id}/results").text
    assert sorted(map(int, re.findall(r"invalid ballots: (\d+)\.", english))) == sorted(shown_n)

    # The terminal's announcement and the auditor's HTML report say it too.
    html = tmp_path / "report.html"
    args = ("tally", "--record", str(record), "--full")
    done = run_cli(settings, tmp_path, *args, "--html", str(html))
    assert done.returncode == 0, done.stderr
    printed = run_cli(settings, tmp_path, *args).stdout
    assert sorted(map(int, re.findall(r"无效票 (\d+) 张", printed))) == sorted(shown_n)
    assert sorted(map(int, re.findall(r"无效票 (\d+) 张", html.read_text()))) == sorted(shown_n)
