"""The ballot box. The secrecy rules, which every change here must keep:

- a ballot row holds a random 128-bit tracker, the round, the category and the content; no juror,
  no time, no auto-increment, nothing from which the order of casting can be read; on SQLite the
  table is WITHOUT ROWID, so rows live in tracker order (random), not in insertion order;
- who voted is the separate `participation` table (round, juror), with no time; on SQLite it is
  WITHOUT ROWID too, so that no rowid numbers the jurors in the order they voted;
- both are written in one transaction, and the box is rewritten in random order at close.
"""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import SECRET, Base


class Participation(Base):
    __tablename__ = "participation"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="RESTRICT"), primary_key=True
    )
    juror_id: Mapped[int] = mapped_column(
        ForeignKey("juror.id", ondelete="RESTRICT"), primary_key=True
    )


class Ballot(Base):
    __tablename__ = "ballot"
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012

    tracker: Mapped[str] = mapped_column(String(32), primary_key=True, info=SECRET)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="RESTRICT"))
    content: Mapped[str] = mapped_column(Text, info=SECRET)
    """Canonical JSON of the ballot content, as in the election record."""
