"""Issue 11 (staff pages): the register of recusals publishes a public reason; what staff write
as the private note ("与该剧导演为夫妻") stays with staff: never on a public page, never in the
round's frozen recusals or its election record. The form says which is which."""

import re

from sqlalchemy import select

from awards.models import RecusalDecision, RoundRecusal
from awards.models.base import utcnow
from tests.factories import build_election, run_db

PRIVATE = "与该剧导演为夫妻"
PUBLIC = "亲属关系"


def _url(election) -> str:
    return f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}/recusals"


def _nominee(election, i: int = 0) -> int:
    return int(election.nominees["approval"][i].removeprefix("n"))


def test_only_the_public_reason_is_published(staff, settings):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    answer = staff.post(
        _url(election),
        {
            "nominee_id": str(_nominee(election)),
            "decision": "recuse",
            "reason": PUBLIC,
            "note": PRIVATE,
        },
    )
    assert answer.status_code == 303, answer.text
    [decision] = run_db(settings, lambda s: s.scalars(select(RecusalDecision)), False).all()
    assert (decision.public_reason, decision.private_note) == (PUBLIC, PRIVATE)
    juror_page = staff.get(
        f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}"
    ).text
    assert PRIVATE in juror_page  # staff keep it

    async def open_round(s):
        from awards.models import Round
        from awards.voting import opening

        await opening.open_round(s, await s.get(Round, election.round_id), utcnow(), "test")

    run_db(settings, open_round)
    frozen = run_db(settings, lambda s: s.scalars(select(RoundRecusal)), False).all()
    assert [r.reason for r in frozen] == [PUBLIC]
    register = staff.get(f"/rounds/{election.round_id}").text
    assert PUBLIC in register
    assert PRIVATE not in register


def test_the_form_says_what_is_published_and_what_is_not(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    page = staff.get(
        f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}",
        params={"q": "剧目0"},
    ).text
    public = re.search(r'<label[^>]*for="reason-[^"]*"[^>]*>(.*?)</label>', page, re.S)
    private = re.search(r'<label[^>]*for="note-[^"]*"[^>]*>(.*?)</label>', page, re.S)
    assert public is not None
    assert private is not None
    assert "公开" in public[1]
    assert "不公开" in private[1]


def test_a_recusal_needs_a_public_reason_and_a_lift_a_note(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    nominee = str(_nominee(election))
    only_note = staff.post(
        _url(election), {"nominee_id": nominee, "decision": "recuse", "note": PRIVATE}
    )
    assert only_note.status_code == 422
    assert "公开" in only_note.text
    lift = staff.post(_url(election), {"nominee_id": nominee, "decision": "lift", "reason": ""})
    assert lift.status_code == 422
    assert run_db(settings, lambda s: s.scalars(select(RecusalDecision)), False).all() == []
    lifted = staff.post(
        _url(election), {"nominee_id": nominee, "decision": "lift", "note": "已离职三年"}
    )
    assert lifted.status_code == 303
    [decision] = run_db(settings, lambda s: s.scalars(select(RecusalDecision)), False).all()
    assert (decision.recused, decision.public_reason, decision.private_note) == (
        False,
        "",
        "已离职三年",
    )


def test_reasons_the_system_writes_are_shown_in_the_readers_language(staff, settings):
    """Issue 11 (English): derived reasons and the generic one the 0008 migration wrote are
    shown in English in English mode; the round's frozen reasons stay byte for byte as written,
    and what staff typed stays as typed."""
    from awards.jury import conflicts
    from awards.models import Round
    from awards.voting import opening

    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    juror_id = election.juror_ids[0]

    async def declare_and_open(s):
        await conflicts.declare(s, juror_id, company="公司1")
        nominees = [_nominee(election, 0), _nominee(election, 2)]
        s.add(
            RecusalDecision(
                juror_id=juror_id,
                nominee_id=nominees[0],
                recused=True,
                public_reason="工作人员决定回避",
                private_note="",
            )
        )
        s.add(
            RecusalDecision(
                juror_id=juror_id,
                nominee_id=nominees[1],
                recused=True,
                public_reason=PUBLIC,
                private_note="",
            )
        )
        await s.flush()
        await opening.open_round(s, await s.get(Round, election.round_id), utcnow(), "test")

    run_db(settings, declare_and_open)
    frozen = run_db(settings, lambda s: s.scalars(select(RoundRecusal.reason)), False).all()
    assert sorted(frozen) == sorted(["申报关联公司：公司1", "工作人员决定回避", PUBLIC])
    chinese = staff.get(f"/rounds/{election.round_id}").text
    assert "申报关联公司：公司1" in chinese
    assert "工作人员决定回避" in chinese
    staff.get("/lang/en", params={"next": "/"})
    english = staff.get(f"/rounds/{election.round_id}").text
    assert "Declared a tie with the company: 公司1" in english
    assert "Recused by staff decision" in english
    assert PUBLIC in english  # typed by staff: as typed
    assert "申报" not in english
    assert "工作人员决定回避" not in english
    juror_page = staff.get(f"/staff/seasons/{election.season_id}/jurors/{juror_id}").text
    assert "Declared a tie with the company: 公司1" in juror_page
    assert "Recused by staff decision" in juror_page
    assert "申报" not in juror_page


def test_an_offered_public_reason_is_shown_in_the_readers_language(staff, settings):
    """A reason chosen from the offered list is stored in the words of the staff member's
    language; it reads in the reader's."""
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    staff.get("/lang/en", params={"next": "/"})
    answer = staff.post(
        _url(election),
        {
            "nominee_id": str(_nominee(election)),
            "decision": "recuse",
            "reason": "Other conflict of interest",
        },
    )
    assert answer.status_code == 303, answer.text
    staff.get("/lang/zh_CN", params={"next": "/"})
    page = staff.get(f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}").text
    assert re.search(r'>其他利益冲突 <small class="muted">', page)


def test_the_ballot_api_gives_a_recusals_reason_in_the_requests_language(browser, settings):
    from awards.jury import conflicts
    from awards.voting import opening, rounds
    from tests.factories import juror_login

    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)

    async def declare_and_open(s):
        await conflicts.declare(s, election.juror_ids[0], company="公司1")
        await opening.open_round(s, await rounds.get_round(s, election.round_id), utcnow(), "test")

    run_db(settings, declare_and_open)
    juror_login(browser, election.emails[0])
    url = f"/api/rounds/{election.round_id}/ballot"

    def reasons(lang: str) -> list[str]:
        browser.client.cookies.set("lang", lang)
        [category] = browser.client.get(url).json()["categories"]
        return [n["recused"] for n in category["nominees"] if n["recused"]]

    assert reasons("en") == ["Declared a tie with the company: 公司1"]
    assert reasons("zh_CN") == ["申报关联公司：公司1"]


def test_the_ballot_page_gives_a_recusals_reason_in_the_readers_language(browser, settings):
    from awards.jury import conflicts
    from awards.voting import opening, rounds
    from tests.factories import juror_login

    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)

    async def declare_and_open(s):
        await conflicts.declare(s, election.juror_ids[0], company="公司1")
        await opening.open_round(s, await rounds.get_round(s, election.round_id), utcnow(), "test")

    run_db(settings, declare_and_open)
    juror_login(browser, election.emails[0])
    url = f"/juror/rounds/{election.round_id}/ballot"
    browser.client.cookies.set("lang", "en")
    assert "Declared a tie with the company: 公司1" in browser.client.get(url).text
    browser.client.cookies.set("lang", "zh_CN")
    assert "申报关联公司：公司1" in browser.client.get(url).text
