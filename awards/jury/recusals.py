"""Recusals: which jurors are recused from which nominees.

A juror is recused from a nominee whose drama lists a company the juror declared, or which is a
work the juror declared. Staff decisions add recusals (with their public reason) or lift derived
ones, and win over the derivation. A recusal's `reason` is public (the register, the juror's
ballot); a staff decision's private note is never part of it. Counting treats a recusal as "no
opinion", never as a low mark; with a ranked method a juror recused from any nominee of a
category does not vote in that category. Opening freezes the recusals in force into the round.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.models import Affiliation, Nominee, RecusalDecision


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
            found[key] = Recusal(decision.juror_id, decision.nominee_id, decision.public_reason)
        else:
            found.pop(key, None)
    return found
