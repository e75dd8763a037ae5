"""Award categories: what is nominated, how it is counted, and what is disclosed.

How a category is counted is read by `awards.catalogue.counting` (the rules of
docs/election-record.md); settings that do not apply to the chosen method are stored as NULL.
"""

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.catalogue.counting import Counting
from awards.database import get_or_404
from awards.errors import FormInvalid
from awards.forms import Fields, ensure_free
from awards.i18n import N_, Message
from awards.models import Category, Panel, Season, category_panel
from awards.models.catalogue import SUBJECTS
from awards.voting.opening import ensure_schedules_hold
from awards.voting.rounds import ensure_category_not_frozen


@dataclass(frozen=True)
class CategoryForm:
    code: str
    name: str
    name_en: str | None
    subject: str
    method: str
    winners: int
    max_choices: int | None
    score_min: int | None
    score_max: int | None
    trim: int | None
    quorum: int
    disclosure: str
    shortlist_size: int | None

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "CategoryForm":
        fields = Fields(data)
        counting = Counting.read(fields)
        code = fields.code("code")
        name = fields.text("name", required=True)
        name_en = fields.text("name_en") or None
        subject = fields.choice("subject", {s: s for s in SUBJECTS})
        shortlist = fields.integer("shortlist_size", minimum=1, maximum=1000)
        fields.finish()
        return cls(
            code=code,
            name=name,
            name_en=name_en,
            subject=subject,
            shortlist_size=shortlist,
            **asdict(counting),
        )


async def list_categories(session: AsyncSession, season_id: int) -> list[Category]:
    return list(
        await session.scalars(
            select(Category)
            .where(Category.season_id == season_id)
            .order_by(Category.position, Category.id)
        )
    )


async def get_category(session: AsyncSession, category_id: int) -> Category:
    return await get_or_404(session, Category, category_id, N_("No such category."))


async def _check_code_free(
    session: AsyncSession, season_id: int, form: CategoryForm, own_id: int | None
) -> None:
    taken = select(Category.id).where(Category.season_id == season_id, Category.code == form.code)
    message = Message("Another category of this season uses this code.")
    await ensure_free(session, taken, "code", message, own_id=own_id, values=asdict(form))


async def create_category(
    session: AsyncSession, season: Season, form: CategoryForm, actor: str
) -> Category:
    await _check_code_free(session, season.id, form, None)
    last = await session.scalar(
        select(func.max(Category.position)).where(Category.season_id == season.id)
    )
    category = Category(season_id=season.id, position=(last or 0) + 1, **asdict(form))
    session.add(category)
    await session.flush()
    await audit.record_change(session, category, {}, actor=actor, action=Action.CATEGORY_CREATED)
    return category


async def update_category(
    session: AsyncSession, category: Category, form: CategoryForm, actor: str
) -> None:
    await ensure_category_not_frozen(session, category.id)
    await _check_code_free(session, category.season_id, form, category.id)
    before = audit.snapshot(category)
    for key, value in asdict(form).items():
        setattr(category, key, value)
    await audit.record_change(
        session, category, before, actor=actor, action=Action.CATEGORY_UPDATED
    )
    await ensure_schedules_hold(session, category.season_id)


async def panel_codes(session: AsyncSession, category_id: int) -> list[str]:
    return list(
        await session.scalars(
            select(Panel.code)
            .join(category_panel, category_panel.c.panel_id == Panel.id)
            .where(category_panel.c.category_id == category_id)
            .order_by(Panel.code)
        )
    )


async def set_panels(
    session: AsyncSession, category: Category, codes: Sequence[str], actor: str
) -> None:
    """The panels whose jurors vote in this category."""
    before = await panel_codes(session, category.id)
    if sorted(set(codes)) == before:
        return
    await ensure_category_not_frozen(session, category.id)
    panels = {
        p.code: p.id
        for p in await session.scalars(select(Panel).where(Panel.season_id == category.season_id))
    }
    if unknown := [c for c in codes if c not in panels]:
        raise FormInvalid({"panels": Message("No panel “%(c)s” in this season.", c=unknown[0])})
    await session.execute(delete(category_panel).where(category_panel.c.category_id == category.id))
    if codes:
        await session.execute(
            insert(category_panel),
            [{"category_id": category.id, "panel_id": panels[c]} for c in sorted(set(codes))],
        )
    await audit.record(
        session,
        actor=actor,
        action=Action.CATEGORY_PANELS_SET,
        object_type="category",
        object_id=category.id,
        changes=audit.diff({"panels": before}, {"panels": sorted(set(codes))}),
    )
    await ensure_schedules_hold(session, category.season_id)


async def move_category(session: AsyncSession, category: Category, step: int, actor: str) -> None:
    """Swap the category with its neighbour above (step -1) or below (step +1)."""
    ordered = await list_categories(session, category.season_id)
    before = [c.code for c in ordered]
    index = next(i for i, c in enumerate(ordered) if c.id == category.id)
    target = index + step
    if not 0 <= target < len(ordered):
        return
    ordered[index], ordered[target] = ordered[target], ordered[index]
    for position, item in enumerate(ordered, start=1):
        item.position = position
    await audit.record(  # the positions, as the season's order of categories
        session,
        actor=actor,
        action=Action.CATEGORY_REORDERED,
        object_type="season",
        object_id=category.season_id,
        changes=audit.diff({"order": before}, {"order": [c.code for c in ordered]}),
    )
