"""Removing what staff made by mistake: a season, a category, a panel or a juror, only while
nothing depends on it. Otherwise the refusal names what does ("it has 3 nominees and is in
round final"), so that staff know what to remove first, or that it must stay.

What never goes: anything a round holds (its categories, nominees, roll of jurors, ballots),
so an election record can always be rebuilt and checked. Each removal is audited with what
the removed row held.
"""

from collections.abc import Sequence
from functools import reduce
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit
from awards.audit import Action
from awards.errors import Conflict
from awards.i18n import N_, Message
from awards.models import (
    Category,
    Drama,
    Juror,
    Nominee,
    Panel,
    Round,
    Season,
    WebSession,
    category_panel,
    juror_panel,
)
from awards.models.ballots import Participation
from awards.models.rounds import RoundCategory, RoundEligibility, RoundRecusal
from awards.voting.opening import ensure_schedules_hold


def _refuse(what: Message, reasons: Sequence[Message]) -> None:
    """Conflict naming every reason, joined as the reader's language joins a list."""
    if reasons:
        joined = reduce(lambda a, b: Message("%(a)s, %(b)s", a=a, b=b), reasons)
        raise Conflict("%(what)s cannot be removed: %(reasons)s.", what=what, reasons=joined)


async def _audited_removal(session: AsyncSession, row: Any, action: str, actor: str) -> None:
    """The row as it was goes into the audit log, then the row goes."""
    await audit.record_change(
        session, row, audit.snapshot(row), actor=actor, action=action, removed=True
    )
    await session.delete(row)


async def _count(session: AsyncSession, *where: ColumnElement[bool]) -> int:
    return await session.scalar(select(func.count()).where(*where)) or 0


async def _round_codes(session: AsyncSession, statement: Select[tuple[str]]) -> list[str]:
    return list(await session.scalars(statement))


async def remove_season(session: AsyncSession, season: Season, actor: str) -> None:
    counts = [
        (await _count(session, Category.season_id == season.id), N_("it has categories (%(n)s)")),
        (await _count(session, Drama.season_id == season.id), N_("it has dramas (%(n)s)")),
        (await _count(session, Panel.season_id == season.id), N_("it has panels (%(n)s)")),
        (await _count(session, Round.season_id == season.id), N_("it has rounds (%(n)s)")),
    ]
    what = Message("Season “%(name)s”", name=season.name)
    _refuse(what, [Message(text, n=n) for n, text in counts if n])
    await _audited_removal(session, season, Action.SEASON_REMOVED, actor)


async def remove_category(session: AsyncSession, category: Category, actor: str) -> None:
    nominees = await _count(session, Nominee.category_id == category.id)
    rounds = await _round_codes(
        session,
        select(Round.code)
        .join(RoundCategory, RoundCategory.round_id == Round.id)
        .where(RoundCategory.category_id == category.id)
        .order_by(Round.id),
    )
    reasons = []
    if nominees:
        reasons.append(Message("it has nominees (%(n)s)", n=nominees))
    if rounds:
        reasons.append(Message("it is in round %(rounds)s", rounds="、".join(rounds)))
    _refuse(Message("Category “%(name)s”", name=category.name), reasons)
    # Its panel links first: the category's own delete is flushed with the next statement.
    await session.execute(delete(category_panel).where(category_panel.c.category_id == category.id))
    await _audited_removal(session, category, Action.CATEGORY_REMOVED, actor)
    await ensure_schedules_hold(session, category.season_id)


async def remove_panel(session: AsyncSession, panel: Panel, actor: str) -> None:
    jurors = await _count(session, juror_panel.c.panel_id == panel.id)
    categories = await _count(session, category_panel.c.panel_id == panel.id)
    reasons = []
    if jurors:
        reasons.append(Message("it has jurors (%(n)s)", n=jurors))
    if categories:
        reasons.append(Message("categories are voted on by it (%(n)s)", n=categories))
    _refuse(Message("Panel “%(name)s”", name=panel.name), reasons)
    await _audited_removal(session, panel, Action.PANEL_REMOVED, actor)


async def remove_juror(session: AsyncSession, season: Season, juror_id: int, actor: str) -> bool:
    """Take the juror off the season's panels; a juror then on no panel of any season, and in
    no round, is removed altogether (with the account, codes and declarations) and logged out.
    Refused while a round of the season counts the juror (its roll, recusals or turnout).
    True when the juror is gone altogether."""
    juror = await session.get(Juror, juror_id, options=[selectinload(Juror.panels)])
    if juror is None or not any(p.season_id == season.id for p in juror.panels):
        raise Conflict("This juror is on no panel of this season.")
    rounds = await _round_codes(
        session,
        select(Round.code)
        .where(Round.season_id == season.id)
        .where(
            Round.id.in_(
                select(RoundEligibility.round_id)
                .where(RoundEligibility.juror_id == juror.id)
                .union(
                    select(RoundRecusal.round_id).where(RoundRecusal.juror_id == juror.id),
                    select(Participation.round_id).where(Participation.juror_id == juror.id),
                )
            )
        )
        .order_by(Round.id),
    )
    if rounds:
        _refuse(
            Message("Juror “%(name)s”", name=juror.name),
            [Message("round %(rounds)s counts this juror", rounds="、".join(rounds))],
        )
    before = audit.snapshot(juror, panels=sorted(p.code for p in juror.panels))
    juror.panels = [p for p in juror.panels if p.season_id != season.id]
    await session.flush()
    in_any_round = sum(
        [
            await _count(session, RoundEligibility.juror_id == juror.id),
            await _count(session, RoundRecusal.juror_id == juror.id),
            await _count(session, Participation.juror_id == juror.id),
        ]
    )
    gone = not juror.panels and not in_any_round
    await audit.record_change(
        session,
        juror,
        before,
        actor=actor,
        action=Action.JUROR_REMOVED,
        removed=gone,
        panels=sorted(p.code for p in juror.panels),
    )
    if gone:
        await session.execute(
            delete(WebSession).where(
                WebSession.principal_kind == "juror", WebSession.principal_id == juror.id
            )
        )
        await session.delete(juror)
    await ensure_schedules_hold(session, season.id)
    return gone
