"""Server-side login sessions, stored in the database so that every worker process shares them.

Rules a deployment can rely on:
- a session id is created only by a successful login and replaced at every login and logout; an id
  the server did not issue (or no longer knows) is ignored and its cookie cleared, never adopted;
- only SHA-256 of the id is stored; the id itself lives in an HttpOnly, SameSite=Lax cookie;
- a session ends after `session_idle_minutes` without requests and `session_absolute_hours` after
  login, whichever comes first.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from awards.models import Juror, StaffUser, WebSession
from awards.settings import Settings

COOKIE_NAME = "awards_session"
# last_seen_at is refreshed at most this often, so that reading pages rarely needs a write.
_TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class Principal:
    """Who is logged in: the view of the account that requests and templates need."""

    kind: str  # "staff" or "juror"
    id: int
    name: str
    session_hash: str
    is_auditor: bool = False

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

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


async def end_all(session: AsyncSession, kind: str, principal_id: int) -> None:
    await session.execute(
        delete(WebSession).where(
            WebSession.principal_kind == kind, WebSession.principal_id == principal_id
        )
    )


def _expired(row: WebSession, now: datetime, settings: Settings) -> bool:
    return now - row.last_seen_at > timedelta(
        minutes=settings.session_idle_minutes
    ) or now - row.created_at > timedelta(hours=settings.session_absolute_hours)


async def resolve(
    session: AsyncSession, raw: str, now: datetime, settings: Settings
) -> tuple[Principal | None, bool]:
    """The principal behind a cookie value, and whether last_seen_at needs refreshing."""
    id_hash = hash_id(raw)
    found = (
        await session.execute(
            select(WebSession, StaffUser, Juror)
            .outerjoin(
                StaffUser,
                (WebSession.principal_kind == "staff") & (StaffUser.id == WebSession.principal_id),
            )
            .outerjoin(
                Juror,
                (WebSession.principal_kind == "juror") & (Juror.id == WebSession.principal_id),
            )
            .where(WebSession.id_hash == id_hash)
        )
    ).first()
    if found is None or _expired(found[0], now, settings):
        return None, False
    row, user, juror = found
    principal: Principal | None = None
    if user is not None and user.is_active:
        principal = Principal(
            kind="staff",
            id=user.id,
            name=user.display_name,
            session_hash=id_hash,
            is_auditor=user.is_auditor,
        )
    elif juror is not None and juror.is_active and juror.password_hash:
        principal = Principal(kind="juror", id=juror.id, name=juror.name, session_hash=id_hash)
    return principal, principal is not None and now - row.last_seen_at > _TOUCH_EVERY


async def touch(session: AsyncSession, id_hash: str, now: datetime) -> None:
    await session.execute(
        update(WebSession).where(WebSession.id_hash == id_hash).values(last_seen_at=now)
    )


async def purge_expired(session: AsyncSession, now: datetime, settings: Settings) -> int:
    idle_cut = now - timedelta(minutes=settings.session_idle_minutes)
    absolute_cut = now - timedelta(hours=settings.session_absolute_hours)
    result = await session.execute(
        delete(WebSession).where(
            (WebSession.last_seen_at < idle_cut) | (WebSession.created_at < absolute_cut)
        )
    )
    return result.rowcount or 0
