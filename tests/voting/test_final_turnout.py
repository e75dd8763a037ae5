"""Turnout names the jurors a recusal keeps out of a category the round ranks, by the method the
round counts the category with (frozen at opening), not the catalogue's: a final may rank what
the nomination round approved. Found by a review."""

from tests.voting.test_final_round import NO_TIE, _create_final, _nomination

CONFIRM = {"confirm": "yes"}


def test_turnout_of_a_final_that_ranks_an_approval_category(staff, second_browser, settings):
    election = _nomination(settings, staff, second_browser, NO_TIE)
    approval = election.categories["approval"]
    final_id = _create_final(staff, election)
    base = f"/staff/rounds/{final_id}/categories/{approval}"
    own = {"method": "borda", "winners": "1", "quorum": "0", "disclosure": "full"}
    assert staff.post(f"{base}/settings", own).status_code == 303
    shortlisted = election.nominees["approval"][0]  # n0 goes forward
    decided = staff.post(
        f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[1]}/recusals",
        {"nominee_id": shortlisted[1:], "decision": "recuse", "reason": "制片人"},
    )
    assert decided.status_code == 303, decided.text[-500:]
    assert staff.post(f"/staff/rounds/{final_id}/open", CONFIRM).status_code == 303
    page = staff.get(f"/staff/rounds/{final_id}/turnout").text
    section = (
        page.split('id="ranked-recusals"')[1].split("</section>")[0]
        if 'id="ranked-recusals"' in page
        else ""
    )
    assert "评委001" in section, (
        "the juror who cannot vote in the final's ranked category is not named"
    )
