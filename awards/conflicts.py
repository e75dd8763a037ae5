"""Conflicts of interest: declared affiliations, staff decisions, and the recusals they make.

A juror is recused from a nominee whose drama lists a company the juror declared, or which is a
work the juror declared. Staff decisions (with a reason) add recusals or lift derived ones, and
win over the derivation. Counting treats a recusal as "no opinion", never as a low mark; with a
ranked method a juror recused from any nominee of a category does not vote in that category.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.errors import FormInvalid, NotFound
from awards.i18n import _
from awards.models import Affiliation, Drama, Juror, Nominee, RecusalDecision


@dataclass(frozen=True)
class Recusal:
    juror_id: int
    nominee_id: int
    reason: str


def _folded(name: str) -> str:
    return "".join(name.split()).casefold()


async def effective_recusals(
    session: AsyncSession, juror_ids: Iterable[int], nominees: Iterable[Nominee]
) -> dict[tuple[int, int], Recusal]:
    """(juror, nominee) -> recusal, for these jurors and nominees (nominees with their drama)."""
    juror_ids, nominees = set(juror_ids), list(nominees)
    found: dict[tuple[int, int], Recusal] = {}
    if not juror_ids or not nominees:
        return found
    affiliations = await session.scalars(
        select(Affiliation).where(Affiliation.juror_id.in_(juror_ids))
    )
    by_company: dict[str, list[Affiliation]] = {}
    by_drama: dict[int, list[Affiliation]] = {}
    for affiliation in affiliations:
        if affiliation.drama_id is not None:
            by_drama.setdefault(affiliation.drama_id, []).append(affiliation)
        if affiliation.company:
            by_company.setdefault(_folded(affiliation.company), []).append(affiliation)
    for nominee in nominees:
        for affiliation in by_drama.get(nominee.drama_id, []):
            found[(affiliation.juror_id, nominee.id)] = Recusal(
                affiliation.juror_id, nominee.id, f"申报参与作品：{nominee.drama.title}"
            )
        for company in nominee.drama.company_list:
            for affiliation in by_company.get(_folded(company), []):
                found.setdefault(
                    (affiliation.juror_id, nominee.id),
                    Recusal(affiliation.juror_id, nominee.id, f"申报关联公司：{company}"),
                )
    decisions = await session.scalars(
        select(RecusalDecision).where(
            RecusalDecision.juror_id.in_(juror_ids),
            RecusalDecision.nominee_id.in_([n.id for n in nominees]),
        )
    )
    for decision in decisions:
        key = (decision.juror_id, decision.nominee_id)
        if decision.recused:
            found[key] = Recusal(decision.juror_id, decision.nominee_id, decision.reason)
        else:
            found.pop(key, None)
    return found


async def list_affiliations(session: AsyncSession, juror_id: int) -> list[Affiliation]:
    return list(
        await session.scalars(
            select(Affiliation).where(Affiliation.juror_id == juror_id).order_by(Affiliation.id)
        )
    )


async def declare(
    session: AsyncSession,
    juror: Juror,
    *,
    company: str = "",
    drama_id: int | None = None,
    role: str = "",
) -> Affiliation:
    company = company.strip()
    if not company and drama_id is None:
        raise FormInvalid({"company": _("Name a company or choose a work.")})
    if len(company) > 200 or len(role) > 100:
        raise FormInvalid({"company": _("At most %(n)s characters.", n=200)})
    if drama_id is not None and await session.get(Drama, drama_id) is None:
        raise FormInvalid({"drama_id": _("No such drama.")})
    duplicate = await session.scalar(
        select(Affiliation.id).where(
            Affiliation.juror_id == juror.id,
            Affiliation.company == company,
            Affiliation.drama_id.is_(None)
            if drama_id is None
            else Affiliation.drama_id == drama_id,
        )
    )
    if duplicate:
        raise FormInvalid({"company": _("You have declared this already.")})
    affiliation = Affiliation(
        juror_id=juror.id, company=company, drama_id=drama_id, role=role.strip()
    )
    session.add(affiliation)
    await session.flush()
    await audit.record(
        session,
        actor=f"juror:{juror.id}",
        action="affiliation.declared",
        object_type="juror",
        object_id=juror.id,
        changes={"company": company, "drama_id": drama_id, "role": role},
    )
    return affiliation


async def withdraw(session: AsyncSession, juror: Juror, affiliation_id: int) -> None:
    affiliation = await session.get(Affiliation, affiliation_id)
    if affiliation is None or affiliation.juror_id != juror.id:
        raise NotFound("No such declaration.")
    await audit.record(
        session,
        actor=f"juror:{juror.id}",
        action="affiliation.withdrawn",
        object_type="juror",
        object_id=juror.id,
        changes={"company": affiliation.company, "drama_id": affiliation.drama_id},
    )
    await session.delete(affiliation)


async def decide(
    session: AsyncSession,
    juror: Juror,
    nominee_id: int,
    recused: bool | None,
    reason: str,
    actor: str,
) -> None:
    """Staff: recuse (True), lift a derived recusal (False), or drop the decision (None)."""
    nominee = await session.get(Nominee, nominee_id, options=[selectinload(Nominee.drama)])
    if nominee is None:
        raise NotFound("No such nominee.")
    reason = reason.strip()
    if recused is not None and not reason:
        raise FormInvalid({"reason": _("Give the reason; it is published in the register.")})
    if len(reason) > 300:
        raise FormInvalid({"reason": _("At most %(n)s characters.", n=300)})
    await session.execute(
        delete(RecusalDecision).where(
            RecusalDecision.juror_id == juror.id, RecusalDecision.nominee_id == nominee_id
        )
    )
    if recused is not None:
        session.add(
            RecusalDecision(
                juror_id=juror.id, nominee_id=nominee_id, recused=recused, reason=reason
            )
        )
    await audit.record(
        session,
        actor=actor,
        action="recusal.decided",
        object_type="juror",
        object_id=juror.id,
        changes={"nominee": nominee_id, "recused": recused, "reason": reason},
    )
