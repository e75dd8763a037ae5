"""Conflicts of interest: the affiliations jurors declare and the decisions staff take on them.

What recusals follow is `awards.jury.recusals`. A juror's own declaration is always accepted, even
when it leaves a scheduled round's category without a juror who may vote (the schedule then
lets that round lapse and says why); a staff decision that would do so is refused.
"""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.audit import Action
from awards.database import get_or_404
from awards.errors import FormInvalid
from awards.i18n import N_, Message
from awards.jury.recusals import Recusal, effective_recusals
from awards.models import (
    Affiliation,
    Category,
    Drama,
    Juror,
    Nominee,
    RecusalDecision,
    category_panel,
    juror_panel,
)
from awards.voting.opening import ensure_schedules_hold
from ballots.content import RANKED


async def list_affiliations(session: AsyncSession, juror_id: int) -> list[Affiliation]:
    return list(
        await session.scalars(
            select(Affiliation).where(Affiliation.juror_id == juror_id).order_by(Affiliation.id)
        )
    )


async def declare(
    session: AsyncSession,
    juror_id: int,
    *,
    company: str = "",
    drama_id: int | None = None,
    role: str = "",
) -> Affiliation:
    company = company.strip()
    if not company and drama_id is None:
        raise FormInvalid({"company": Message("Name a company or choose a work.")})
    if len(company) > 200 or len(role) > 100:
        raise FormInvalid({"company": Message("At most %(n)s characters.", n=200)})
    if drama_id is not None and await session.get(Drama, drama_id) is None:
        raise FormInvalid({"drama_id": Message("No such drama.")})
    duplicate = await session.scalar(
        select(Affiliation.id).where(
            Affiliation.juror_id == juror_id,
            Affiliation.company == company,
            Affiliation.drama_id.is_(None)
            if drama_id is None
            else Affiliation.drama_id == drama_id,
        )
    )
    if duplicate:
        raise FormInvalid({"company": Message("You have declared this already.")})
    affiliation = Affiliation(
        juror_id=juror_id, company=company, drama_id=drama_id, role=role.strip()
    )
    session.add(affiliation)
    await session.flush()
    await audit.record_change(
        session, affiliation, {}, actor=f"juror:{juror_id}", action=Action.AFFILIATION_DECLARED
    )
    return affiliation


async def withdraw(session: AsyncSession, juror_id: int, affiliation_id: int) -> None:
    affiliation = await get_or_404(
        session,
        Affiliation,
        affiliation_id,
        N_("No such declaration."),
        Affiliation.juror_id == juror_id,
    )
    await audit.record_change(
        session,
        affiliation,
        audit.snapshot(affiliation),
        actor=f"juror:{juror_id}",
        action=Action.AFFILIATION_WITHDRAWN,
        removed=True,
    )
    await session.delete(affiliation)


PUBLIC_REASON_MAX = 100
# Offered on the form as public reasons: general enough to publish beside a juror's name.
PUBLIC_REASONS = (
    N_("Family tie with someone in the work"),
    N_("Works for a company of the work"),
    N_("Took part in the work"),
    N_("Financial interest in the work"),
    N_("Other conflict of interest"),
)
NOTE_MAX = 1000


async def decide(
    session: AsyncSession,
    juror: Juror,
    nominee_id: int,
    recused: bool | None,
    public_reason: str,
    note: str,
    actor: str,
) -> None:
    """Staff: recuse (True), lift a derived recusal (False), or drop the decision (None). A
    recusal needs its public reason (published in the register); a lift needs a note (why,
    for staff: nothing of a lift is published). The note is never published."""
    nominee = await get_or_404(
        session,
        Nominee,
        nominee_id,
        N_("No such nominee."),
        options=[selectinload(Nominee.category)],
    )
    public_reason, note = public_reason.strip(), note.strip()
    if recused:
        if not public_reason:
            raise FormInvalid(
                {
                    "reason": Message(
                        "Give the public reason: it is published in the register of recusals"
                        " beside the juror's name. Keep private details for the note."
                    )
                }
            )
    elif recused is False:
        public_reason = ""  # a lift publishes nothing
        if not note:
            raise FormInvalid(
                {"note": Message("Note why the recusal is lifted (for staff, not published).")}
            )
    if len(public_reason) > PUBLIC_REASON_MAX:
        raise FormInvalid({"reason": Message("At most %(n)s characters.", n=PUBLIC_REASON_MAX)})
    if len(note) > NOTE_MAX:
        raise FormInvalid({"note": Message("At most %(n)s characters.", n=NOTE_MAX)})
    decision = await session.get(RecusalDecision, (juror.id, nominee_id))
    before = {} if decision is None else audit.snapshot(decision)
    if recused is None:
        if decision is not None:
            await audit.record_change(
                session, decision, before, actor=actor, action=Action.RECUSAL_DECIDED, removed=True
            )
            await session.delete(decision)
    else:
        if decision is None:
            decision = RecusalDecision(juror_id=juror.id, nominee_id=nominee_id)
            session.add(decision)
        decision.recused = recused
        decision.public_reason, decision.private_note = public_reason, note
        await session.flush()
        await audit.record_change(
            session, decision, before, actor=actor, action=Action.RECUSAL_DECIDED
        )
    await ensure_schedules_hold(session, nominee.category.season_id)


