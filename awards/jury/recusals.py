"""Recusals: which jurors are recused from which nominees.

A juror is recused from a nominee whose drama lists a company the juror declared, or which is a
work the juror declared. Staff decisions add recusals (with their public reason) or lift derived
ones, and win over the derivation. A recusal's `reason` is public (the register, the juror's
ballot); a staff decision's private note is never part of it. A reason is stored as written
(the ones the system writes in Chinese, as rounds have always frozen them) and shown in the
reader's language by `shown_reason`. Counting treats a recusal as "no
opinion", never as a low mark; with a ranked method a juror recused from any nominee of a
category does not vote in that category. Opening freezes the recusals in force into the round.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import i18n
from awards.i18n import N_, Message
from awards.models import Affiliation, Nominee, RecusalDecision

# The reasons the system writes, as stored: rounds opened before froze these very words into
# `round_recusal.reason` (the seal and the record carry the pairs, not the reasons), so new
# rows are written the same way and one reader shows old and new in the reader's language.
DECLARED_WORK = "申报参与作品："
DECLARED_COMPANY = "申报关联公司："
BY_STAFF = "工作人员决定回避"  # written by migration 0008 for decisions taken before it
_WRITTEN = (
    (DECLARED_WORK, N_("Declared taking part in the work: %(name)s")),
    (DECLARED_COMPANY, N_("Declared a tie with the company: %(name)s")),
)
# Offered on the form as public reasons: general enough to publish beside a juror's name.
PUBLIC_REASONS = (
    N_("Family tie with someone in the work"),
    N_("Works for a company of the work"),
    N_("Took part in the work"),
    N_("Financial interest in the work"),
    N_("Other conflict of interest"),
    N_("Recused by staff decision"),
)


def shown_reason(reason: str) -> str | Message:
    """A public reason to show: what the system wrote, and an offered reason chosen in either
    language, in the reader's language; what staff typed, as typed."""
    if reason == BY_STAFF:
        return Message("Recused by staff decision")
    for prefix, msgid in _WRITTEN:
        if reason.startswith(prefix):
            return Message(msgid, name=reason.removeprefix(prefix))
    offered = i18n.msgid_of(reason, PUBLIC_REASONS)
    return reason if offered is None else Message(offered)


@dataclass(frozen=True)
class Recusal:
    juror_id: int
    nominee_id: int
    reason: str

    @property
    def shown(self) -> str | Message:
        return shown_reason(self.reason)


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
                affiliation.juror_id, nominee.id, DECLARED_WORK + nominee.drama.title
            )
        for company in nominee.drama.company_list:
            for affiliation in by_company.get(_folded(company), []):
                found.setdefault(
                    (affiliation.juror_id, nominee.id),
                    Recusal(affiliation.juror_id, nominee.id, DECLARED_COMPANY + company),
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
