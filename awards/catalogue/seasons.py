"""Seasons: one per year's awards (e.g. "2024 年度推优")."""

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.database import get_or_404
from awards.forms import Fields, ensure_free
from awards.i18n import N_, Message
from awards.models import Season


@dataclass(frozen=True)
class SeasonForm:
    code: str
    name: str
    year: int

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "SeasonForm":
        fields = Fields(data)
        form = cls(
            code=fields.code("code"),
            name=fields.text("name", required=True),
            year=fields.integer("year", required=True, minimum=1990, maximum=2200) or 0,
        )
        fields.finish()
        return form


async def list_seasons(session: AsyncSession) -> list[Season]:
    return list(await session.scalars(select(Season).order_by(Season.year.desc(), Season.id)))


async def get_season(session: AsyncSession, season_id: int) -> Season:
    return await get_or_404(session, Season, season_id, N_("No such season."))


async def _check_code_free(session: AsyncSession, form: SeasonForm, own_id: int | None) -> None:
    taken = select(Season.id).where(Season.code == form.code)
    message = Message("Another season already uses this code.")
    await ensure_free(session, taken, "code", message, own_id=own_id, values=asdict(form))


async def create_season(session: AsyncSession, form: SeasonForm, actor: str) -> Season:
    await _check_code_free(session, form, None)
    season = Season(**asdict(form))
    session.add(season)
    await session.flush()
    await audit.record_change(session, season, {}, actor=actor, action=Action.SEASON_CREATED)
    return season


async def update_season(
    session: AsyncSession, season: Season, form: SeasonForm, actor: str
) -> None:
    await _check_code_free(session, form, season.id)
    before = audit.snapshot(season)
    for key, value in asdict(form).items():
        setattr(season, key, value)
    await audit.record_change(session, season, before, actor=actor, action=Action.SEASON_UPDATED)
