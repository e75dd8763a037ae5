"""Issue 9: every changed field of every audited object is in its audit event, old and new
value, and no event ever holds a secret.

The defect: changing a juror's e-mail was not in the event (only name and panels were), so staff
could point a juror's account at their own address, issue a code and vote unseen. Each case
below changes every field staff can edit, through the staff pages, and reads the events."""

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from awards.models import AuditEvent, Juror, Round
from tests.factories import Browser, Election, build_election, run_db

Case = Callable[[Browser, Any, Election], tuple[int, str, object, dict[str, list[Any]]]]
"""A change made through the staff pages: the audit head before it, the object (type and id),
and {field: [old, new]} that its events must hold."""


def _head(settings) -> int:
    return run_db(settings, lambda s: s.scalar(select(func.max(AuditEvent.seq))), write=False)


def _changes_since(settings, seq: int, object_type: str, object_id: object) -> dict[str, list]:
    """Every change recorded for the object after event `seq`, merged: {field: [old, new]}."""
    events = run_db(
        settings,
        lambda s: s.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.seq > seq,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(object_id),
            )
            .order_by(AuditEvent.seq)
        ),
        write=False,
    ).all()
    merged: dict[str, list] = {}
    for event in events:
        for field, (old, new) in json.loads(event.changes).items():
            merged[field] = [merged.get(field, [old])[0], new]
    return merged


def _ok(answer) -> None:
    assert answer.status_code == 303, answer.text


def season(staff, settings, election):
    seq = _head(settings)
    form = {"code": "2025", "name": "2025 年度推优（改）", "year": "2025"}
    _ok(staff.post(f"/staff/seasons/{election.season_id}/edit", form))
    return (
        seq,
        "season",
        election.season_id,
        {
            "code": ["2024", "2025"],
            "name": ["2024 年度推优", "2025 年度推优（改）"],
            "year": [2024, 2025],
        },
    )


def category(staff, settings, election):
    seq = _head(settings)
    form = {
        "code": "mean",
        "name": "改过的奖项",
        "name_en": "Renamed",
        "subject": "person",
        "method": "score_trimmed_mean",
        "winners": "1",
        "score_min": "0",
        "score_max": "10",
        "trim": "2",
        "quorum": "2",
        "disclosure": "winners",
        "shortlist_size": "5",
        "panels": ["extra"],
    }
    category_id = election.categories["approval"]
    _ok(staff.post(f"/staff/categories/{category_id}/edit", form))
    return (
        seq,
        "category",
        category_id,
        {
            "code": ["approval", "mean"],
            "name": ["年度优秀电视剧", "改过的奖项"],
            "name_en": [None, "Renamed"],
            "subject": ["work", "person"],
            "method": ["approval", "score_trimmed_mean"],
            "winners": [3, 1],
            "max_choices": [2, None],
            "score_min": [None, 0],
            "score_max": [None, 10],
            "trim": [None, 2],
            "quorum": [1, 2],
            "disclosure": ["counts", "winners"],
            "shortlist_size": [None, 5],
            "panels": [["main"], ["extra"]],
        },
    )


def category_order(staff, settings, election):
    seq = _head(settings)
    _ok(staff.post(f"/staff/categories/{election.categories['irv']}/move", {"direction": "up"}))
    return seq, "season", election.season_id, {"order": [["approval", "irv"], ["irv", "approval"]]}


def drama(staff, settings, election):
    drama_id = _drama_id(settings)
    seq = _head(settings)
    form = {
        "title": "剧目零",
        "title_en": "Drama Zero",
        "kind": "web",
        "companies": "公司甲；公司乙",
        "broadcaster": "芒果TV",
        "episodes": "12",
        "first_aired_on": "2024-08-27",
        "synopsis": "新的简介",
    }
    _ok(staff.post(f"/staff/dramas/{drama_id}/edit", form))
    return (
        seq,
        "drama",
        drama_id,
        {
            "title": ["剧目0", "剧目零"],
            "title_en": [None, "Drama Zero"],
            "kind": ["tv", "web"],
            "companies": ["公司0", "公司甲\n公司乙"],
            "broadcaster": ["央视", "芒果TV"],
            "episodes": [30, 12],
            "first_aired_on": ["2024-04-25", "2024-08-27"],
            "synopsis": ["", "新的简介"],
        },
    )


def _drama_id(settings) -> int:
    from awards.models import Drama

    return run_db(settings, lambda s: s.scalar(select(Drama.id).where(Drama.title == "剧目0")))


JUROR_AFTER = {
    "name": "评委甲",
    "organisation": "另一协会",
    "email": "staff.member@example.org",
    "phone": "13800000000",
    "panels": ["extra"],
}
JUROR_CHANGES = {
    "name": ["评委000", "评委甲"],
    "organisation": ["协会", "另一协会"],
    "email": ["juror0@example.org", "staff.member@example.org"],
    "phone": ["", "13800000000"],
    "panels": [["main"], ["extra"]],
}


def juror(staff, settings, election):
    seq = _head(settings)
    juror_id = election.juror_ids[0]
    _ok(staff.post(f"/staff/seasons/{election.season_id}/jurors/{juror_id}", JUROR_AFTER))
    return seq, "juror", juror_id, JUROR_CHANGES


def juror_by_roster_import(staff, settings, election):
    seq = _head(settings)
    roster = "姓名,单位,邮箱,电话,评审组\n评委甲,另一协会,juror0@example.org,13800000000,extra\n"
    upload = staff.upload(
        f"/staff/seasons/{election.season_id}/jurors/import", "roster.csv", roster.encode()
    )
    _ok(upload)
    return (
        seq,
        "juror",
        election.juror_ids[0],
        {key: value for key, value in JUROR_CHANGES.items() if key != "email"},
    )


