"""Seasons, award categories, the drama catalogue and nominees."""

from datetime import date

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from awards.models.base import Base

# Kept here as plain tuples so that migrations, validation and templates share one list.
SUBJECTS = ("work", "person")
METHODS = ("approval", "borda", "irv", "schulze", "score_mean", "score_trimmed_mean")
DISCLOSURES = ("full", "counts", "ranking", "winners")


class Season(Base):
    __tablename__ = "season"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    """Public id in election records, e.g. "2024"."""
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]

    categories: Mapped[list["Category"]] = relationship(
        back_populates="season", order_by="Category.position"
    )


class Category(Base):
    __tablename__ = "category"
    __table_args__ = (
        UniqueConstraint("season_id", "code"),
        CheckConstraint("winners >= 1", name="winners_positive"),
        CheckConstraint("quorum >= 0", name="quorum_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    """Public id in election records, e.g. "best-drama"."""
    name: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(16))
    """What is nominated: a work ("work") or a person in a work ("person")."""
    method: Mapped[str] = mapped_column(String(32))
    winners: Mapped[int]
    max_choices: Mapped[int | None]
    """Approval only: how many nominees one ballot may approve."""
    score_min: Mapped[int | None]
    score_max: Mapped[int | None]
    trim: Mapped[int | None]
    """score_trimmed_mean only: scores dropped at each end."""
    quorum: Mapped[int]
    """Fewest valid (non-abstaining) ballots for the category to have winners."""
    disclosure: Mapped[str] = mapped_column(String(16))
    shortlist_size: Mapped[int | None]
    """Nomination rounds: how many nominees go on to the final round."""
    position: Mapped[int] = mapped_column(default=0)

    season: Mapped[Season] = relationship(back_populates="categories")
    nominees: Mapped[list["Nominee"]] = relationship(back_populates="category")


class Drama(Base):
    __tablename__ = "drama"
    __table_args__ = (
        UniqueConstraint("season_id", "title"),
        Index("ix_drama_season_kind_title", "season_id", "kind", "title"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("season.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    """A code of `awards.catalogue.dramas.DRAMA_KINDS`."""
    companies: Mapped[str] = mapped_column(Text, default="")
    """Production companies, one per line (see `company_list`)."""
    broadcaster: Mapped[str] = mapped_column(String(200), default="")
    episodes: Mapped[int | None]
    first_aired_on: Mapped[date | None]
    synopsis: Mapped[str] = mapped_column(Text, default="")

    @property
    def company_list(self) -> list[str]:
        return [name for name in self.companies.split("\n") if name]


class Nominee(Base):
    """A drama, or a person in a drama, nominated in one category."""

    __tablename__ = "nominee"
    __table_args__ = (UniqueConstraint("category_id", "drama_id", "person_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id", ondelete="CASCADE"))
    drama_id: Mapped[int] = mapped_column(ForeignKey("drama.id", ondelete="RESTRICT"), index=True)
    person_name: Mapped[str] = mapped_column(String(100), default="")
    """Empty for a work; not NULL, so that the unique constraint also holds for works."""
    person_role: Mapped[str] = mapped_column(String(100), default="")

    category: Mapped[Category] = relationship(back_populates="nominees")
    drama: Mapped[Drama] = relationship()

    @property
    def label(self) -> str:
        if self.person_name:
            return f"{self.person_name}（{self.drama.title}）"
        return self.drama.title

    @property
    def label_en(self) -> str | None:
        """The label with the drama's English title; None where it has none."""
        if not self.drama.title_en:
            return None
        if self.person_name:
            return f"{self.person_name} ({self.drama.title_en})"
        return self.drama.title_en
