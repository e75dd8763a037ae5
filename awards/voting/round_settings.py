"""A final round's own categories: their counting settings and their nominees, which staff set
on the final round's pages until it opens (issue 11).

A nomination round counts its categories as the catalogue says, and opening it freezes them. Its
final may count the same category otherwise (approval for nominations, ranked or score voting
for the final): the final's `RoundCategory` row holds settings of its own, which opening freezes
in the final's configuration, and the final's nominees are its `RoundNominee` rows, the shortlist
staff may add back to or take from. Each change is an audit event on the round and re-checks the
season's scheduled rounds, like every change to what opening freezes.
"""

from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any, cast

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.audit import Action
from awards.catalogue.counting import Counting
from awards.errors import Conflict, FormInvalid, NotFound
from awards.forms import Fields
from awards.i18n import N_, Message
from awards.models import Nominee, Round, RoundCategory, RoundNominee
from awards.voting import lifecycle
from awards.voting.opening import ensure_schedules_hold
from awards.voting.rounds import CategoryInRound, categories_in_round

_FROZEN = N_("The round is %(state)s: its categories can no longer change.")


@dataclass(frozen=True)
class RoundCategoryPage:
    category: CategoryInRound
    nominees: list[Nominee]
    """The round's nominees of the category, with their dramas."""
    others: list[Nominee]
    """The category's other nominees in the catalogue, which staff may add back."""

    def by_place(self, places: Mapping[int, int]) -> "RoundCategoryPage":
        """Both lists in the order of `places` (nominee id: place in the nomination round),
        the next in line first among those to add back; those without a place last."""

        def ordered(nominees: list[Nominee]) -> list[Nominee]:
            return sorted(nominees, key=lambda n: places.get(n.id, len(places) + 1))

        return replace(self, nominees=ordered(self.nominees), others=ordered(self.others))


async def category_in_round(
    session: AsyncSession, round_: Round, category_id: int
) -> CategoryInRound:
    for category in await categories_in_round(session, round_.id):
        if category.id == category_id:
            return category
    raise NotFound(N_("The round has no such category."))


async def category_page(
    session: AsyncSession, round_: Round, category_id: int
) -> RoundCategoryPage:
    category = await category_in_round(session, round_, category_id)
    chosen = set(await _nominee_ids(session, round_.id, category_id))
    everyone = await session.scalars(
        select(Nominee)
        .where(Nominee.category_id == category_id)
        .options(selectinload(Nominee.drama))
        .order_by(Nominee.id)
    )
    nominees: list[Nominee] = []
    others: list[Nominee] = []
    for nominee in everyone:
        (nominees if nominee.id in chosen else others).append(nominee)
    return RoundCategoryPage(category, nominees, others)


def require_editable(round_: Round) -> None:
    """A final round that has not opened yet: its own categories may change."""
    lifecycle.require(round_, lifecycle.PREPARING, _FROZEN)
    if round_.kind != "final":
        raise Conflict(
            N_("A nomination round counts its categories as the catalogue says: change them there.")
        )


def parse_counting(data: Mapping[str, Any]) -> Counting:
    fields = Fields(data)
    counting = Counting.read(fields)
    fields.finish()
    return counting


async def set_counting(
    session: AsyncSession, round_: Round, category_id: int, counting: Counting, actor: str
) -> Message:
    """Give the round's category these settings of its own; returns what to tell staff."""
    require_editable(round_)
    category = await category_in_round(session, round_, category_id)
    before = asdict(category.counting)
    await session.execute(
        update(RoundCategory)
        .where(RoundCategory.round_id == round_.id, RoundCategory.category_id == category_id)
        .values(**asdict(counting))
    )
    if changes := audit.diff(before, asdict(counting)):
        await audit.record(
            session,
            actor=actor,
            action=Action.ROUND_CATEGORY_SETTINGS_SET,
            object_type="round",
            object_id=round_.id,
            changes={"category": category_id, **changes},
        )
    await ensure_schedules_hold(session, round_.season_id)
    return Message("Settings of “%(name)s” in this round saved.", name=category.name)


async def _nominee_ids(session: AsyncSession, round_id: int, category_id: int) -> list[int]:
    return sorted(
        await session.scalars(
            select(RoundNominee.nominee_id).where(
                RoundNominee.round_id == round_id, RoundNominee.category_id == category_id
            )
        )
    )


def parse_nominee(data: Mapping[str, Any]) -> int:
    fields = Fields(data)
    nominee_id = fields.id("nominee_id")
    fields.finish()
    return cast(int, nominee_id)  # finish() has raised if there was none


async def change_nominee(
    session: AsyncSession,
    round_: Round,
    category_id: int,
    nominee_id: int,
    actor: str,
    *,
    add: bool,
) -> Message:
    """Add a nominee of the category to the round's (back onto a shortlist), or take one off;
    returns what to tell staff. A category keeps at least one nominee: to drop it, take the
    category out of the round."""
    require_editable(round_)
    await category_in_round(session, round_, category_id)
    before = await _nominee_ids(session, round_.id, category_id)
    nominee = await session.scalar(
        select(Nominee)
        .where(Nominee.id == nominee_id, Nominee.category_id == category_id)
        .options(selectinload(Nominee.drama))
    )
    if add:
        if nominee is None:
            message = Message("Choose a nominee of this category.")
            raise FormInvalid({"nominee_id": message})
        if nominee_id not in before:
            await session.execute(
                insert(RoundNominee).values(
                    round_id=round_.id, nominee_id=nominee_id, category_id=category_id
                )
            )
    elif nominee_id in before:
        if before == [nominee_id]:
            raise Conflict(
                N_(
                    "This is the category's last nominee in the round: take the category out "
                    "of the round instead."
                )
            )
        await session.execute(
            delete(RoundNominee).where(
                RoundNominee.round_id == round_.id, RoundNominee.nominee_id == nominee_id
            )
        )
    after = await _nominee_ids(session, round_.id, category_id)
    if after != before:
        await audit.record(
            session,
            actor=actor,
            action=Action.ROUND_NOMINEE_ADDED if add else Action.ROUND_NOMINEE_REMOVED,
            object_type="round",
            object_id=round_.id,
            changes={"category": category_id, "nominees": [before, after]},
        )
    await ensure_schedules_hold(session, round_.season_id)
    if after == before or nominee is None:
        return Message("Nothing changed: the round's nominees were already so.")
    if add:
        return Message("“%(label)s” added to this round.", label=nominee.label)
    return Message("“%(label)s” taken out of this round.", label=nominee.label)
