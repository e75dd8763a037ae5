"""Nominees: a drama (work categories) or a person in a drama (person categories)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit, collation
from awards.audit import Action
from awards.catalogue.dramas import DRAMA_KINDS
from awards.database import get_or_404
from awards.errors import FormInvalid
from awards.forms import Fields, ensure_free
from awards.i18n import N_, Message
from awards.models import Category, Drama, Nominee
from awards.voting.opening import ensure_schedules_hold
from awards.voting.rounds import ensure_category_not_frozen


@dataclass(frozen=True)
class NomineeForm:
    drama_id: int
    person_name: str
    person_role: str

    @classmethod
    def parse(cls, data: Mapping[str, Any], category: Category) -> "NomineeForm":
        fields = Fields(data)
        drama_id = fields.id("drama_id")
        person_name = fields.text("person_name", max_length=100)
        person_role = fields.text("person_role", max_length=100)
        if category.subject == "person" and not person_name:
            fields.fail("person_name", Message("This category nominates people: enter the name."))
        if category.subject == "work" and (person_name or person_role):
            fields.fail(
                "person_name", Message("This category nominates works: leave the name empty.")
            )
        fields.finish()
        return cls(drama_id=drama_id or 0, person_name=person_name, person_role=person_role)


def expected_kind(category: Category) -> str | None:
    """The kind of drama a category's name names ("最佳电视剧", "Best Web Drama"), when it names
    exactly one: staff are warned about a nominee of another kind, not stopped (a category
    may mean more than its name says). "其他" is left out: it names no kind in "其他奖项"."""
    names = f"{category.name} {category.name_en or ''}".casefold()
    found = {
        code
        for code, kind in DRAMA_KINDS.items()
        if code != "other"
        and any(s.casefold() in names for s in (kind.file_label, kind.label, *kind.spellings))
    }
    return found.pop() if len(found) == 1 else None


def fits(category: Category, drama: Drama) -> bool:
    """Whether the drama is of the kind the category's name names (or it names none)."""
    kind = expected_kind(category)
    return kind is None or drama.kind == kind


class _Labels(TypedDict):
    """Beside the ids in a nominee's audit event: what staff know them by. A TypedDict, so
    that its keys, passed as keywords, are known not to be `record_change`'s own."""

    category: str
    drama: str


def _labels(category: Category, drama: Drama) -> _Labels:
    return {"category": category.code, "drama": drama.title}


async def list_nominees(session: AsyncSession, category_id: int) -> list[Nominee]:
    """A category's nominees by title, then name (`awards.collation`)."""
    found = await session.scalars(
        select(Nominee)
        .where(Nominee.category_id == category_id)
        .options(selectinload(Nominee.drama))
    )
    return sorted(
        found,
        key=lambda n: (collation.sort_key(n.drama.title), collation.sort_key(n.person_name)),
    )


async def add_nominee(
    session: AsyncSession, category: Category, form: NomineeForm, actor: str
) -> Nominee:
    await ensure_category_not_frozen(session, category.id)
    drama = await session.get(Drama, form.drama_id)
    if drama is None or drama.season_id != category.season_id:
        raise FormInvalid({"drama_id": Message("Choose a drama from this season's catalogue.")})
    taken = select(Nominee.id).where(
        Nominee.category_id == category.id,
        Nominee.drama_id == drama.id,
        Nominee.person_name == form.person_name,
    )
    await ensure_free(
        session, taken, "drama_id", Message("This nominee is already in the category.")
    )
    nominee = Nominee(
        category_id=category.id,
        drama=drama,
        person_name=form.person_name,
        person_role=form.person_role,
    )
    session.add(nominee)
    await session.flush()
    await audit.record_change(
        session, nominee, {}, actor=actor, action=Action.NOMINEE_ADDED, **_labels(category, drama)
    )
    return nominee


async def remove_nominee(
    session: AsyncSession, category: Category, nominee_id: int, actor: str
) -> Nominee:
    """Remove a nominee of a category not yet frozen by a round; the removed nominee, its drama
    loaded, says what was removed."""
    nominee = await get_or_404(
        session,
        Nominee,
        nominee_id,
        N_("No such nominee."),
        Nominee.category_id == category.id,
        options=[selectinload(Nominee.drama)],
    )
    await ensure_category_not_frozen(session, category.id)
    labels = _labels(category, nominee.drama)
    await audit.record_change(
        session,
        nominee,
        audit.snapshot(nominee, **labels),
        actor=actor,
        action=Action.NOMINEE_REMOVED,
        removed=True,
    )
    await session.delete(nominee)
    await ensure_schedules_hold(session, category.season_id)
    return nominee
