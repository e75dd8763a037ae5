"""The audit log: every staff change is an append-only event in a SHA-256 hash chain.

    h_0 = 32 zero bytes,  h_i = SHA-256(h_{i-1} || canonical(event_i))

where `h_{i-1}` is the raw 32 bytes and `canonical(event_i)` the canonical JSON (spec/election-
record.md) of {seq, occurred_at, actor, action, object_type, object_id, changes}. Appends take the
lock on the single `audit_head` row, so two writers can never fork the chain, and `seq` is unique.
Events never hold ballot content, trackers, passwords, session ids or activation codes.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from awards.models import AuditEvent, AuditHead
from awards.models.base import utcnow
from ballots.canonical import canonical_json, sha256_hex

GENESIS = "0" * 64


def event_body(event: AuditEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "occurred_at": event.occurred_at.isoformat(),
        "actor": event.actor,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changes": json.loads(event.changes),
    }


def link_hash(prev_hash: str, body: dict[str, Any]) -> str:
    return sha256_hex(bytes.fromhex(prev_hash) + canonical_json(body))


async def head(session: AsyncSession) -> tuple[int, str]:
    row = await session.get(AuditHead, 1)
    return (row.seq, row.hash) if row else (0, GENESIS)


async def record(
    session: AsyncSession,
    *,
    actor: str,
    action: str,
    object_type: str,
    object_id: object,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event in the caller's transaction (it commits or rolls back with the change)."""
    locked = await session.execute(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    current = locked.scalar_one()  # created by the first migration
    event = AuditEvent(
        seq=current.seq + 1,
        occurred_at=utcnow().replace(microsecond=0),
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        changes=canonical_json(changes or {}).decode(),
        prev_hash=current.hash,
    )
    event.hash = link_hash(current.hash, event_body(event))
    session.add(event)
    await session.execute(
        update(AuditHead).where(AuditHead.id == 1).values(seq=event.seq, hash=event.hash)
    )
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    broken_at: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(events: Iterable[AuditEvent], stored_head: tuple[int, str]) -> ChainReport:
    """Recompute the chain in `seq` order and name the first link that does not hold."""
    prev, expected_seq, count = GENESIS, 1, 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(count, prev, expected_seq, f"event {expected_seq} is missing")
        if event.prev_hash != prev:
            return ChainReport(count, prev, event.seq, "previous hash does not match")
        if link_hash(prev, event_body(event)) != event.hash:
            return ChainReport(count, prev, event.seq, "content does not match its hash")
        prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    if stored_head != (count, prev):
        return ChainReport(count, prev, count + 1, "the chain ends before the recorded head")
    return ChainReport(count, prev)


async def verify(session: AsyncSession) -> ChainReport:
    events = await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq))
    collected = [event async for event in events]
    return verify_chain(collected, await head(session))


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed, values made JSON-safe."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(after)
        if before.get(key) != after.get(key)
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
