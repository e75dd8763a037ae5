"""The drama catalogue of a season: TV dramas, web dramas and other programmes."""

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import Dialect, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit, collation
from awards.audit import Action
from awards.database import get_or_404
from awards.errors import Conflict
from awards.forms import Fields, ensure_free
from awards.i18n import N_, Message
from awards.models import Drama, Nominee


@dataclass(frozen=True)
class DramaKind:
    label: str
    """What pages call it (a msgid)."""
    file_label: str
    """What catalogue files call it: the export writes it, the import reads it back."""
    spellings: tuple[str, ...]
    """Other names that forms and files may use for it."""


# The kinds of drama by their stored code: the one list of them (templates get it too).
DRAMA_KINDS = {
    "tv": DramaKind(N_("TV drama"), "电视剧", ("tv drama",)),
    "web": DramaKind(N_("Web drama"), "网络剧", ("网剧", "web drama")),
    "other": DramaKind(N_("Other programme"), "其他", ("其他节目", "other programme")),
}
# Every spelling accepted in forms and files, mapped to the stored kind.
KIND_SPELLINGS = {
    spelling: code
    for code, kind in DRAMA_KINDS.items()
    for spelling in (code, kind.file_label, *kind.spellings)
}
_COMPANY_SPLIT = re.compile(r"[;；、|\n]+")
PAGE_SIZE = 50


def split_companies(value: str) -> list[str]:
    seen: dict[str, None] = {}
    for name in _COMPANY_SPLIT.split(value or ""):
        if name.strip():
            seen.setdefault(name.strip(), None)
    return list(seen)


@dataclass(frozen=True)
class DramaForm:
    title: str
    title_en: str | None
    kind: str
    companies: str
    broadcaster: str
    episodes: int | None
    first_aired_on: date | None
    synopsis: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "DramaForm":
        fields = Fields(data)
        form = cls.read(fields)
        fields.finish()
        return form

    @classmethod
    def read(cls, fields: Fields) -> "DramaForm":
        """Read without raising, leaving errors on `fields` (the importer collects them)."""
        companies = split_companies(fields.text("companies", max_length=2000))
        if any(len(name) > 200 for name in companies):
            fields.fail("companies", Message("A company name is longer than 200 characters."))
        return cls(
            title=fields.text("title", required=True),
            title_en=fields.text("title_en") or None,
            kind=fields.choice("kind", KIND_SPELLINGS),
            companies="\n".join(companies),
            broadcaster=fields.text("broadcaster"),
            episodes=fields.integer("episodes", minimum=1, maximum=10_000),
            first_aired_on=fields.date("first_aired_on"),
            synopsis=fields.text("synopsis", max_length=5000, multiline=True),
        )


@dataclass(frozen=True)
class DramaPage:
    dramas: Sequence[Drama]
    total: int
    page: int
    pages: int


