"""The checks before opening (or scheduling) a round, as staff see them on the round page and on
the confirmation page: problems, which block opening (`OpeningPlan.problems`, the same list the
schedule checks), and warnings, which staff may open despite once they have read them.

A warning is something that is legal but probably not meant: jurors counted as eligible who have
never activated their account (they cannot vote until they do), a quorum only reachable if some
of them do, a category in which every nominee wins, jurors who will not vote in a ranked category
because they are recused from one of its nominees, a round without a closing time.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.i18n import Message
from awards.models import Juror, Round
from awards.voting import lifecycle
from awards.voting.opening import OpeningPlan, plan
from ballots.content import RANKED


@dataclass(frozen=True)
class Check:
    message: Message
    names: tuple[str | Message, ...] = ()
    """Whom or what it is about (jurors, categories), listed under the message."""


@dataclass(frozen=True)
class Readiness:
    plan: OpeningPlan
    problems: list[Check]
    warnings: list[Check]

    def ensure_no_problems(self) -> None:
        """Refuse (409, nothing changed) with the first problem."""
        if self.problems:
            first = self.problems[0].message
            raise lifecycle.IllegalTransition(first.msgid, **first.params)


async def review(session: AsyncSession, round_: Round, now: datetime | None) -> Readiness:
    """Every problem and warning of opening the round as it stands: at `now` (opening by hand),
    or with None for scheduling, which sets its own times."""
    found = await plan(session, round_)
    problems = [Check(Message(p.message, **p.params)) for p in found.problems(round_, now)]
    named = set().union(
        *(item.eligible | {j for j, _n in item.recusals} for item in found.categories)
    )
    jurors = await _jurors(session, named)
    found_warnings = warnings(found, jurors)
    if now is not None and round_.closes_at is None:
        found_warnings.append(
            Check(
                Message(
                    "Opened by hand now, the round has no closing time: it stays open until "
                    "staff close it."
                )
            )
        )
    return Readiness(found, problems, found_warnings)


@dataclass(frozen=True)
class _Juror:
    name: str
    activated: bool


async def _jurors(session: AsyncSession, juror_ids: set[int]) -> dict[int, _Juror]:
    if not juror_ids:
        return {}
    rows = await session.execute(
        select(Juror.id, Juror.name, Juror.password_hash.is_not(None))
        .where(Juror.id.in_(juror_ids))
        .order_by(Juror.name, Juror.id)
    )
    return {juror_id: _Juror(name, bool(activated)) for juror_id, name, activated in rows}


def warnings(found: OpeningPlan, jurors: "dict[int, _Juror]") -> list[Check]:
    """What staff confirm before opening, of the plan and its jurors (in name order)."""
    found_warnings: list[Check] = []
    short_of_quorum: list[Message] = []
    eligible = set().union(*(item.eligible for item in found.categories))
    inactive = {
        j: juror.name for j, juror in jurors.items() if j in eligible and not juror.activated
    }
    if inactive:
        found_warnings.append(
            Check(
                Message(
                    "%(n)s eligible jurors have never activated their account: they cannot "
                    "vote until they do (issue them new codes on the jury page if needed).",
                    n=len(inactive),
                ),
                tuple(inactive.values()),
            )
        )
    for item in found.categories:
        category, name = item.category, item.category.name
        if not item.nominees or not item.eligible:
            continue  # a problem already
        active = len(item.eligible - inactive.keys())
        if active < category.quorum <= len(item.eligible):
            short_of_quorum.append(
                Message(
                    "“%(name)s” (quorum %(quorum)s; %(active)s of %(eligible)s jurors activated)",
                    name=name,
                    quorum=category.quorum,
                    active=active,
                    eligible=len(item.eligible),
                )
            )
        if category.winners >= len(item.nominees):
            found_warnings.append(
                Check(
                    Message(
                        "“%(name)s” has %(winners)s winners and only %(nominees)s nominees: "
                        "every nominee wins, and the vote only orders them.",
                        name=name,
                        winners=category.winners,
                        nominees=len(item.nominees),
                    )
                )
            )
        if category.method in RANKED:
            ranked_out = {juror for juror, _nominee in item.recusals} - item.eligible
            recused = [j for j in jurors if j in ranked_out]  # in name order
            if recused:
                found_warnings.append(
                    Check(
                        Message(
                            "%(n)s jurors will not vote in “%(name)s”: with a ranked method a "
                            "juror recused from one nominee does not vote in the category.",
                            n=len(recused),
                            name=name,
                        ),
                        tuple(jurors[j].name for j in recused),
                    )
                )
    if short_of_quorum:
        # One warning for all of them: with nobody activated yet, every category is short.
        found_warnings.insert(
            1 if inactive else 0,
            Check(
                Message(
                    "%(n)s categories reach their quorum only if more jurors activate their "
                    "account:",
                    n=len(short_of_quorum),
                ),
                tuple(short_of_quorum),
            ),
        )
    return found_warnings
