"""The audit log: every staff change is an append-only event in a SHA-256 hash chain.

    h_0 = 32 zero bytes,  h_i = SHA-256(h_{i-1} || canonical(event_i))

where `h_{i-1}` is the raw 32 bytes and `canonical(event_i)` the canonical JSON (spec/election-
record.md) of {seq, occurred_at, actor, action, object_type, object_id, changes}. Appends take the
lock on the single `audit_head` row, so two writers can never fork the chain, and `seq` is unique.
Events never hold ballot content, trackers, passwords, session ids or activation codes.

What changed is recorded by one mechanism: `snapshot` an object before a change, make the
change, and `record_change` puts every column that changed in the event as `[old, new]` (a new
object from nothing, a removed one to nothing), with related values such as a juror's panels
beside them. Columns marked `info=SECRET` on the model (password and code hashes, the tie-break
seed, trackers, ballot content) are never read into a snapshot, so no event can carry them.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from awards.i18n import Message
from awards.models import AuditEvent, AuditHead, Base
from awards.models.base import utcnow
from ballots.canonical import canonical_json, sha256_hex

GENESIS = "0" * 64


class Action:
    """Every action the log records, by the name stored in each event (`object.what_happened`).
    A stored name is part of the hash chain, so a name is never changed: a new kind of event gets
    a new name. Events name the object by its table and id unless said otherwise."""

    SEASON_CREATED = "season.created"
    SEASON_UPDATED = "season.updated"
    SEASON_REMOVED = "season.removed"
    CATEGORY_CREATED = "category.created"
    CATEGORY_UPDATED = "category.updated"
    CATEGORY_PANELS_SET = "category.panels_set"
    CATEGORY_REORDERED = "category.reordered"  # on the season: its categories' order
    CATEGORY_REMOVED = "category.removed"
    DRAMA_CREATED = "drama.created"
    DRAMA_UPDATED = "drama.updated"
    DRAMA_DELETED = "drama.deleted"
    DRAMA_IMPORTED = "drama.imported"  # on the season: one event per file
    NOMINEE_ADDED = "nominee.added"
    NOMINEE_REMOVED = "nominee.removed"
    NOMINEE_IMPORTED = "nominee.imported"  # on the season: one event per file
    PANEL_CREATED = "panel.created"
    PANEL_REMOVED = "panel.removed"
    JUROR_CREATED = "juror.created"
    JUROR_UPDATED = "juror.updated"
    JUROR_REMOVED = "juror.removed"  # off the season's panels; gone when on no panel at all
    JUROR_IMPORTED = "juror.imported"  # on the season: one event per file
    JUROR_CODES_ISSUED = "juror.codes_issued"  # on "jurors": how many, and which
    JUROR_ACTIVATED = "juror.activated"  # the juror chose a password with a code
    JUROR_UNLOCKED = "juror.unlocked"  # staff lifted the login limits on the account
    AFFILIATION_DECLARED = "affiliation.declared"
    AFFILIATION_WITHDRAWN = "affiliation.withdrawn"
    RECUSAL_DECIDED = "recusal.decided"  # staff recused, lifted a derived recusal, or dropped one
    ROUND_CREATED = "round.created"
    ROUND_CATEGORIES_SET = "round.categories_set"
    ROUND_SCHEDULED = "round.scheduled"
    ROUND_UNSCHEDULED = "round.unscheduled"
    ROUND_OPENED = "round.opened"
    ROUND_CLOSED = "round.closed"
    ROUND_SEALED = "round.sealed"  # the record and results written, their hashes stored
    ROUND_SCRUBBED = "round.scrubbed"  # the storage of a closed round cleaned of what it held
    ROUND_SHORTLISTED = "round.shortlisted"  # on the final round made from a nomination round
    ROUND_CATEGORY_SETTINGS_SET = "round.category_settings_set"  # a final's own counting settings
    ROUND_NOMINEE_ADDED = "round.nominee_added"  # onto a final's shortlist, before it opens
    ROUND_NOMINEE_REMOVED = "round.nominee_removed"  # off a final's shortlist, before it opens
    ROUND_PUBLISHED = "round.published"
    ROUND_EXTENDED = "round.extended"  # staff moved an open round's closing time later
    ROUND_REMINDED = "round.reminded"  # reminder e-mails: to whom, and whom the server refused
    ROUND_LAPSED = "round.lapsed"  # the schedule found its voting window already passed
    ROUND_OPEN_FAILED = "round.open_failed"  # the schedule could not open it
    ROUND_CLOSE_FAILED = "round.close_failed"  # the schedule could not close it
    ROUND_TRUSTEES_SET = "round.trustees_set"  # a draft made sealed (or plain again)
    TRUSTEE_DOCUMENT_RECEIVED = "trustee.document_received"  # its phase and SHA-256
    ROUND_KEY_MADE = "round.key_made"  # the trustees' ceremony checked: key and fingerprint
    ROUND_BOX_SEALED = "round.box_sealed"  # a sealed round's board and first mix, at close
    STAFF_CREATED = "staff.created"
    STAFF_CODE_ISSUED = "staff.code_issued"  # a one-time code to set the password with
    STAFF_ACTIVATED = "staff.activated"  # the staff member chose a password with that code
    STAFF_LOGGED_IN = "staff.logged_in"
    STAFF_UNLOCKED = "staff.unlocked"  # an administrator lifted the login limits
    STAFF_ROLE_CHANGED = "staff.role_changed"
    STAFF_ENABLED = "staff.enabled"
    STAFF_DISABLED = "staff.disabled"
    STAFF_PASSWORD_RESET = "staff.password_reset"  # noqa: S105 (a name, not a password)
    STAFF_SECOND_FACTOR_STARTED = "staff.second_factor_started"  # a secret made, not yet in use
    STAFF_SECOND_FACTOR_ENROLLED = "staff.second_factor_enrolled"
    STAFF_SECOND_FACTOR_RESET = "staff.second_factor_reset"  # by an administrator
    STAFF_RECOVERY_CODES_RENEWED = "staff.recovery_codes_renewed"
    DEMO_LOADED = "demo.loaded"  # on the demo season


ACTIONS = frozenset(value for name, value in vars(Action).items() if name.isupper())


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


async def record_import(
    session: AsyncSession, *, actor: str, action: str, season_id: int, source: str, count: int
) -> AuditEvent:
    """One event for a whole imported file, on its season: the file (`source`) and its rows."""
    return await record(
        session,
        actor=actor,
        action=action,
        object_type="season",
        object_id=season_id,
        changes={"source": source, "count": count},
    )


@dataclass(frozen=True)
class ChainReport:
    events: int
    head: str
    broken_at: int | None = None
    reason: "str | Message" = ""
    """What is wrong, translated where it is shown (the audit page, `awards audit verify`)."""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(events: Iterable[AuditEvent], stored_head: tuple[int, str]) -> ChainReport:
    """Recompute the chain in `seq` order and name the first link that does not hold."""
    prev, expected_seq, count = GENESIS, 1, 0
    for event in events:
        if event.seq != expected_seq:
            return ChainReport(
                count, prev, expected_seq, Message("event %(seq)s is missing", seq=expected_seq)
            )
        if event.prev_hash != prev:
            return ChainReport(count, prev, event.seq, Message("previous hash does not match"))
        if link_hash(prev, event_body(event)) != event.hash:
            return ChainReport(count, prev, event.seq, Message("content does not match its hash"))
        prev, expected_seq, count = event.hash, expected_seq + 1, count + 1
    if stored_head != (count, prev):
        return ChainReport(
            count, prev, count + 1, Message("the chain ends before the recorded head")
        )
    return ChainReport(count, prev)


async def verify(session: AsyncSession) -> ChainReport:
    events = await session.stream_scalars(select(AuditEvent).order_by(AuditEvent.seq))
    collected = [event async for event in events]
    return verify_chain(collected, await head(session))


def snapshot(obj: Base, **related: Any) -> dict[str, Any]:
    """What the audit log may know of a mapped object now: each column's value, secret columns
    left out, and the `related` values given (e.g. `panels=[codes]`)."""
    values = {
        attr.key: getattr(obj, attr.key)
        for attr in inspect(obj).mapper.column_attrs
        if not any(column.info.get("secret") for column in attr.columns)
    }
    return {**values, **related}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [old, new]} for the fields that changed (missing on one side: None), values made
    JSON-safe."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(before.keys() | after.keys())
        if _plain(before.get(key)) != _plain(after.get(key))
    }


async def record_change(
    session: AsyncSession,
    obj: Base,
    before: dict[str, Any],
    *,
    actor: str,
    action: str,
    removed: bool = False,
    **related: Any,
) -> AuditEvent | None:
    """Record what changed in `obj` since `before` (its `snapshot`; `{}` for a new object):
    every changed column and `related` value as [old, new]; `removed`: the object is being
    deleted, every value goes to None. An update that changed nothing records nothing. The
    event names the object by its table and primary key (`juror/nominee` for a pair)."""
    after = {} if removed else snapshot(obj, **related)
    changes = diff(before, after)
    if before and not removed and not changes:
        return None
    identity = inspect(obj).identity or ()
    return await record(
        session,
        actor=actor,
        action=action,
        object_type=obj.__tablename__,
        object_id="/".join(map(str, identity)),
        changes=changes,
    )


def _plain(value: Any) -> Any:
    """JSON-safe: aware times in UTC (the same instant reads the same whatever its zone), dates
    in ISO form, tuples as lists."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value
