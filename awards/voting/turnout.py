"""Turnout: who has voted in a round and who has not, by panel. Names only, never a ballot."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.csv_files import csv_bytes
from awards.models import Juror, Panel, Participation, RoundEligibility, juror_panel


@dataclass(frozen=True)
class PanelTurnout:
    panel: Panel
    voted: list[Juror]
    not_voted: list[Juror]


async def turnout(session: AsyncSession, round_id: int, season_id: int) -> list[PanelTurnout]:
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
    jurors = {j.id: j for j in await session.scalars(select(Juror).where(Juror.id.in_(eligible)))}
    memberships = (
        await session.execute(
            select(Panel, juror_panel.c.juror_id)
            .join(juror_panel, juror_panel.c.panel_id == Panel.id)
            .where(Panel.season_id == season_id, juror_panel.c.juror_id.in_(eligible))
            .order_by(Panel.code)
        )
    ).all()
    by_panel: dict[int, PanelTurnout] = {}
    for panel, juror_id in memberships:
        entry = by_panel.setdefault(panel.id, PanelTurnout(panel, [], []))
        (entry.voted if juror_id in voted else entry.not_voted).append(jurors[juror_id])
    for entry in by_panel.values():
        entry.voted.sort(key=lambda j: j.name)
        entry.not_voted.sort(key=lambda j: j.name)
    return list(by_panel.values())


def not_voted_csv(panels: list[PanelTurnout]) -> bytes:
    """The reminder list: jurors who have not voted, with how to reach them."""
    rows = []
    seen: set[int] = set()
    for entry in panels:
        for juror in entry.not_voted:
            if juror.id not in seen:
                seen.add(juror.id)
                rows.append(
                    [entry.panel.name, juror.name, juror.organisation, juror.email, juror.phone]
                )
    return csv_bytes(["评审组", "姓名", "单位", "邮箱", "电话"], rows)