def new_juror(staff, settings, election):
    seq = _head(settings)
    _ok(staff.post(f"/staff/seasons/{election.season_id}/jurors", JUROR_AFTER))
    juror_id = run_db(
        settings, lambda s: s.scalar(select(Juror.id).where(Juror.email == JUROR_AFTER["email"]))
    )
    return seq, "juror", juror_id, {key: [None, value] for key, value in JUROR_AFTER.items()}


def round_categories(staff, settings, election):
    seq = _head(settings)
    irv = election.categories["irv"]
    _ok(staff.post(f"/staff/rounds/{election.round_id}/categories", {"categories": [str(irv)]}))
    return (
        seq,
        "round",
        election.round_id,
        {"categories": [sorted(election.categories.values()), [irv]]},
    )


def round_schedule(staff, settings, election):
    seq = _head(settings)
    form = {"opens_at": "2031-01-01T08:00", "closes_at": "2031-01-02T08:00", "confirm": "yes"}
    _ok(staff.post(f"/staff/rounds/{election.round_id}/schedule", form))
    return (
        seq,
        "round",
        election.round_id,
        {
            "state": ["draft", "scheduled"],
            "opens_at": [None, "2031-01-01T00:00:00+00:00"],
            "closes_at": [None, "2031-01-02T00:00:00+00:00"],
        },
    )


def recusal(staff, settings, election):
    juror_id = election.juror_ids[0]
    nominee_id = int(election.nominees["approval"][0].removeprefix("n"))
    url = f"/staff/seasons/{election.season_id}/jurors/{juror_id}/recusals"
    seq = _head(settings)
    _ok(staff.post(url, {"nominee_id": str(nominee_id), "decision": "recuse", "reason": "亲属"}))
    _ok(staff.post(url, {"nominee_id": str(nominee_id), "decision": "lift", "note": "已核实"}))
    return (
        seq,
        "recusal_decision",
        f"{juror_id}/{nominee_id}",
        {
            "juror_id": [None, juror_id],
            "nominee_id": [None, nominee_id],
            "recused": [None, False],
            "public_reason": [None, ""],
            "private_note": [None, "已核实"],
        },
    )


CASES = [
    season,
    category,
    category_order,
    drama,
    juror,
    juror_by_roster_import,
    new_juror,
    round_categories,
    round_schedule,
    recusal,
]


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_every_changed_field_is_in_the_audit_log(staff, settings, case):
    election = build_election(settings, jurors=1, methods=("approval", "irv"), open_round=False)
    _ok(
        staff.post(f"/staff/seasons/{election.season_id}/panels", {"code": "extra", "name": "增补"})
    )
    seq, object_type, object_id, expected = case(staff, settings, election)
    changes = _changes_since(settings, seq, object_type, object_id)
    assert {field: changes.get(field) for field in expected} == expected


def test_no_event_holds_a_secret(staff, settings):
    """The juror has a password and an activation code, the round a seed; none of them, nor
    their hashes, is in any event, whatever was changed."""
    election = build_election(settings, jurors=1, methods=("approval", "irv"), open_round=False)
    _ok(
        staff.post(f"/staff/seasons/{election.season_id}/panels", {"code": "extra", "name": "增补"})
    )
    codes = staff.post(
        f"/staff/seasons/{election.season_id}/jurors/codes",
        {"juror_ids": [str(election.juror_ids[0])], "format": "letters", "confirm": "yes"},
    )
    assert codes.status_code == 200
    juror_page = f"/staff/seasons/{election.season_id}/jurors/{election.juror_ids[0]}"
    _ok(staff.post(juror_page, {**JUROR_AFTER, "panels": ["main"]}))
    round_schedule(staff, settings, election)
    _ok(staff.post(f"/staff/rounds/{election.round_id}/open", {"confirm": "yes"}))

    async def secrets(s):
        from awards.models import ActivationCode

        found = await s.scalar(select(Juror.password_hash))
        found_code = await s.scalar(select(ActivationCode.code_hash))
        seed = await s.scalar(select(Round.seed))
        events = (await s.scalars(select(AuditEvent.changes))).all()
        return [found, found_code, seed], events

    values, events = run_db(settings, secrets, write=False)
    assert all(values)
    for changes in events:
        assert not any(value in changes for value in values)
        assert not any(key in changes for key in ("password_hash", "code_hash", '"seed"'))


SECRET_COLUMNS = {
    "activation_code.code_hash",
    "pending_login.token_hash",
    "ballot.content",
    "ballot.tracker",
    "juror.password_hash",
    "round.seed",
    "staff_activation_code.code_hash",
    "staff_recovery_code.code_hash",
    "staff_user.password_hash",
    "staff_user.totp_secret",
    "web_session.id_hash",
}


def test_secret_columns_are_marked_so_that_no_snapshot_reads_them():
    """`audit.snapshot` leaves out the columns marked secret; a new column that looks like a
    secret must be marked too (or named here, if it is not one)."""
    from awards.models import Base

    columns = [
        (f"{table.name}.{column.name}", column)
        for table in Base.metadata.tables.values()
        for column in table.columns
    ]
    assert {name for name, column in columns if column.info.get("secret")} == SECRET_COLUMNS
    looks_secret = re.compile(r"password|secret|token|code_hash|id_hash|tracker|(^|\.)seed$")
    assert {name for name, _ in columns if looks_secret.search(name)} <= SECRET_COLUMNS
