"""Which categories a round gathers, and their nominees with them, until it opens.

A final round's nominees of a category are its `RoundNominee` rows (the shortlist, as staff
edited it): they belong to the category's place in the round, so they leave with it and never
come back unseen. A category put back into a final starts again from what the shortlist review
decided for it, or empty when the review sent nothing from it (staff are told; the round's
checks list it until staff add nominees).
"""

import json
from collections.abc import Sequence

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.errors import FormInvalid
from awards.i18n import N_, Message
from awards.models import AuditEvent, Category, Nominee, Round, RoundCategory, RoundNominee
from awards.voting import lifecycle
from awards.voting.opening import ensure_schedules_hold


async def set_categories(
    session: AsyncSession, round_: Round, category_ids: Sequence[int], actor: str
) -> Message:
    """The round's categories become these; what to tell staff is returned. A category taken
    out takes its nominees in the round with it (else they would come back with it unseen);
    one put back into a final made from a shortlist starts from the shortlist review's choice
    (`_shortlisted`), and a category the review sent nothing from starts empty: staff are told.
    Both in the one audit event."""
    lifecycle.require(
        round_,
        lifecycle.PREPARING,
        N_("The round is %(state)s: its categories can no longer change."),
    )
    wanted = set(category_ids)
    valid = set(
        await session.scalars(
            select(Category.id).where(
                Category.season_id == round_.season_id, Category.id.in_(wanted)
            )
        )
    )
    if wanted - valid:
        raise FormInvalid({"categories": Message("Choose categories of this round's season.")})
    chosen = set(
        await session.scalars(
            select(RoundCategory.category_id).where(RoundCategory.round_id == round_.id)
        )
    )
    gone, added = chosen - wanted, wanted - chosen
    removed = await _round_nominees(session, round_.id, gone)
    restored = await _shortlisted(session, round_, added)
    # The nominees that leave or come back with their categories: in the same event.
    before = audit.snapshot(round_, categories=sorted(chosen), nominees=_by_key(removed))
    # Row by row, not all anew: a final round's categories keep the settings staff gave them.
    if gone:
        await session.execute(
            delete(RoundNominee).where(
                RoundNominee.round_id == round_.id, RoundNominee.category_id.in_(gone)
            )
        )
        await session.execute(
            delete(RoundCategory).where(
                RoundCategory.round_id == round_.id, RoundCategory.category_id.in_(gone)
            )
        )
    if added:
        await session.execute(
            insert(RoundCategory),
            [{"round_id": round_.id, "category_id": c} for c in sorted(added)],
        )
    if rows := [
        {"round_id": round_.id, "nominee_id": n, "category_id": c}
        for c, nominees in restored.items()
        for n in nominees
    ]:
        await session.execute(insert(RoundNominee), rows)
    await audit.record_change(
        session,
        round_,
        before,
        actor=actor,
        action=Action.ROUND_CATEGORIES_SET,
        categories=sorted(wanted),
        nominees=_by_key(restored),
    )
    await ensure_schedules_hold(session, round_.season_id)
    empty = sorted(added - restored.keys()) if round_.source_round_id is not None else []
    if not empty:
        return Message("Categories of the round saved.")
    names = await session.scalars(select(Category.name).where(Category.id.in_(empty)))
    return Message(
        "Categories of the round saved. No nominees yet in this round (the shortlist sent "
        "none) for: %(names)s. Add them on the category's page.",
        names="、".join(names),
    )


def _by_key(nominees: dict[int, list[int]]) -> dict[str, list[int]]:
    return {str(c): n for c, n in sorted(nominees.items())}


async def _round_nominees(
    session: AsyncSession, round_id: int, category_ids: set[int]
) -> dict[int, list[int]]:
    """{category id: its nominees' ids in the round}, of those categories that have any."""
    found: dict[int, list[int]] = {}
    rows = await session.execute(
        select(RoundNominee.category_id, RoundNominee.nominee_id)
        .where(RoundNominee.round_id == round_id, RoundNominee.category_id.in_(category_ids))
        .order_by(RoundNominee.nominee_id)
    )
    for category_id, nominee_id in rows:
        found.setdefault(category_id, []).append(nominee_id)
    return found


async def _shortlisted(
    session: AsyncSession, round_: Round, category_ids: set[int]
) -> dict[int, list[int]]:
    """{category id: the nominees' ids} that the shortlist review sent to this final round, of
    those categories, still in the catalogue. The review's choice is what its audit event says
    (`awards.voting.finals.create_final` records it): the sealed results alone do not say how
    staff settled a tie. Empty for a round not made from a shortlist, which takes all of a
    category's nominees at opening unless staff chose some."""
    if round_.source_round_id is None or not category_ids:
        return {}
    changes = await session.scalar(
        select(AuditEvent.changes).where(
            AuditEvent.action == Action.ROUND_SHORTLISTED,
            AuditEvent.object_type == Round.__tablename__,
            AuditEvent.object_id == str(round_.id),
        )
    )
    sent = json.loads(changes)["shortlist"] if changes else {}
    wanted = {n: c for c in category_ids for n in sent.get(str(c), [])}
    found: dict[int, list[int]] = {}
    rows = await session.execute(
        select(Nominee.category_id, Nominee.id).where(Nominee.id.in_(wanted)).order_by(Nominee.id)
    )
    for category_id, nominee_id in rows:
        if wanted[nominee_id] == category_id:
            found.setdefault(category_id, []).append(nominee_id)
    return found