async def search_dramas(
    session: AsyncSession, season_id: int, *, query: str = "", kind: str = "", page: int = 1
) -> DramaPage:
    """One page of the catalogue, by title (`awards.collation`); `query` matches titles and
    companies."""
    where = [Drama.season_id == season_id]
    if kind in DRAMA_KINDS:
        where.append(Drama.kind == kind)
    if query:
        pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(
            or_(
                Drama.title.ilike(pattern, escape="\\"),
                Drama.title_en.ilike(pattern, escape="\\"),
                Drama.companies.ilike(pattern, escape="\\"),
            )
        )
    # In pinyin order, which SQL cannot sort by: every match's title, then one page's dramas.
    found = collation.by_name(
        (await session.execute(select(Drama.id, Drama.title).where(*where))).tuples(),
        lambda row: row[1],
    )
    total = len(found)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    ids = [drama_id for drama_id, _title in found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
    dramas = {d.id: d for d in await session.scalars(select(Drama).where(Drama.id.in_(ids)))}
    return DramaPage([dramas[i] for i in ids], total, page, pages)


async def get_drama(session: AsyncSession, drama_id: int) -> Drama:
    return await get_or_404(session, Drama, drama_id, N_("No such drama."))


async def existing_titles(session: AsyncSession, season_id: int) -> set[str]:
    return set(await session.scalars(select(Drama.title).where(Drama.season_id == season_id)))


async def _check_title_free(
    session: AsyncSession, season_id: int, form: DramaForm, own_id: int | None
) -> None:
    taken = select(Drama.id).where(Drama.season_id == season_id, Drama.title == form.title)
    message = Message("A drama with this title is already in the catalogue.")
    await ensure_free(session, taken, "title", message, own_id=own_id, values=asdict(form))


async def create_drama(session: AsyncSession, season_id: int, form: DramaForm, actor: str) -> Drama:
    await _check_title_free(session, season_id, form, None)
    drama = Drama(season_id=season_id, **asdict(form))
    session.add(drama)
    await session.flush()
    await audit.record_change(session, drama, {}, actor=actor, action=Action.DRAMA_CREATED)
    return drama


async def update_drama(session: AsyncSession, drama: Drama, form: DramaForm, actor: str) -> None:
    await _check_title_free(session, drama.season_id, form, drama.id)
    before = audit.snapshot(drama)
    for key, value in asdict(form).items():
        setattr(drama, key, value)
    await audit.record_change(session, drama, before, actor=actor, action=Action.DRAMA_UPDATED)


async def ensure_deletable(session: AsyncSession, drama: Drama) -> None:
    nominated = await session.scalar(select(func.count()).where(Nominee.drama_id == drama.id))
    if nominated:
        raise Conflict(
            "This drama is nominated and cannot be deleted; remove its nominations first."
        )


async def delete_drama(session: AsyncSession, drama: Drama, actor: str) -> None:
    await ensure_deletable(session, drama)
    await audit.record_change(
        session,
        drama,
        audit.snapshot(drama),
        actor=actor,
        action=Action.DRAMA_DELETED,
        removed=True,
    )
    await session.delete(drama)


async def add_dramas(
    session: AsyncSession, season_id: int, forms: Sequence[DramaForm], actor: str, source: str
) -> int:
    """Insert already-validated dramas in bulk, with one audit event for the whole import."""
    if forms:
        connection = await session.connection()
        await connection.exec_driver_sql(*_driver_insert(connection.dialect, season_id, forms))
    await audit.record_import(
        session,
        actor=actor,
        action=Action.DRAMA_IMPORTED,
        season_id=season_id,
        source=source,
        count=len(forms),
    )
    return len(forms)


def _driver_insert(
    dialect: Dialect, season_id: int, forms: Sequence[DramaForm]
) -> tuple[str, list[Any]]:
    """The INSERT as the driver's own statement and parameters. SQLAlchemy's executemany took
    0.17 s for 10,000 dramas, most of it preparing each row's parameters on the event loop with
    SQLite's write lock held, so that every cast waited; the driver alone takes 0.05 s."""
    fields = list(DramaForm.__dataclass_fields__)
    table = Drama.__table__
    compiled = table.insert().compile(dialect=dialect, column_keys=["season_id", *fields])
    positions = compiled.positiontup  # set exactly when the paramstyle is positional
    order = list(positions) if positions is not None else ["season_id", *fields]
    get = attrgetter(*(name for name in order if name != "season_id"))
    processors = [
        (index, processor)
        for index, name in enumerate(order)
        if (processor := table.c[name].type.dialect_impl(dialect).bind_processor(dialect))
    ]
    at = order.index("season_id")
    rows: list[Any] = []
    for form in forms:
        values = list(get(form))
        values.insert(at, season_id)
        for index, processor in processors:
            values[index] = processor(values[index])
        rows.append(tuple(values) if compiled.positional else dict(zip(order, values, strict=True)))
    return compiled.string, rows