@dataclass(frozen=True)
class JurorConflicts:
    """A juror's conflicts in one season, as staff decide on them."""

    nominees: list[Nominee]
    """The season's nominees, with their drama and category."""
    recusals: dict[int, Recusal]
    """nominee id -> the recusal in force (derived, or a staff decision's)."""
    decisions: dict[int, RecusalDecision]
    """nominee id -> the staff decision taken, in any season."""
    affiliations: list[Affiliation]
    titles: dict[int, str]
    """drama id -> title, of the works declared."""


async def juror_conflicts(session: AsyncSession, juror_id: int, season_id: int) -> JurorConflicts:
    nominees = list(
        await session.scalars(
            select(Nominee)
            .join(Nominee.category)
            .where(Nominee.category.has(season_id=season_id))
            .options(selectinload(Nominee.drama), selectinload(Nominee.category))
            .order_by(Category.position, Category.id, Nominee.id)
        )
    )
    recusals = await effective_recusals(session, [juror_id], nominees)
    decisions = await session.scalars(
        select(RecusalDecision).where(RecusalDecision.juror_id == juror_id)
    )
    affiliations = await list_affiliations(session, juror_id)
    return JurorConflicts(
        nominees,
        {nominee_id: r for (_juror, nominee_id), r in recusals.items()},
        {d.nominee_id: d for d in decisions},
        affiliations,
        await _titles(session, affiliations),
    )


async def ranked_left_out(
    session: AsyncSession, juror_id: int, found: JurorConflicts
) -> list[tuple[Category, list[Nominee]]]:
    """The ranked categories of the juror's panels in which the juror does not vote, with the
    nominees that cause it (a ranking places every nominee, see `awards.jury.recusals`): what
    the next opening would freeze."""
    of_panels = set(
        await session.scalars(
            select(category_panel.c.category_id)
            .join(juror_panel, juror_panel.c.panel_id == category_panel.c.panel_id)
            .where(juror_panel.c.juror_id == juror_id)
        )
    )
    left_out: dict[int, tuple[Category, list[Nominee]]] = {}
    for nominee in found.nominees:
        category = nominee.category
        if nominee.id in found.recusals and category.method in RANKED and category.id in of_panels:
            left_out.setdefault(category.id, (category, []))[1].append(nominee)
    return list(left_out.values())


SHOWN = ("recused", "all")
ROWS_PER_PAGE = 25


@dataclass(frozen=True)
class RecusalRows:
    """One page of the nominees staff decide on, filtered."""

    nominees: list[Nominee]
    page: int
    pages: int
    matching: int


def recusal_rows(found: JurorConflicts, q: str, show: str, page: int) -> RecusalRows:
    """The nominees whose category, title (Chinese or English) or person holds `q`; `show`
    "recused": only those with a recusal in force or a staff decision. A page past the end is
    the last page."""
    wanted = _folded(q)
    rows = [
        n
        for n in found.nominees
        if (show == "all" or n.id in found.recusals or n.id in found.decisions)
        and (not wanted or wanted in _searchable(n))
    ]
    pages = max(1, -(-len(rows) // ROWS_PER_PAGE))
    page = min(max(page, 1), pages)
    start = (page - 1) * ROWS_PER_PAGE
    return RecusalRows(rows[start : start + ROWS_PER_PAGE], page, pages, len(rows))


def _folded(text: str) -> str:
    return "".join(text.split()).casefold()


def _searchable(nominee: Nominee) -> str:
    drama = nominee.drama
    return _folded(
        " ".join((nominee.category.name, nominee.label, drama.title, drama.title_en or ""))
    )


async def _titles(session: AsyncSession, declared: list[Affiliation]) -> dict[int, str]:
    wanted = {a.drama_id for a in declared if a.drama_id}
    if not wanted:
        return {}
    rows = await session.execute(select(Drama.id, Drama.title).where(Drama.id.in_(wanted)))
    return dict(rows.tuples().all())


@dataclass(frozen=True)
class Declarations:
    """A juror's own page of declarations."""

    declared: list[Affiliation]
    titles: dict[int, str]
    """drama id -> title, of the works declared."""
    found: list[Drama]
    """The works whose title holds the search text (at most 30), to choose one from."""


async def declarations(session: AsyncSession, juror_id: int, q: str = "") -> Declarations:
    declared = await list_affiliations(session, juror_id)
    titles = await _titles(session, declared)
    found = []
    if q.strip():
        found = list(
            await session.scalars(
                select(Drama)
                .where(Drama.title.contains(q.strip(), autoescape=True))
                .order_by(Drama.title)
                .limit(30)
            )
        )
    return Declarations(declared, titles, found)
