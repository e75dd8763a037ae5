"""Voting rounds, and what opening a round freezes: its categories, nominees, eligible jurors
and recusals are copied into the round's own tables at opening and never change afterwards, and
the configuration whose hash the manifest publishes is kept byte for byte (`RoundConfig`)."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from awards.models.base import SECRET, Base

ROUND_KINDS = ("nomination", "final")
ROUND_STATES = ("draft", "scheduled", "lapsed", "open", "counting", "closed")
"""`lapsed`: scheduled, but the schedule could not open it (its window passed first, or opening
failed); staff schedule it again."""


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
    seed: Mapped[str | None] = mapped_column(String(64), info=SECRET)
    """The tie-break seed (hex), drawn at opening; published only in the record at close."""
    seed_sha256: Mapped[str | None] = mapped_column(String(64))
    config_sha256: Mapped[str | None] = mapped_column(String(64))
    eligible_jurors: Mapped[int | None]
    audit_head_at_open: Mapped[str | None] = mapped_column(String(64))
    audit_head_at_close: Mapped[str | None] = mapped_column(String(64))
    record_sha256: Mapped[str | None] = mapped_column(String(64))
    """The seal, published at close before any result: SHA-256 of the record file..."""
    results_sha256: Mapped[str | None] = mapped_column(String(64))
    """...and of the results document counted from it..."""
    public_record_sha256: Mapped[str | None] = mapped_column(String(64))
    """...and of the public record made from both (`ballots.public`), served to everyone once
    the results are published. None for rounds sealed before it existed (migration 0009)."""
    published_at: Mapped[datetime | None]
    """When staff published the results."""
    scrubbed_at: Mapped[datetime | None]
    """When the database's storage was scrubbed of the round's casting history after the close
    (`awards.voting.scrubbing`); until then the schedule keeps trying."""
    record_file: Mapped[str | None] = mapped_column(String(200))
    """The sealed files' common stem in the records folder, fixed at close
    (`<stem>.record.json`, `<stem>.results.json`): no later edit of a code moves them."""
    trustee_threshold: Mapped[int | None]
    """A sealed round (`awards.trustees`): how many of its trustees must take part to decrypt.
    None: a plain round."""
    election_key: Mapped[str | None] = mapped_column(String(66))
    """A sealed round: the election key its trustees made, set when their ceremony checks."""
    key_fingerprint: Mapped[str | None] = mapped_column(String(64))
    """...and its fingerprint, on the manifest from opening; every trustee confirmed it."""
    board_sha256: Mapped[str | None] = mapped_column(String(64))
    """A sealed round: SHA-256 of its board, sealed at close..."""
    annex_sha256: Mapped[str | None] = mapped_column(String(64))
    """...and of its annex file, written with the record at the count, which names it."""
    booth: Mapped[bool] = mapped_column(default=False, server_default=false())
    """A sealed round whose ballots the juror's browser encrypts (`awards.voting.booth_casting`):
    the server never sees a vote, and a juror may cast again until the close."""
    booth_sha256: Mapped[str | None] = mapped_column(String(64))
    """A booth round: the SHA-256 of the booth's code (`awards.voting.booth_code`), frozen on the
    manifest at opening."""
    schedule_problem: Mapped[str | None] = mapped_column(Text)
    """Why the schedule could not open or close the round (JSON: message id and parameters),
    shown to staff; the schedule leaves the round alone until staff act."""


class RoundConfig(Base):
    """The configuration frozen at opening, exactly the bytes whose SHA-256 the manifest
    publishes (canonical JSON): season, round, categories with their settings, nominees with the
    labels and card details jurors see, eligible jurors. Ballot pages and the record read this,
    never the live catalogue, which may go on changing."""

    __tablename__ = "round_config"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[str] = mapped_column(Text)


class RoundCategory(Base):
    """A category of a round. Its settings (`method` to `disclosure`) are either all NULL, and the
    round counts the category as the catalogue says (a nomination round), or all the round's own
    (a final round, which may rank what the nomination round approved): filled from the
    catalogue when the final is made, set by staff until it opens, frozen in its configuration
    then (`awards.voting.round_settings`)."""

    __tablename__ = "round_category"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("round.id", ondelete="CASCADE"), primary_key=True
    )
    category_id: Mapped[int] = mapped_column(
        ForeignKey("category.id", ondelete="RESTRICT"), primary_key=True
    )
    method: Mapped[str | None] = mapped_column(String(32))
    """NULL: every setting is the catalogue's."""
    winners: Mapped[int | None]
    max_choices: Mapped[int | None]
    score_min: Mapped[int | None]
    score_max: Mapped[int | None]
    trim: Mapped[int | None]
    quorum: Mapped[int | None]
    disclosure: Mapped[str | None] = mapped_column(String(16))


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
