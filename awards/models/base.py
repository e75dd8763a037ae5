"""Declarative base with a naming convention, so migrations name constraints the same everywhere."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, ClassVar

from sqlalchemy import DateTime, Dialect, MetaData, Table
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class DateTimeUTC(TypeDecorator[datetime]):
    """Every `datetime` column: aware times only (a naive one raises TypeError), stored in UTC,
    read back aware (SQLite keeps no offset: its times are UTC). advanced-alchemy's type of the
    same name, written here so that no command imports that library (0.15 s of CPU a start)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return value
        if not value.tzinfo:
            raise TypeError("tzinfo is required")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None or value.tzinfo is not None:
            return value
        return value.replace(tzinfo=UTC)


SECRET = {"secret": True}
"""`info` of a column that no audit event may hold (`awards.audit.snapshot` skips it)."""


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTimeUTC(timezone=True)}  # noqa: RUF012
    if TYPE_CHECKING:
        # SQLAlchemy types it as any FromClause (a class may be mapped to a join or a select);
        # every model here maps a Table, used as one (bulk inserts, the throttle's counters).
        __table__: ClassVar[Table]


def utcnow() -> datetime:
    return datetime.now(UTC)
