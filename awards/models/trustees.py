"""A sealed round's trustees and the documents they exchange through the server (which only
relays and checks them: every document is public, and nothing here is a secret). A round is
sealed when it has a threshold; its trustees are named in draft, the key ceremony's three
documents come in before opening, a trustee's mixes and partial decryption after the close."""

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import Base


class Trustee(Base):
    __tablename__ = "trustee"
    __table_args__ = (UniqueConstraint("round_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id", ondelete="CASCADE"))
    position: Mapped[int]
    """1 to n: the trustee's index in the ceremony (its share is f(position))."""
    name: Mapped[str] = mapped_column(String(200))
    commitment: Mapped[str | None] = mapped_column(Text)
    shares: Mapped[str | None] = mapped_column(Text)
    confirmation: Mapped[str | None] = mapped_column(Text)
    partial: Mapped[str | None] = mapped_column(Text)
    """The trustee's partial decryption of the last mix, after the close."""


class RoundBoard(Base):
    """The board of a sealed round, written at its close: every encrypted ballot, by category
    (`ballots.sealed.board`); its SHA-256 is `Round.board_sha256`."""

    __tablename__ = "round_board"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[str] = mapped_column(Text)


class RoundMix(Base):
    """One shuffle of a sealed round's box, in the chain from the board: the server's first,
    then any trustee's who chose to."""

    __tablename__ = "round_mix"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    """1, 2, ...: the order of the chain."""
    sha256: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)
