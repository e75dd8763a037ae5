"""Issue 11 (after every action a short confirmation says what happened): a juror's declarations
and staff's recusal decisions say what they did, once, on the page they lead to."""

import re

from tests.factories import build_election, juror_login, shown_once


def test_declarations_say_what_was_declared_and_withdrawn(second_browser, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    juror_login(second_browser, election.emails[0])
    declared = second_browser.post("/juror/affiliations", {"company": "公司0", "role": "制片人"})
    assert shown_once(second_browser, declared) == "已记录你的申报。"
    page = second_browser.get("/juror/affiliations").text
    [withdraw] = re.findall(r'action="(/juror/affiliations/\d+/withdraw)"', page)
    assert shown_once(second_browser, second_browser.post(withdraw)) == "已撤回这项申报。"


def test_a_recusal_decision_says_what_was_decided(staff, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    url = f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}/recusals"
    nominee = election.nominees["approval"][0][1:]
    recused = staff.post(url, {"nominee_id": nominee, "decision": "recuse", "reason": "近亲属参演"})
    assert shown_once(staff, recused) == "已记录回避：回避名单将公布它及其公开理由。"
    lifted = staff.post(url, {"nominee_id": nominee, "decision": "lift", "note": "已离职"})
    assert shown_once(staff, lifted) == "已取消回避（说明仅工作人员可见）。"
    cleared = staff.post(url, {"nominee_id": nominee, "decision": "clear"})
    assert shown_once(staff, cleared) == "已撤销这项决定：是否回避重新按申报判断。"
