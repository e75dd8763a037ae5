"""Extending an open round: staff move its closing time later (never earlier: jurors plan by
the time they were told, and a round closed early is what the confirmation page of a close is
for). Each extension is an audit event with the old and the new time; the round page and the
jurors' pages announce the time in force, and the round page what it was before."""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.forms import Fields
from awards.i18n import N_, Message, local_time
from awards.models import AuditEvent, Round
from awards.voting import lifecycle
from awards.voting.rounds import typed_time


def parse_closing_time(
    data: Mapping[str, Any], round_: Round, zone: str, now: datetime
) -> datetime:
    """The new closing time: later than the one in force (if any) and than now."""
    fields = Fields(data)
    raw = fields.text("closes_at", required=True, max_length=40)
    closes_at = None
    try:
        if raw:
            closes_at = typed_time(raw, zone)
    except ValueError as exc:
        fields.fail("closes_at", str(exc))
    if closes_at is not None:
        if round_.closes_at is not None and closes_at <= round_.closes_at:
            fields.fail(
                "closes_at",
                Message(
                    "The closing time can only move later: choose a time after %(time)s.",
                    time=local_time(round_.closes_at, zone),
                ),
            )
        elif closes_at <= now:
            fields.fail("closes_at", Message("The closing time has already passed."))
    fields.finish()
    return cast(datetime, closes_at)  # finish() has raised if there was none


async def extend(
    session: AsyncSession,
    round_: Round,
    data: Mapping[str, Any],
    zone: str,
    now: datetime,
    actor: str,
) -> None:
    lifecycle.require(
        round_,
        (lifecycle.State.OPEN,),
        N_("The round is %(state)s: only an open round's closing time can be extended."),
    )
    closes_at = parse_closing_time(data, round_, zone, now)
    before = audit.snapshot(round_)
    round_.closes_at = closes_at
    await audit.record_change(session, round_, before, actor=actor, action=Action.ROUND_EXTENDED)


async def first_closing_time(session: AsyncSession, round_id: int) -> datetime | None:
    """The closing time the round had before its first extension; None if never extended."""
    changes = await session.scalar(
        select(AuditEvent.changes)
        .where(
            AuditEvent.action == Action.ROUND_EXTENDED,
            AuditEvent.object_type == Round.__tablename__,
            AuditEvent.object_id == str(round_id),
        )
        .order_by(AuditEvent.seq)
        .limit(1)
    )
    if changes is None:
        return None
    old = json.loads(changes).get("closes_at", [None])[0]
    return datetime.fromisoformat(old) if old else None
