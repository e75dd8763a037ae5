"""The jury roster: panels of a season, jurors (one account per e-mail) and roster files.

A roster import is all or nothing, like the catalogue import: every row is checked first and a
file with any bad row writes nothing.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from awards import audit, collation
from awards.audit import Action
from awards.database import get_or_404
from awards.forms import Fields, ensure_free
from awards.i18n import N_, Message
from awards.models import Juror, Panel, Season, juror_panel
from awards.spreadsheets import ImportRejected, Limits, RowError, Table, read_table, row_errors
from awards.voting.opening import ensure_schedules_hold

EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
ROSTER_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "name"),
    "organisation": ("单位", "organisation", "organization"),
    "email": ("邮箱", "email", "e-mail"),
    "phone": ("电话", "phone"),
    "panels": ("评审组", "panels"),
}
_PANEL_SPLIT = re.compile(r"[;；、,，|\s]+")


@dataclass(frozen=True)
class PanelForm:
    code: str
    name: str

    @classmethod
    def parse(cls, data: Mapping[str, Any]) -> "PanelForm":
        fields = Fields(data)
        form = cls(code=fields.code("code"), name=fields.text("name", required=True))
        fields.finish()
        return form


@dataclass(frozen=True)
class JurorForm:
    name: str
    organisation: str
    email: str
    phone: str
    panel_codes: tuple[str, ...]

    @classmethod
    def read(cls, fields: Fields, known_panels: set[str] | None) -> "JurorForm":
        """`known_panels` None: the panel codes are checked later (`unknown_panel`)."""
        email = fields.text("email", required=True, max_length=254).lower()
        if email and not EMAIL_RE.fullmatch(email):
            fields.fail("email", Message("Enter an e-mail address."))
        # Checkboxes on the juror's page; one text ("main web") in the roster form and files.
        listed = fields.texts("panels", max_length=2000)
        codes = [code for text in listed for code in _PANEL_SPLIT.split(text) if code]
        if known_panels is not None and (unknown := unknown_panel(codes, known_panels)):
            fields.fail("panels", unknown)
        return cls(
            name=fields.text("name", required=True, max_length=100),
            organisation=fields.text("organisation"),
            email=email,
            phone=fields.text("phone", max_length=40),
            panel_codes=tuple(dict.fromkeys(codes)),
        )

    @classmethod
    def parse(cls, data: Mapping[str, Any], known_panels: set[str]) -> "JurorForm":
        fields = Fields(data)
        form = cls.read(fields, known_panels)
        fields.finish()
        return form


def unknown_panel(codes: Sequence[str], known_panels: set[str]) -> Message | None:
    """The message for the first code that names no panel of the season, if any."""
    for code in codes:
        if code not in known_panels:
            return Message("No panel “%(c)s” in this season.", c=code)
    return None


async def list_panels(session: AsyncSession, season_id: int) -> list[Panel]:
    return list(
        await session.scalars(
            select(Panel).where(Panel.season_id == season_id).order_by(Panel.code)
        )
    )


async def create_panel(session: AsyncSession, season: Season, form: PanelForm, actor: str) -> Panel:
    taken = select(Panel.id).where(Panel.season_id == season.id, Panel.code == form.code)
    await ensure_free(
        session, taken, "code", Message("Another panel of this season uses this code.")
    )
    panel = Panel(season_id=season.id, code=form.code, name=form.name)
    session.add(panel)
    await session.flush()
    await audit.record_change(session, panel, {}, actor=actor, action=Action.PANEL_CREATED)
    return panel


async def list_jurors(session: AsyncSession, season_id: int) -> list[Juror]:
    """Jurors on any panel of the season, by name (`awards.collation`)."""
    return collation.by_name(
        await session.scalars(
            select(Juror)
            .where(
                Juror.id.in_(
                    select(juror_panel.c.juror_id).join(Panel).where(Panel.season_id == season_id)
                )
            )
            .options(selectinload(Juror.panels))
            .order_by(Juror.id)
        ),
        lambda juror: juror.name,
    )


async def get_panel(session: AsyncSession, season_id: int, panel_id: int) -> Panel:
    return await get_or_404(
        session, Panel, panel_id, N_("No such panel."), Panel.season_id == season_id
    )


async def get_juror(session: AsyncSession, juror_id: int) -> Juror:
    return await get_or_404(
        session, Juror, juror_id, N_("No such juror."), options=[selectinload(Juror.panels)]
    )


async def _set_season_panels(
    session: AsyncSession, juror: Juror, season_id: int, codes: Sequence[str]
) -> None:
    panels = {p.code: p for p in await list_panels(session, season_id)}
    keep = [p for p in juror.panels if p.season_id != season_id]
    juror.panels = keep + [panels[c] for c in codes]


def _panels(juror: Juror, season_id: int) -> dict[str, Any]:
    """What the audit log records of a juror beside the columns: the panels of this season."""
    return {"panels": sorted(p.code for p in juror.panels if p.season_id == season_id)}


async def save_juror(
    session: AsyncSession, season: Season, form: JurorForm, actor: str, juror: Juror | None = None
) -> Juror:
    """Create a juror, or update one; another juror with the same e-mail is refused."""
    await ensure_free(
        session,
        select(Juror.id).where(Juror.email == form.email),
        "email",
        Message("Another juror uses this e-mail address."),
        own_id=juror.id if juror else None,
    )
    before = {} if juror is None else audit.snapshot(juror, **_panels(juror, season.id))
    if juror is None:
        juror = Juror(email=form.email, name=form.name, panels=[])
        session.add(juror)
    juror.name, juror.email = form.name, form.email
    juror.organisation, juror.phone = form.organisation, form.phone
    await _set_season_panels(session, juror, season.id, form.panel_codes)
    await session.flush()
    await audit.record_change(
        session,
        juror,
        before,
        actor=actor,
        action=Action.JUROR_UPDATED if before else Action.JUROR_CREATED,
        **_panels(juror, season.id),
    )
    await ensure_schedules_hold(session, season.id)
    return juror


@dataclass(frozen=True)
class RosterFile:
    """A roster file read and checked row by row (`read_roster`), panels not yet checked."""

    table: Table
    forms: list[tuple[int, JurorForm]]
    errors: list[RowError]


def read_roster(filename: str, data: bytes, limits: Limits) -> RosterFile:
    """Read a roster file and check each row and each e-mail against the others: plain CPU
    work, for a worker thread (see `awards.spreadsheets`)."""
    table = read_table(filename, data, ROSTER_COLUMNS, limits, required=("name", "email"))
    errors: list[RowError] = []
    forms: list[tuple[int, JurorForm]] = []
    seen: dict[str, int] = {}
    for line, row in table.rows:
        fields = Fields(row)
        form = JurorForm.read(fields, None)
        if form.email and form.email in seen:
            fields.fail("email", Message("Same e-mail as line %(n)s.", n=seen[form.email]))
        seen.setdefault(form.email, line)
        errors += row_errors(table, line, row, fields.errors)
        forms.append((line, form))
    return RosterFile(table, forms, errors)


async def import_roster(
    session: AsyncSession, season: Season, roster: RosterFile, actor: str
) -> int:
    """Add or update the jurors of a roster file (matched by e-mail), all or nothing."""
    known = {p.code for p in await list_panels(session, season.id)}
    column = roster.table.headers.get("panels", "panels")
    errors = roster.errors + [
        RowError(line, column, message, "；".join(form.panel_codes))
        for line, form in roster.forms
        if (message := unknown_panel(form.panel_codes, known))
    ]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    forms = [form for _line, form in roster.forms]
    emails = [form.email for form in forms]
    existing = {
        j.email: j
        for j in await session.scalars(
            select(Juror).where(Juror.email.in_(emails)).options(selectinload(Juror.panels))
        )
    }
    for form in forms:
        juror = existing.get(form.email)
        before = {} if juror is None else audit.snapshot(juror, **_panels(juror, season.id))
        if juror is None:
            juror = Juror(email=form.email, name=form.name, panels=[])
            session.add(juror)
        juror.name, juror.organisation, juror.phone = form.name, form.organisation, form.phone
        await _set_season_panels(session, juror, season.id, form.panel_codes)
        await session.flush()
        await audit.record_change(  # one event per juror the file adds or changes
            session,
            juror,
            before,
            actor=actor,
            action=Action.JUROR_UPDATED if before else Action.JUROR_CREATED,
            **_panels(juror, season.id),
        )
    await audit.record_import(
        session,
        actor=actor,
        action=Action.JUROR_IMPORTED,
        season_id=season.id,
        source=roster.table.source,
        count=len(forms),
    )
    await ensure_schedules_hold(session, season.id)
    return len(forms)
