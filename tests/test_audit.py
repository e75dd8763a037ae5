"""The audit log's hash chain: built by every change, verified, and tampering named."""

import ast
import asyncio
import itertools
import re
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update

from awards import audit
from awards.database import Database
from awards.models import AuditEvent, AuditHead
from ballots.canonical import canonical_json, sha256_hex
from tests.factories import make_category, make_drama, make_season, run_cli, run_db


@pytest.fixture
def history(settings):
    async def build(s):
        season = await make_season(s)
        await make_drama(s, season, "归队")
        await make_drama(s, season, "小日子")
        await make_category(s, season)

    run_db(settings, build)


def _verify(settings) -> audit.ChainReport:
    return run_db(settings, audit.verify, write=False)


def test_every_change_is_a_linked_event(settings, history):
    events = run_db(
        settings, lambda s: s.scalars(select(AuditEvent).order_by(AuditEvent.seq)), write=False
    ).all()
    assert [e.action for e in events] == [
        "season.created",
        "drama.created",
        "drama.created",
        "category.created",
    ]
    assert events[0].prev_hash == audit.GENESIS
    for before, event in itertools.pairwise(events):
        assert event.prev_hash == before.hash
    # The link is SHA-256(previous hash bytes || canonical JSON of the event), as documented.
    first = events[0]
    assert first.hash == sha256_hex(
        bytes.fromhex(audit.GENESIS) + canonical_json(audit.event_body(first))
    )
    report = _verify(settings)
    assert report.ok
    assert report.events == 4
    assert report.head == events[-1].hash


def _said(reason) -> str:
    """A report's reason (a message, translated where shown) in the words of its msgid."""
    return reason.msgid % reason.params if reason.params else reason.msgid


@pytest.mark.parametrize(
    ("tamper", "broken_at", "reason"),
    [
        (
            update(AuditEvent).where(AuditEvent.seq == 2).values(changes='{"title":["","假剧"]}'),
            2,
            "content does not match its hash",
        ),
        (
            update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"),
            3,
            "content does not match its hash",
        ),
        (delete(AuditEvent).where(AuditEvent.seq == 2), 2, "event 2 is missing"),
        (
            delete(AuditEvent).where(AuditEvent.seq == 4),
            4,
            "the chain ends before the recorded head",
        ),
        (
            update(AuditEvent).where(AuditEvent.seq == 3).values(prev_hash="0" * 64),
            3,
            "previous hash does not match",
        ),
    ],
)
def test_tampering_is_detected_and_named(settings, history, tamper, broken_at, reason):
    run_db(settings, lambda s: s.execute(tamper))
    report = _verify(settings)
    assert not report.ok
    assert (report.broken_at, _said(report.reason)) == (broken_at, reason)


def test_rewriting_an_event_with_a_fresh_hash_breaks_the_next_link(settings, history):
    async def forge(s):
        event = await s.get(AuditEvent, 2)
        event.actor = "forger"
        event.hash = audit.link_hash(event.prev_hash, audit.event_body(event))

    run_db(settings, forge)
    assert (_verify(settings).broken_at, _said(_verify(settings).reason)) == (
        3,
        "previous hash does not match",
    )


def test_concurrent_appends_never_fork_the_chain(settings):
    async def main() -> None:
        db = Database.from_settings(settings)

        async def one(i: int) -> None:
            async with db.transaction() as s:
                await audit.record(
                    s, actor="t", action="test.appended", object_type="t", object_id=i
                )

        try:
            await asyncio.gather(*(one(i) for i in range(20)))
        finally:
            await db.dispose()

    asyncio.run(main())
    report = _verify(settings)
    assert report.ok
    assert report.events == 20
    head = run_db(settings, lambda s: s.get(AuditHead, 1), write=False)
    assert head.seq == 20


def test_cli_audit_verify(settings, history, tmp_path):
    ok = run_cli(settings, tmp_path, "audit", "verify", lang="en_US.UTF-8")
    assert ok.returncode == 0
    assert "intact: 4 events" in ok.stdout
    run_db(
        settings,
        lambda s: s.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(action="x")),
    )
    broken = run_cli(settings, tmp_path, "audit", "verify")
    assert broken.returncode == 1
    assert "审计哈希链在第 3 条事件处断开：内容与其哈希值不符" in broken.stderr


def test_audit_page_shows_a_broken_chain(staff, settings, history):
    run_db(
        settings,
        lambda s: s.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="x")),
    )
    page = staff.get("/staff/audit").text
    assert "哈希链在第 2 条事件处断裂" in page


AWARDS = Path(audit.__file__).parent


def _sources() -> list[tuple[Path, ast.Module]]:
    """The app's modules but the constants' own and the migrations (history, never edited)."""
    return [
        (path, ast.parse(path.read_text()))
        for path in sorted(AWARDS.rglob("*.py"))
        if path != Path(audit.__file__) and "migrations" not in path.parts
    ]


def _outcomes(node: ast.expr) -> list[ast.expr]:
    """What an expression may evaluate to: both branches of `a if test else b`."""
    if isinstance(node, ast.IfExp):
        return _outcomes(node.body) + _outcomes(node.orelse)
    return [node]


def test_every_recorded_action_is_one_of_the_constants():
    """Action names are stored in the chain, so every caller names one of `audit.Action`: a
    name typed again by hand (or built from parts) is how two spellings of one action start."""
    suffixes = tuple("." + action.partition(".")[2] for action in audit.ACTIONS)
    literals: list[str] = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            where = f"{path.relative_to(AWARDS)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and not (
                isinstance(node.func, ast.Attribute) and node.func.attr == "add_argument"
            ):  # argparse's action= is another thing
                literals += [
                    f"{where}: action={ast.unparse(value)}"
                    for keyword in node.keywords
                    if keyword.arg == "action"
                    for value in _outcomes(keyword.value)
                    if isinstance(value, ast.Constant | ast.JoinedStr)
                ]
            elif isinstance(node, ast.Constant) and node.value in audit.ACTIONS:
                literals.append(f"{where}: {node.value!r}")  # passed on to a helper
            elif (
                isinstance(node, ast.JoinedStr)
                and isinstance(node.values[-1], ast.Constant)
                and str(node.values[-1].value).endswith(suffixes)
            ):
                literals.append(f"{where}: {ast.unparse(node)}")
            elif (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "Action"
            ):
                assert node.attr in vars(audit.Action), f"{where}: no Action.{node.attr}"
    assert literals == []


def test_the_action_names_are_dotted_and_distinct():
    names = {name: value for name, value in vars(audit.Action).items() if name.isupper()}
    assert len(set(names.values())) == len(names) == len(audit.ACTIONS)
    for name, value in names.items():
        assert re.fullmatch(r"[a-z]+\.[a-z_]+", value), name
        assert name == value.upper().replace(".", "_"), name  # one spelling, both ways
