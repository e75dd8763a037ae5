"""Independent review of issue 9 (login limits, activation, staff roles and accounts, second
factor, host names, schedule times): each test reproduces one defect found by attacking the
merged code. They fail on the reviewed merge (3fbd4bb) and should pass once it is fixed."""

import asyncio
import re
from datetime import timedelta

import httpx
import pyotp
from sqlalchemy import func, select

from awards import throttle
from awards.database import Database
from awards.models import StaffRecoveryCode
from awards.models.base import utcnow
from tests.conftest import STAFF_PASSWORD
from tests.factories import build_election, juror_login, run_db
from tests.server import Server
from tests.test_second_factor import enrol, next_code


def _recovery_codes_left(settings) -> int:
    return run_db(
        settings,
        lambda s: s.scalar(
            select(func.count())
            .select_from(StaffRecoveryCode)
            .where(StaffRecoveryCode.used_at.is_(None))
        ),
        write=False,
    )


# 1. Links: the staff one-time code page -----------------------------------------------------


def test_the_staff_code_page_links_to_the_base_url_not_to_the_host_header(staff):
    """README: "every link sent to people ... is built from AWARDS_BASE_URL, never from the
    request's Host header". The one-time code page of a new staff account (a letter that the
    administrator hands over, 'Open <url>') takes the link from the request instead: the port
    is not compared by the host check, so `Host: testserver.local:8666` puts
    http://testserver.local:8666/activate on the letter (behind a TLS proxy, the scheme too)."""
    page = staff.post(
        "/staff/accounts/",
        {"username": "wang.fang", "display_name": "王芳", "role": "auditor"},
        headers={"host": "testserver.local:8666"},
    )
    assert page.status_code == 200, page.text
    links = re.findall(r"https?://[^\s<\"]+/activate", page.text)
    assert links == ["http://testserver.local/activate"], links


# 2. Recovery codes: the renewal form burns one ----------------------------------------------


def test_a_recovery_code_typed_into_the_renewal_form_is_refused_and_not_used_up(staff, settings):
    """The renewal form asks for a code from the authenticator and refuses a recovery code
    (422), but `check_code` has already marked the recovery code used and the refusal commits:
    each such attempt silently burns one of the ten codes."""
    _secret, codes = enrol(staff)
    assert _recovery_codes_left(settings) == 10
    refused = staff.post("/staff/second-factor/recovery-codes", {"code": codes[0]})
    assert refused.status_code == 422
    assert _recovery_codes_left(settings) == 10, "the refused request used a recovery code up"
