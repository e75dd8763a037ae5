"""Server-side login sessions, stored in the database so that every worker process shares them.

Rules a deployment can rely on:
- a session id is created only by a successful login and replaced at every login and logout; an id
  the server did not issue (or no longer knows) is ignored and its cookie cleared, never adopted;
- only SHA-256 of the id is stored; the id itself lives in an HttpOnly, SameSite=Lax cookie;
- a session ends after `session_idle_minutes` without requests and `session_absolute_hours` after
  login, whichever comes first; a person who makes a request at least every `session_idle_minutes`
  is never logged out by the idle timeout.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from awards.database import rowcount
from awards.models import Juror, StaffUser, WebSession
from awards.models.staff import ADMIN, AUDITOR, ELECTION_STAFF
from awards.settings import Settings

COOKIE_NAME = "awards_session"


def _touch_every(settings: Settings) -> timedelta:
    """How stale last_seen_at may get before a request refreshes it: rarely, so that reading
    pages rarely needs a write, and a small part of the idle timeout."""
    return min(timedelta(seconds=60), timedelta(minutes=settings.session_idle_minutes) / 10)


@dataclass(frozen=True)
class Principal:
    """Who is logged in: the view of the account that requests and templates need."""

    kind: str  # "staff" or "juror"
    id: int
    name: str
    session_hash: str
    role: str | None = None  # staff only: awards.models.staff.ROLES
    must_enrol: bool = False
    """Staff only: a second factor is required (AWARDS_STAFF_REQUIRE_TOTP) and not yet set up,
    so the guards open nothing but the enrolment page."""
    ends_by: datetime | None = None
    """When the session ends whatever the person does (`session_absolute_hours` after login)."""

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    @property
    def is_admin(self) -> bool:
        return self.is_staff and self.role == ADMIN

    @property
    def can_change(self) -> bool:
        """May change the election (auditors only read)."""
        return self.is_staff and self.role in (ADMIN, ELECTION_STAFF)

    @property
    def can_download_records(self) -> bool:
        """May always download a closed round's full record and results, whatever each category
        discloses: the auditor, and administrators (who could make themselves one anyway)."""
        return self.is_staff and self.role in (ADMIN, AUDITOR) and not self.must_enrol

    @property
    def is_juror(self) -> bool:
        return self.kind == "juror"


def hash_id(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


async def start(session: AsyncSession, kind: str, principal_id: int, now: datetime) -> str:
    """Create a session and return its id, which only the cookie will hold."""
    raw = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id_hash=hash_id(raw),
            principal_kind=kind,
            principal_id=principal_id,
            created_at=now,
            last_seen_at=now,
        )
    )
    return raw


async def end(session: AsyncSession, raw: str | None) -> None:
    if raw:
        await session.execute(delete(WebSession).where(WebSession.id_hash == hash_id(raw)))


async def end_all(
    session: AsyncSession, kind: str, principal_id: int, *, keep: str | None = None
) -> None:
    """End every session of an account, but the one whose id hash is `keep`."""
    statement = delete(WebSession).where(
        WebSession.principal_kind == kind, WebSession.principal_id == principal_id
    )
    if keep is not None:
        statement = statement.where(WebSession.id_hash != keep)
    await session.execute(statement)


def _idle_limit(settings: Settings) -> timedelta:
    """last_seen_at may lag the last request by up to `_touch_every`, so the idle timeout counts
    from last_seen_at plus that lag: a session ends at the earliest `session_idle_minutes`
    after its last request, however the requests fell."""
    return timedelta(minutes=settings.session_idle_minutes) + _touch_every(settings)


def _expired(created: datetime, last_seen: datetime, now: datetime, settings: Settings) -> bool:
    return now - last_seen > _idle_limit(settings) or (
        now - created > timedelta(hours=settings.session_absolute_hours)
    )


# Built once: every request with a session cookie runs it.
_PRINCIPAL = (
    select(
        WebSession.created_at,
        WebSession.last_seen_at,
        StaffUser.id,
        StaffUser.display_name,
        StaffUser.is_active,
        StaffUser.role,
        StaffUser.totp_enrolled_at.is_not(None),
        Juror.id,
        Juror.name,
        Juror.is_active & Juror.password_hash.is_not(None),
    )
    .select_from(WebSession)
    .outerjoin(
        StaffUser,
        (WebSession.principal_kind == "staff") & (StaffUser.id == WebSession.principal_id),
    )
    .outerjoin(
        Juror, (WebSession.principal_kind == "juror") & (Juror.id == WebSession.principal_id)
    )
    .where(WebSession.id_hash == bindparam("id_hash"))
)


def resolve(
    connection: Connection, raw: str, now: datetime, settings: Settings
) -> tuple[Principal | None, bool]:
    """A unit (see `awards.database`): the principal behind a cookie value, and whether
    last_seen_at needs refreshing."""
    id_hash = hash_id(raw)
    found = connection.execute(_PRINCIPAL, {"id_hash": id_hash}).first()
    if found is None:
        return None, False
    (
        created,
        last_seen,
        staff_id,
        staff_name,
        staff_active,
        role,
        enrolled,
        juror_id,
        juror_name,
        juror_ok,
    ) = found
    if _expired(created, last_seen, now, settings):
        return None, False
    principal: Principal | None = None
    ends_by = created + timedelta(hours=settings.session_absolute_hours)
    if staff_id is not None and staff_active:
        must_enrol = settings.staff_require_totp and not enrolled
        principal = Principal("staff", staff_id, staff_name, id_hash, role, must_enrol, ends_by)
    elif juror_id is not None and juror_ok:
        principal = Principal("juror", juror_id, juror_name, id_hash, ends_by=ends_by)
    return principal, principal is not None and now - last_seen > _touch_every(settings)


def seconds_left(principal: Principal, now: datetime, settings: Settings) -> int:
    """How long the session of a request made `now` lasts at least without another request:
    the idle limit counts from this request, and the absolute limit may come first."""
    idle = timedelta(minutes=settings.session_idle_minutes)
    left = idle if principal.ends_by is None else min(idle, principal.ends_by - now)
    return max(0, int(left.total_seconds()))


def touch(connection: Connection, id_hash: str, now: datetime) -> None:
    """A unit: refresh last_seen_at."""
    connection.execute(
        update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=now)
    )


async def purge_expired(session: AsyncSession, now: datetime, settings: Settings) -> int:
    idle_cut = now - _idle_limit(settings)
    absolute_cut = now - timedelta(hours=settings.session_absolute_hours)
    result = await session.execute(
        delete(WebSession).where(
            (WebSession.last_seen_at < idle_cut) | (WebSession.created_at < absolute_cut)
        )
    )
    return rowcount(result)
