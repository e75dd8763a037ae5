"""Codes for many jurors at once (issue 11, found by the staff-flow browser test): letters for a
40-juror roster must not mean ticking 40 boxes. Staff choose "the jurors ticked", "every juror
who has not activated" or "every juror", with no script needed."""

import re

from sqlalchemy import update

from awards.models import Juror
from tests.factories import build_election, run_db


def _letters(page: str) -> list[str]:
    return re.findall(r'<article class="letter">.*?</article>', page, re.S)


def test_letters_for_every_juror_who_has_not_activated(staff, settings):
    election = build_election(settings, jurors=3, methods=("approval",), open_round=False)
    waiting = election.juror_ids[:2]
    run_db(
        settings,
        lambda s: s.execute(update(Juror).where(Juror.id.in_(waiting)).values(password_hash=None)),
    )
    roster = staff.get(f"/staff/seasons/{election.season_id}/jury").text
    assert 'name="who" value="inactive"' in roster
    answer = staff.post(
        f"/staff/seasons/{election.season_id}/jurors/codes",
        {"who": "inactive", "format": "letters"},
    )
    assert answer.status_code == 200, answer.text
    letters = _letters(answer.text)
    assert len(letters) == 2
    for email in election.emails[:2]:
        assert any(email in letter for letter in letters)
    assert not any(election.emails[2] in letter for letter in letters)


def test_every_juror_asks_first_where_codes_are_replaced(staff, settings):
    election = build_election(settings, jurors=3, methods=("approval",), open_round=False)
    url = f"/staff/seasons/{election.season_id}/jurors/codes"
    asked = staff.post(url, {"who": "all", "format": "letters"})
    assert asked.status_code == 200
    assert 'name="confirm"' in asked.text
    # The confirmation names the jurors it was shown for, not "all" again: a roster that
    # changes meanwhile does not change what staff confirmed.
    carried = re.findall(r'name="juror_ids" value="(\d+)"', asked.text)
    assert sorted(map(int, carried)) == sorted(election.juror_ids)
    form = {"juror_ids": carried, "who": "chosen", "format": "letters", "confirm": "yes"}
    done = staff.post(url, form)
    assert len(_letters(done.text)) == 3


def test_ticked_is_still_the_default_and_nothing_ticked_is_refused(staff, settings):
    election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
    answer = staff.post(f"/staff/seasons/{election.season_id}/jurors/codes", {"format": "letters"})
    assert answer.status_code == 422
