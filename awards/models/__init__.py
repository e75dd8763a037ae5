"""The relational model. Importing this package registers every table on `Base.metadata`."""

from awards.models.audit import AuditEvent, AuditHead
from awards.models.base import Base
from awards.models.catalogue import Category, Drama, Nominee, Season
from awards.models.staff import LoginThrottle, StaffUser, WebSession

__all__ = [
    "AuditEvent",
    "AuditHead",
    "Base",
    "Category",
    "Drama",
    "LoginThrottle",
    "Nominee",
    "Season",
    "StaffUser",
    "WebSession",
]
