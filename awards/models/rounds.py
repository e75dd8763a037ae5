"""Voting rounds, and what opening a round freezes: its categories, nominees, eligible jurors
and recusals are copied into the round's own tables at opening and never change afterwards."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import Base

ROUND_KINDS = ("nomination", "final")
ROUND_STATES = ("draft", "scheduled", "open", "closed")


class Round(Base):
    __tablename__ = "round"
    __table_args__ = (UniqueConstraint("season_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id", ondelete="RESTRICT"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default="draft")
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    source_round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    """A final round made from this nomination round's shortlist."""
    seed: Mapped[str | None] = mapped_column(String(64))
    """The tie-break seed (hex), drawn at opening; published only in the record at close."""
    seed_sha256: Mapped[str | None] = mapped_column(String(64))
    config_sha256: Mapped[str | None] = mapped_column(String(64))
    eligible_jurors: Mapped[int | None]
    audit_head_at_open: Mapped[str | None] = mapped_column(String(64))
    audit_head_at_close: Mapped[str | None] = mapped_column(String(64))
    record_sha256: Mapped[str | None] = mapped_column(String(64))
    """The seal, published at close before any result: SHA-256 of the record file..."""
    results_sha256: Mapped[str | None] = mapped_column(String(64))
    """...and of the results document counted from it."""
    published_at: Mapped[datetime | None]
    """When staff published the results."""


class RoundCategory(Base):
    __tablename__ = "round_category"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"), primary_key=True
    )


class RoundNominee(Base):
    """The nominees on the ballot of a round (all of the category's, or a final's shortlist)."""

    __tablename__ = "round_nominee"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    nominee_id: Mapped[int] = mapped_column(
        ForeignKey("nominee.id", ondelete="RESTRICT"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))


class RoundEligibility(Base):
    """Frozen at opening: who may vote in which category of the round."""

    __tablename__ = "round_eligibility"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"), primary_key=True
    )
    juror_id: Mapped[int] = mapped_column(
        ForeignKey("juror.id", ondelete="RESTRICT"), primary_key=True
    )


class RoundRecusal(Base):
    """Frozen at opening: the recusals in force for the round, with their public reason."""

    __tablename__ = "round_recusal"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    juror_id: Mapped[int] = mapped_column(
        ForeignKey("juror.id", ondelete="RESTRICT"), primary_key=True
    )
    nominee_id: Mapped[int] = mapped_column(
        ForeignKey("nominee.id", ondelete="RESTRICT"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(300))
