"""Activation letters and the end of activation (issue 11, "Letters and activation"): a formal
letter (您 throughout), times in a zone people read (北京时间), the round's voting dates and the
association's contact, a QR code of the activation page drawn inline; and after activation the
login page says that the account is ready."""

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient
from sqlalchemy import update

from awards import i18n
from awards.app import create_app
from awards.models import Juror, Round
from tests.factories import Browser, build_election, create_staff_user, issue_code, run_db

CONTACT = "评奖办公室 王老师 010-12345678"
STAFF_PASSWORD = "letters staff password 2024"


@pytest.fixture
def letters_of(settings):
    """The letters page for every juror of a draft round whose window is scheduled, as staff get
    it from an app with `changed` settings."""

    def letters(**changed):
        election = build_election(settings, jurors=2, methods=("approval",), open_round=False)
        opens = datetime(2031, 1, 1, 0, 30, tzinfo=UTC)  # 08:30 in Beijing
        run_db(
            settings,
            lambda s: s.execute(
                update(Round)
                .where(Round.id == election.round_id)
                .values(state="scheduled", opens_at=opens, closes_at=opens + timedelta(days=7))
            ),
        )
        run_db(
            settings,
            lambda s: s.execute(update(Juror).values(password_hash=None)),
        )
        create_staff_user(settings, "letters", STAFF_PASSWORD)
        app = create_app(replace(settings, **changed))
        with TestClient(app, base_url="http://testserver.local") as client:
            staff = Browser(client)
            assert staff.login("letters", STAFF_PASSWORD).status_code == 303
            answer = staff.post(
                f"/staff/seasons/{election.season_id}/jurors/codes",
                {"juror_ids": [str(j) for j in election.juror_ids], "format": "letters"},
            )
        assert answer.status_code == 200, answer.text
        return answer.text

    return letters


def _letters(page: str) -> list[str]:
    return re.findall(r'<article class="letter">.*?</article>', page, re.S)


def test_a_letter_is_formal_and_says_when_and_whom_to_ask(letters_of):
    page = letters_of(contact=CONTACT)
    letters = _letters(page)
    assert len(letters) == 2
    for letter in letters:
        text = re.sub(r"<[^>]+>", "", letter)
        assert "您" in text
        assert "你" not in text  # one form of address in a letter from the association
        assert "Asia/Shanghai" not in text
        assert "北京时间" in text
        assert "2031-01-01 08:30" in text  # the round's voting window, in Beijing time
        assert "2031-01-08 08:30" in text
        assert CONTACT in text


def test_a_letter_carries_the_activation_page_as_an_inline_qr_code(letters_of):
    page = letters_of()
    for letter in _letters(page):
        assert re.search(r'<svg[^>]*class="qr"', letter)
        assert "<img" not in letter
        assert "http://testserver.local/juror/activate" in letter
    assert not re.search(r'(src|href)="(https?:)?//(?!testserver\.local)', page)  # nothing fetched


def test_staff_are_told_when_no_contact_is_configured(letters_of):
    page = letters_of(contact="")
    banner = re.search(r'<div class="noprint">.*?</div>', page, re.S)
    assert banner is not None
    assert "AWARDS_CONTACT" in banner[0]


@pytest.mark.parametrize(
    ("zone", "locale", "shown"),
    [
        ("Asia/Shanghai", "zh_CN", "2031-01-01 08:30 北京时间"),
        ("Asia/Shanghai", "en", "2031-01-01 08:30 Beijing time"),
        ("UTC", "en", "2031-01-01 00:30 UTC"),
        ("Europe/Paris", "en", "2031-01-01 01:30 UTC+01:00"),  # no label: the offset
        ("Europe/Paris", "zh_CN", "2031-01-01 01:30 UTC+01:00"),
        ("America/New_York", "en", "2030-12-31 19:30 UTC-05:00"),
    ],
)
def test_times_name_a_zone_people_read(zone, locale, shown):
    i18n.set_locale(locale)
    try:
        assert i18n.local_time(datetime(2031, 1, 1, 0, 30, tzinfo=UTC), zone) == shown
    finally:
        i18n.set_locale("zh_CN")


def test_after_activation_the_login_page_says_the_account_is_ready(browser, settings):
    election = build_election(settings, jurors=1, methods=("approval",), open_round=False)
    code = issue_code(settings, election.juror_ids[0])
    password = "一个足够长的新密码 2024"
    answer = browser.post(
        "/juror/activate", {"code": code, "password": password, "password_repeat": password}
    )
    assert answer.status_code == 303
    landing = browser.get(answer.headers["location"])
    assert landing.status_code == 200
    assert "评委登录" in landing.text
    notice = re.search(r'<p class="notice" role="status">(.*?)</p>', landing.text, re.S)
    assert notice is not None
    assert "账号已激活" in notice[1]
    assert "邮箱" in notice[1]
    # The plain login page says nothing of the kind.
    assert "账号已激活" not in browser.get("/juror/login").text
