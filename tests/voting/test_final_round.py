"""Issue 11 (rounds as an association runs them): a final round counts with settings of its own,
and the shortlist it votes on is decided in sight of staff.

A nomination round approves; its final ranks or scores: the final's categories carry their own
method, winners and settings, set on the final round's pages before opening and frozen in its
configuration. Before the final is created, staff review each category's proposed shortlist: the
cut, a tie across it (take all the tied nominees, or the lot, chosen by staff), categories that
missed their quorum (not carried forward unless staff say so); afterwards they may add back or
remove nominees until the final opens. Every change is an audit event."""

import json
import re
import subprocess
import sys
from dataclasses import replace

import pytest
from sqlalchemy import select, update

from awards.audit import Action
from awards.models import AuditEvent, Category, Round, RoundNominee
from awards.voting.rounds import nominee_id_of
from tests.factories import Browser, build_election, juror_login, run_db, shown_once


@pytest.fixture
def settings(settings):
    """A small-jury threshold of 4: these juries of 4 show their counts as their categories say
    (what staff see below the threshold: tests/voting/test_shortlist_secrecy.py)."""
    return replace(settings, small_jury_threshold=4)


def _round(settings, round_id: int) -> Round:
    return run_db(settings, lambda s: s.get(Round, round_id), write=False)


def _events(settings, action: str) -> list[AuditEvent]:
    return run_db(
        settings,
        lambda s: s.scalars(select(AuditEvent).where(AuditEvent.action == action)),
        write=False,
    ).all()


def _final_nominees(settings, final_id: int) -> dict[int, set[str]]:
    rows = run_db(
        settings,
        lambda s: s.execute(
            select(RoundNominee.category_id, RoundNominee.nominee_id).where(
                RoundNominee.round_id == final_id
            )
        ),
        write=False,
    ).all()
    found: dict[int, set[str]] = {}
    for category_id, nominee_id in rows:
        found.setdefault(category_id, set()).add(f"n{nominee_id}")
    return found


def _cast(voters: Browser, election, round_id: int, ballots: list[dict]) -> None:
    """One juror per ballot, each a form as the ballot page sends it."""
    for email, form in zip(election.emails, ballots, strict=True):
        voters.client.cookies.clear()
        assert juror_login(voters, email).status_code == 303
        response = voters.post(f"/juror/rounds/{round_id}/cast", form)
        assert response.status_code == 200, response.text[-800:]


def _nomination(settings, staff, voters, approvals: list[list[int]], **kw) -> object:
    """A closed nomination round: approval (shortlist of 2) and Borda, whose every juror
    abstains (so it misses its quorum of 1)."""
    election = build_election(
        settings,
        jurors=len(approvals),
        methods=("approval", "borda"),
        open_round=False,
        nominees_per_category=4,
        kind="nomination",
    )
    run_db(settings, lambda s: s.execute(update(Category).values(shortlist_size=2, **kw)))
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}).status_code == 303
    )
    approval, borda = election.categories["approval"], election.categories["borda"]
    keys = election.nominees["approval"]
    _cast(
        voters,
        election,
        election.round_id,
        [{f"c{approval}": [keys[i] for i in a], f"c{borda}.abstain": "on"} for a in approvals],
    )
    assert (
        staff.post(f"/staff/rounds/{election.round_id}/close", {"confirm": "yes"}).status_code
        == 303
    )
    return election


def _create_final(staff, election, **form) -> int:
    response = staff.post(
        f"/staff/rounds/{election.round_id}/final", {"code": "final", "name": "终评", **form}
    )
    assert response.status_code == 303, response.text[-2000:]
    return int(response.headers["location"].rsplit("/", 1)[1])


NO_TIE = [[0, 1], [0, 1], [0, 2], [1]]  # n0 3, n1 3, n2 1, n3 0: the cut at 2 is clear
TIE = [[0, 1], [0, 2], [0], [1, 2]]  # n0 3, n1 2, n2 2, n3 0: n1 and n2 tie across the cut


