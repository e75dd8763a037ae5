"""The jury: panels, jurors, activation codes and declared conflicts of interest.

Jurors are people, kept across seasons (one account per e-mail); panels belong to a season, and
a category is voted on by the jurors of the panels it names.
"""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import SECRET, Base, utcnow

juror_panel = Table(
    "juror_panel",
    Base.metadata,
    Column("juror_id", ForeignKey("juror.id", ondelete="CASCADE"), primary_key=True),
    Column("panel_id", ForeignKey("panel.id", ondelete="CASCADE"), primary_key=True),
)

category_panel = Table(
    "category_panel",
    Base.metadata,
    Column("category_id", ForeignKey("category.id", ondelete="CASCADE"), primary_key=True),
    Column("panel_id", ForeignKey("panel.id", ondelete="CASCADE"), primary_key=True),
)


class Panel(Base):
    __tablename__ = "panel"
    __table_args__ = (UniqueConstraint("season_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))


class Juror(Base):
    __tablename__ = "juror"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    """Also the login name; stored lower-case."""
    name: Mapped[str] = mapped_column(String(100))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255), info=SECRET)
    """NULL until the juror activates the account with a one-time code."""
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    panels: Mapped[list[Panel]] = relationship(secondary=juror_panel, order_by=Panel.code)


class ActivationCode(Base):
    """At most one live code per juror; only its SHA-256 is stored. Issuing a new code replaces
    the old one, using it deletes it."""

    __tablename__ = "activation_code"

    juror_id: Mapped[int] = mapped_column(
        ForeignKey("juror.id", ondelete="CASCADE"), primary_key=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True, info=SECRET)
    expires_at: Mapped[datetime]


class Affiliation(Base):
    """A juror's declared tie: a production company (by name) or a work (a drama)."""

    __tablename__ = "affiliation"
    __table_args__ = (UniqueConstraint("juror_id", "company", "drama_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("juror.id", ondelete="CASCADE"), index=True)
    company: Mapped[str] = mapped_column(String(200), default="")
    drama_id: Mapped[int | None] = mapped_column(ForeignKey("drama.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(100), default="")


class RecusalDecision(Base):
    """Staff's word on one juror and nominee: recused (added) or not (a derived recusal lifted).
    It wins over what the declarations derive. A recusal has a public reason, the one the
    register publishes beside the juror's name; a lift has none (nothing is published). The
    private note is staff's own record of why, and goes nowhere else: not into the round's
    frozen recusals, the election record or any public page."""

    __tablename__ = "recusal_decision"

    juror_id: Mapped[int] = mapped_column(
        ForeignKey("juror.id", ondelete="CASCADE"), primary_key=True
    )
    nominee_id: Mapped[int] = mapped_column(
        ForeignKey("nominee.id", ondelete="CASCADE"), primary_key=True
    )
    recused: Mapped[bool]
    public_reason: Mapped[str] = mapped_column(String(300), default="")
    """Published in the register of recusals (a recusal's; "" for a lift)."""
    private_note: Mapped[str] = mapped_column(Text, default="")
    """For staff only, never published."""
