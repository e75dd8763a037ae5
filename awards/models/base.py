"""Declarative base with a naming convention, so migrations name constraints the same everywhere."""

from datetime import UTC, datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


SECRET = {"secret": True}
"""`info` of a column that no audit event may hold (`awards.audit.snapshot` skips it)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True)}  # noqa: RUF012


def utcnow() -> datetime:
    return datetime.now(UTC)
