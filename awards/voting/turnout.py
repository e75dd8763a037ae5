"""Turnout: who has voted in a round and who has not, in total and by panel. Names only, never a
ballot. A juror who has not voted either has an account and has not used it yet (a reminder
helps) or never activated it (only a new code helps), so the two are kept apart. A juror recused
from one nominee of a ranked category does not vote in that category at all: turnout names them,
so that staff know why (they still count in the categories they do vote in)."""

import json
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.csv_files import csv_bytes
from awards.models import (
    Category,
    Juror,
    Panel,
    Participation,
    RoundConfig,
    RoundEligibility,
    RoundNominee,
    RoundRecusal,
    juror_panel,
)
from ballots.content import RANKED


@dataclass
class Group:
    """A set of eligible jurors (a panel's, or the round's) by where they stand, each in name
    order."""

    voted: list[Juror] = field(default_factory=list)
    not_voted: list[Juror] = field(default_factory=list)
    """Activated, not voted yet: those a reminder is for."""
    not_activated: list[Juror] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.voted) + len(self.not_voted) + len(self.not_activated)

    def percent(self, part: list[Juror]) -> int:
        return round(100 * len(part) / self.total) if self.total else 0

    def add(self, juror: Juror, voted: bool) -> None:
        if voted:
            self.voted.append(juror)
        elif juror.password_hash is None:
            self.not_activated.append(juror)
        else:
            self.not_voted.append(juror)


@dataclass
class PanelTurnout(Group):
    panel: Panel | None = None


@dataclass(frozen=True)
class RankedRecusal:
    juror: Juror
    categories: list[str]
    """The ranked categories of the round the juror does not vote in."""


@dataclass(frozen=True)
class Turnout:
    round: Group
    panels: list[PanelTurnout]
    ranked_recusals: list[RankedRecusal]


async def turnout(session: AsyncSession, round_id: int, season_id: int) -> Turnout:
    eligible = set(
        await session.scalars(
            select(RoundEligibility.juror_id).where(RoundEligibility.round_id == round_id)
        )
    )
    voted = set(
        await session.scalars(
            select(Participation.juror_id).where(Participation.round_id == round_id)
        )
    )
    query = select(Juror).where(Juror.id.in_(eligible)).order_by(Juror.name, Juror.id)
    jurors = {j.id: j for j in await session.scalars(query)}
    whole = Group()
    for juror in jurors.values():
        whole.add(juror, juror.id in voted)
    memberships = (
        await session.execute(
            select(Panel, juror_panel.c.juror_id)
            .join(juror_panel, juror_panel.c.panel_id == Panel.id)
            .where(Panel.season_id == season_id, juror_panel.c.juror_id.in_(eligible))
            .order_by(Panel.code)
        )
    ).all()
    members: dict[int, set[int]] = {}
    panels: dict[int, Panel] = {}
    for panel, juror_id in memberships:
        panels[panel.id] = panel
        members.setdefault(panel.id, set()).add(juror_id)
    by_panel = []
    for panel_id, panel in panels.items():
        entry = PanelTurnout(panel=panel)
        for juror in jurors.values():  # in name order
            if juror.id in members[panel_id]:
                entry.add(juror, juror.id in voted)
        by_panel.append(entry)
    return Turnout(whole, by_panel, await ranked_recusals(session, round_id))


async def ranked_recusals(session: AsyncSession, round_id: int) -> list[RankedRecusal]:
    """Jurors recused (as the round froze it) from a nominee of a category the round ranks:
    by the method frozen in its configuration, which a final may set otherwise than the
    catalogue (an approval category ranked in the final)."""
    document = await session.scalar(
        select(RoundConfig.document).where(RoundConfig.round_id == round_id)
    )
    if document is None:
        return []  # not opened: no recusal is frozen yet
    ranked = sorted(
        frozen["id"] for frozen in json.loads(document)["categories"] if frozen["method"] in RANKED
    )
    rows = await session.execute(
        select(Juror, Category.name)
        .join(RoundRecusal, RoundRecusal.juror_id == Juror.id)
        .join(
            RoundNominee,
            (RoundNominee.round_id == RoundRecusal.round_id)
            & (RoundNominee.nominee_id == RoundRecusal.nominee_id),
        )
        .join(Category, Category.id == RoundNominee.category_id)
        .where(RoundRecusal.round_id == round_id, Category.code.in_(ranked))
        .order_by(Juror.name, Juror.id, Category.position, Category.id)
    )
    found: dict[int, RankedRecusal] = {}
    for juror, category in rows.tuples():
        entry = found.setdefault(juror.id, RankedRecusal(juror, []))
        if category not in entry.categories:
            entry.categories.append(category)
    return list(found.values())


def not_voted_csv(found: Turnout) -> bytes:
    """The reminder list: jurors who have not voted, with how to reach them, and whether they
    still have to activate their account first."""
    rows = []
    seen: set[int] = set()
    for entry in found.panels:
        for juror, state in [
            *((j, "未投票") for j in entry.not_voted),
            *((j, "未激活账号") for j in entry.not_activated),
        ]:
            if juror.id not in seen:
                seen.add(juror.id)
                name = entry.panel.name if entry.panel else ""
                rows.append([name, juror.name, juror.organisation, juror.email, juror.phone, state])
    return csv_bytes(["评审组", "姓名", "单位", "邮箱", "电话", "状态"], rows)
