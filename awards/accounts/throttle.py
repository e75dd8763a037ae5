"""Counted attempts: how many password or code guesses are ever checked, per account and per client
address, shared by every worker process through the database.

An attempt is counted *before* anything is checked, by one upsert per limit that returns the new
count (`INSERT ... ON CONFLICT DO UPDATE ... RETURNING`, atomic on SQLite and PostgreSQL alike):
forty guesses sent at once get the counts 1 to 40, and only those within the limit go on to the
password check. Windows are fixed: a counter starts at its first attempt and is refused, once
over its limit, until the window it started has passed. Attempts that turn out to be genuine
(the right password, a live code) are forgiven, so that a room full of jurors behind one address
never locks itself out.

Logins count against three limits: the account from this address (`login_max_failures`, so that
an attacker in one place locks the account only for that place), the account from everywhere
(`login_max_account_failures`, which bounds guesses spread over many addresses), and this
address over every account (`login_max_address_failures`, against spraying one password over
many names). Activation codes count per address (`activation_max_attempts`). An address's
count holds its failures and the attempts still being checked, so its limit must stay well
above the number of people who may log in at the same moment from one network.

Addresses are counted as networks where one holder has many: an IPv6 client by its /64 (the
block one host is given, within which it may pick any address), an IPv4-mapped IPv6 address as
the IPv4 address.

Someone guessing from more addresses than `login_max_account_failures / login_max_failures` can
still lock an account everywhere; the owner's own browser stays out of that (OWASP's device
cookies): a successful login leaves a cookie signed for that account, and a login that carries
it is counted against that device alone (`login_max_failures` a window), not against the
account or the address.
"""

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.i18n import local_time
from awards.models import AttemptCounter, Juror, StaffUser
from awards.settings import Settings

_MAX_SUBJECT = 200
_MAX_ADDRESS = 64


@dataclass(frozen=True)
class Limit:
    scope: str
    subject: str
    address: str
    allowed: int


DEVICE_COOKIE = "awards_device"


def address_key(address: str) -> str:
    """What one client address counts as (see the module docstring)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:_MAX_ADDRESS]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def _device_mac(secret_key: str, account: str, nonce: str) -> str:
    message = f"device\n{account}\n{nonce}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def device_token(secret_key: str, kind: str, username: str) -> str:
    """The value of a new device cookie for this account (set after a successful login)."""
    nonce = secrets.token_urlsafe(12)
    return f"{nonce}.{_device_mac(secret_key, account_key(kind, username), nonce)}"


def trusted_device(secret_key: str, kind: str, username: str, token: str | None) -> str | None:
    """The device's id if `token` is a device cookie issued to this account, else None."""
    nonce, _dot, mac = (token or "").partition(".")
    if not nonce or len(nonce) > 32:
        return None
    expected = _device_mac(secret_key, account_key(kind, username), nonce)
    return nonce if hmac.compare_digest(mac, expected) else None


def account_key(kind: str, username: str) -> str:
    """The account as typed: "staff:name" or "juror:e-mail", case-folded."""
    return f"{kind}:{username.strip().casefold()}"[:_MAX_SUBJECT]


def login_limits(
    settings: Settings, kind: str, username: str, address: str, device: str | None = None
) -> list[Limit]:
    """The limits of one login attempt; `device` is the id `trusted_device` found."""
    account, where = account_key(kind, username), address_key(address)
    if device is not None:
        return [Limit("login-device", account, device, settings.login_max_failures)]
    return [
        Limit("login", account, where, settings.login_max_failures),
        Limit("login-account", account, "", settings.login_max_account_failures),
        Limit("login-address", "", where, settings.login_max_address_failures),
    ]


def activation_limits(settings: Settings, address: str) -> list[Limit]:
    return [Limit("activation", "", address_key(address), settings.activation_max_attempts)]


def window(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.login_lock_minutes)


def shown_time(until: datetime, settings: Settings) -> str:
    """When a refused attempt may try again, in the association's zone, rounded up to the
    minute: "after 14:36" must not be a minute too early."""
    shown = until.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return local_time(shown, settings.timezone)


def _insert(connection: Connection):  # the dialect's INSERT, for ON CONFLICT
    return postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert


def count(
    connection: Connection, limits: list[Limit], now: datetime, span: timedelta
) -> datetime | None:
    """A unit (see `awards.database`): count one attempt against each limit. Returns None if the
    attempt may go on to be checked, else the time until which it is refused."""
    table = AttemptCounter.__table__
    expired = table.c.window_start <= literal(now - span, table.c.window_start.type)
    at_now = literal(now, table.c.window_start.type)
    refused_until: datetime | None = None
    for limit in limits:
        statement = (
            _insert(connection)(table)
            .values(
                scope=limit.scope,
                subject=limit.subject,
                address=limit.address,
                window_start=now,
                count=1,
            )
            .on_conflict_do_update(
                index_elements=[table.c.scope, table.c.subject, table.c.address],
                set_={
                    "count": case((expired, 1), else_=table.c.count + 1),
                    "window_start": case((expired, at_now), else_=table.c.window_start),
                },
            )
            .returning(table.c.count, table.c.window_start)
        )
        counted, started = connection.execute(statement).one()
        if counted > limit.allowed:
            until = started + span
            refused_until = until if refused_until is None else max(refused_until, until)
    return refused_until


def forgive(connection: Connection, limits: list[Limit]) -> None:
    """A unit: take back a genuine attempt. An account's own counters start again (its owner
    has shown the password); an address's shared counter loses just this one attempt."""
    table = AttemptCounter.__table__
    for limit in limits:
        where = (
            (table.c.scope == limit.scope)
            & (table.c.subject == limit.subject)
            & (table.c.address == limit.address)
        )
        if limit.subject:
            connection.execute(delete(table).where(where))
        else:
            connection.execute(
                update(table).where(where & (table.c.count > 0)).values(count=table.c.count - 1)
            )


async def unlock(session: AsyncSession, kind: str, username: str, actor: str) -> None:
    """Staff lift the limits on one account, from every address (audited). Addresses' own
    counters stay: they are about the place, not the person."""
    await session.execute(
        delete(AttemptCounter).where(AttemptCounter.subject == account_key(kind, username))
    )
    if kind == "staff":
        found = await session.scalar(select(StaffUser.id).where(StaffUser.username == username))
    else:
        found = await session.scalar(select(Juror.id).where(Juror.email == username.lower()))
    await audit.record(
        session,
        actor=actor,
        action=Action.STAFF_UNLOCKED if kind == "staff" else Action.JUROR_UNLOCKED,
        object_type="staff_user" if kind == "staff" else "juror",
        object_id=found,
    )