def test_a_final_round_ranks_what_the_nomination_round_approved(
    staff, second_browser, settings, tmp_path
):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval = election.categories["approval"]
    final_id = _create_final(staff, election)
    page = staff.get(f"/staff/rounds/{final_id}/categories/{approval}")
    assert page.status_code == 200
    assert 'name="method"' in page.text
    settings_url = f"/staff/rounds/{final_id}/categories/{approval}/settings"
    changed = staff.post(
        settings_url, {"method": "borda", "winners": "1", "quorum": "2", "disclosure": "full"}
    )
    assert changed.status_code == 303, changed.text[-2000:]
    # The catalogue's category is untouched: the nomination round counted it as approval.
    category = run_db(settings, lambda s: s.get(Category, approval), write=False)
    assert (category.method, category.winners) == ("approval", 3)
    [event] = _events(settings, Action.ROUND_CATEGORY_SETTINGS_SET)
    assert event.object_id == str(final_id)
    assert json.loads(event.changes)["method"] == ["approval", "borda"]

    assert "波达计数" in staff.get(f"/staff/rounds/{final_id}").text
    times = {"opens_at": "2999-01-01T10:00", "closes_at": "2999-01-02T10:00", "confirm": "yes"}
    assert staff.post(f"/staff/rounds/{final_id}/schedule", times).status_code == 303
    assert "波达计数" in staff.get(f"/rounds/{final_id}").text  # the public page, too

    assert staff.post(f"/staff/rounds/{final_id}/open", {"confirm": "yes"}).status_code == 303
    refused = staff.post(settings_url, {"method": "irv", "winners": "1", "quorum": "0"})
    assert refused.status_code == 409  # frozen at opening
    ballot = Browser(second_browser.client)
    juror_login(ballot, election.emails[0])
    sheet = ballot.get(f"/juror/rounds/{final_id}/ballot").text
    ranked = re.findall(rf'name="c{approval}\.(n\d+)"', sheet)
    assert sorted(ranked) == sorted(election.nominees["approval"][:2])  # ranks the shortlist
    first, second = ranked
    _cast(
        second_browser,
        election,
        final_id,
        [{f"c{approval}.{first}": "1", f"c{approval}.{second}": "2"}] * 4,
    )
    assert staff.post(f"/staff/rounds/{final_id}/close", {"confirm": "yes"}).status_code == 303
    round_ = _round(settings, final_id)
    record_file = settings.records_dir / f"{round_.record_file}.record.json"
    results_file = settings.records_dir / f"{round_.record_file}.results.json"
    record = json.loads(record_file.read_bytes())
    [counted] = record["categories"]
    assert (counted["method"], counted["winners"], counted["quorum"]) == ("borda", 1, 2)
    assert record["config"]["categories"][0]["method"] == "borda"
    results = json.loads(results_file.read_bytes())
    assert results["categories"][0]["winners"] == [first]
    files = ["--record", str(record_file), "--results", str(results_file)]
    verified = subprocess.run(
        [sys.executable, "-m", "ballots", "verify", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_settings_of_a_final_category_are_checked_like_the_catalogue(
    staff, second_browser, settings
):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval = election.categories["approval"]
    final_id = _create_final(staff, election)
    url = f"/staff/rounds/{final_id}/categories/{approval}/settings"
    bad = staff.post(
        url,
        {"method": "score_mean", "winners": "1", "quorum": "0", "disclosure": "full"}
        | {"score_min": "10", "score_max": "1"},
    )
    assert bad.status_code == 422
    assert "最高分" in bad.text  # the catalogue's own message
    assert not _events(settings, Action.ROUND_CATEGORY_SETTINGS_SET)


def test_a_category_a_closed_round_used_is_refused_as_closed_not_open(
    staff, second_browser, settings
):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval = election.categories["approval"]
    form = {"code": "approval", "name": "年度优秀电视剧", "subject": "work", "method": "borda"}
    form |= {"winners": "1", "quorum": "1", "disclosure": "full"}
    refused = staff.post(f"/staff/categories/{approval}/edit", form)
    assert refused.status_code == 409, refused.text[-1500:]
    assert "已开启" not in refused.text  # the round is closed, not open
    assert "已结束" in refused.text


def test_the_review_shows_the_cut_and_the_quorum_and_creates_nothing(
    staff, second_browser, settings
):
    election = _nomination(settings, staff, second_browser, TIE)
    review = staff.get(f"/staff/rounds/{election.round_id}/shortlist")
    assert review.status_code == 200
    text = review.text
    assert 'name="tie-' in text  # a choice for the tie across the cut
    assert "未达法定票数" in text  # Borda: every juror abstained
    assert 'class="cut"' in text
    assert "抽签" in text
    runs = run_db(settings, lambda s: s.scalars(select(Round.id)), write=False).all()
    assert runs == [election.round_id]


def test_a_tie_across_the_cut_waits_for_staff_and_all_tied_go_forward(
    staff, second_browser, settings
):
    election = _nomination(settings, staff, second_browser, TIE)
    approval, borda = election.categories["approval"], election.categories["borda"]
    keys = election.nominees["approval"]
    undecided = staff.post(
        f"/staff/rounds/{election.round_id}/final", {"code": "final", "name": "终评"}
    )
    assert undecided.status_code == 422
    assert "抽签" in undecided.text
    finals = run_db(settings, lambda s: s.scalar(select(Round.id).where(Round.kind == "final")))
    assert finals is None
    final_id = _create_final(staff, election, **{f"tie-{approval}": "all"})
    final = _round(settings, final_id)
    assert (final.code, final.name, final.kind) == ("final", "终评", "final")
    chosen = _final_nominees(settings, final_id)
    assert chosen == {approval: {keys[0], keys[1], keys[2]}}  # Borda missed its quorum
    [event] = _events(settings, Action.ROUND_SHORTLISTED)
    changes = json.loads(event.changes)
    assert changes["decisions"][str(approval)] == {"tie": "all"}
    assert changes["decisions"][str(borda)] == {"carried": False, "quorum_met": False}


def test_the_lot_settles_the_tie_when_staff_choose_it(staff, second_browser, settings):
    election = _nomination(settings, staff, second_browser, TIE)
    approval = election.categories["approval"]
    keys = election.nominees["approval"]
    review = staff.get(f"/staff/rounds/{election.round_id}/shortlist").text
    final_id = _create_final(staff, election, **{f"tie-{approval}": "lot"})
    [chosen] = _final_nominees(settings, final_id).values()
    assert keys[0] in chosen
    assert len(chosen) == 2
    [won] = chosen - {keys[0]}
    assert won in (keys[1], keys[2])
    # The review named, in the lot's order, the tied nominee the lot puts inside the cut first.
    labels = {keys[1]: "剧目1", keys[2]: "剧目2"}
    lost = ({keys[1], keys[2]} - {won}).pop()
    assert review.index(labels[won], review.index('class="lot"')) < review.index(labels[lost])


def test_a_category_that_missed_its_quorum_goes_forward_only_when_staff_say(
    staff, second_browser, settings
):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval, borda = election.categories["approval"], election.categories["borda"]
    left_out = _create_final(staff, election)
    assert set(_final_nominees(settings, left_out)) == {approval}
    # Carried: its four nominees all tie at 0 points across the cut, so staff settle that too.
    carried = {"code": "final-2", "carry": str(borda)}
    undecided = staff.post(f"/staff/rounds/{election.round_id}/final", carried)
    assert undecided.status_code == 422
    final_id = _create_final(staff, election, **carried, **{f"tie-{borda}": "all"})
    chosen = _final_nominees(settings, final_id)
    assert set(chosen) == {approval, borda}
    assert chosen[borda] == set(election.nominees["borda"])


def test_the_final_and_its_changes_are_confirmed_once(staff, second_browser, settings):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval = election.categories["approval"]
    keys = election.nominees["approval"]
    created = staff.post(
        f"/staff/rounds/{election.round_id}/final", {"code": "final", "name": "终评"}
    )
    assert shown_once(staff, created) == (
        "已创建终评轮次“终评”。开启前请为各奖项设定计票方式并核对候选。"
    )
    base = f"{created.headers['location']}/categories/{approval}"
    saved = staff.post(
        f"{base}/settings", {"method": "borda", "winners": "1", "quorum": "1", "disclosure": "full"}
    )
    assert shown_once(staff, saved) == "已保存本轮“年度优秀电视剧”的设置。"
    nominee = {"nominee_id": str(nominee_id_of(keys[2]))}
    assert shown_once(staff, staff.post(f"{base}/nominees/add", nominee)) == "已将“剧目2”加入本轮。"
    removed = staff.post(f"{base}/nominees/remove", nominee)
    assert shown_once(staff, removed) == "已将“剧目2”移出本轮。"


def test_staff_add_back_and_remove_nominees_of_the_final_until_it_opens(
    staff, second_browser, settings
):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval = election.categories["approval"]
    keys = election.nominees["approval"]
    final_id = _create_final(staff, election)
    base = f"/staff/rounds/{final_id}/categories/{approval}"
    page = staff.get(base).text
    # Offered to add back, the next in line first, with its place in the nomination round.
    assert "剧目2" in page
    assert page.index("剧目2") < page.index("剧目3")
    assert re.search(r"剧目2 <small[^>]*>提名轮第 3 名 · 1 票", page)
    added = staff.post(f"{base}/nominees/add", {"nominee_id": str(nominee_id_of(keys[2]))})
    assert added.status_code == 303
    removed = staff.post(f"{base}/nominees/remove", {"nominee_id": str(nominee_id_of(keys[0]))})
    assert removed.status_code == 303
    assert _final_nominees(settings, final_id) == {approval: {keys[1], keys[2]}}
    [add] = _events(settings, Action.ROUND_NOMINEE_ADDED)
    [remove] = _events(settings, Action.ROUND_NOMINEE_REMOVED)
    assert json.loads(add.changes) == {
        "category": approval,
        "nominees": [
            sorted([nominee_id_of(k) for k in keys[:2]]),
            sorted([nominee_id_of(k) for k in keys[:3]]),
        ],
    }
    assert json.loads(remove.changes)["nominees"][1] == sorted(nominee_id_of(k) for k in keys[1:3])
    other = build_election(settings, jurors=1, methods=("approval",), season_code="2025")
    foreign = nominee_id_of(other.nominees["approval"][0])
    assert staff.post(f"{base}/nominees/add", {"nominee_id": str(foreign)}).status_code == 422
    # The last nominee of a category cannot go: the category would be empty.
    staff.post(f"{base}/nominees/remove", {"nominee_id": str(nominee_id_of(keys[1]))})
    last = staff.post(f"{base}/nominees/remove", {"nominee_id": str(nominee_id_of(keys[2]))})
    assert last.status_code == 409
    assert staff.post(f"/staff/rounds/{final_id}/open", {"confirm": "yes"}).status_code == 303
    late = staff.post(f"{base}/nominees/add", {"nominee_id": str(nominee_id_of(keys[0]))})
    assert late.status_code == 409


def test_a_category_taken_out_of_the_final_takes_its_nominees_and_comes_back_as_shortlisted(
    staff, second_browser, settings
):
    """Its nominees leave the round with it (in the same audit event): they would otherwise
    come back unseen with the category, edits and all. Back, it starts from what the shortlist
    review decided; a category the review sent nothing from starts empty, and staff are told."""
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval, borda = election.categories["approval"], election.categories["borda"]
    keys = election.nominees["approval"]
    final_id = _create_final(staff, election)
    base = f"/staff/rounds/{final_id}"
    added = staff.post(
        f"{base}/categories/{approval}/nominees/add", {"nominee_id": str(nominee_id_of(keys[2]))}
    )
    assert added.status_code == 303
    assert staff.post(f"{base}/categories", {}).status_code == 303
    assert _final_nominees(settings, final_id) == {}
    [*_, taken_out] = _events(settings, Action.ROUND_CATEGORIES_SET)
    assert json.loads(taken_out.changes)["nominees"] == [
        {str(approval): sorted(nominee_id_of(k) for k in keys[:3])},
        {},
    ]
    back = staff.post(f"{base}/categories", {"categories": [str(approval), str(borda)]})
    assert back.status_code == 303
    assert _final_nominees(settings, final_id) == {approval: set(keys[:2])}
    [*_, put_back] = _events(settings, Action.ROUND_CATEGORIES_SET)
    assert json.loads(put_back.changes)["nominees"] == [
        {},
        {str(approval): sorted(nominee_id_of(k) for k in keys[:2])},
    ]
    assert shown_once(staff, back) == (
        "已保存本轮奖项。以下奖项在本轮还没有候选（入围名单中没有）：年度优秀电视剧。"
        "请在奖项页面添加。"
    )
    assert "奖项“年度优秀电视剧”没有候选。" in staff.get(back.headers["location"]).text
