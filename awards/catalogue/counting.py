"""How a category is counted and disclosed: the settings an election record carries for it.

The catalogue's category holds them, and so does a final round's own category
(`awards.voting.round_settings`); both forms read them here, by one set of rules (those of
docs/election-record.md): `max_choices` with approval, `score_min`/`score_max` with the score
methods, `trim` with the trimmed mean. Settings that do not apply to the method are None.
"""

from dataclasses import dataclass
from dataclasses import fields as dataclass_fields

from awards.forms import Fields
from awards.i18n import Message
from awards.models.catalogue import DISCLOSURES, METHODS

SCORE_METHODS = ("score_mean", "score_trimmed_mean")


@dataclass(frozen=True)
class Counting:
    method: str
    winners: int
    max_choices: int | None
    score_min: int | None
    score_max: int | None
    trim: int | None
    quorum: int
    disclosure: str

    @classmethod
    def read(cls, fields: Fields) -> "Counting":
        """The settings from a form; errors are left in `fields` for its `finish()`."""
        method = fields.choice("method", {m: m for m in METHODS})
        winners = fields.integer("winners", required=True, minimum=1, maximum=1000) or 1
        quorum = fields.integer("quorum", required=True, minimum=0, maximum=100_000) or 0
        disclosure = fields.choice("disclosure", {d: d for d in DISCLOSURES})
        max_choices = score_min = score_max = trim = None
        if method == "approval":
            max_choices = fields.integer("max_choices", required=True, minimum=1, maximum=1000)
        if method in SCORE_METHODS:
            score_min = fields.integer("score_min", required=True, minimum=-1000, maximum=1000)
            score_max = fields.integer("score_max", required=True, minimum=-1000, maximum=1000)
            if score_min is not None and score_max is not None and score_min >= score_max:
                fields.fail("score_max", Message("The highest score must be above the lowest."))
        if method == "score_trimmed_mean":
            trim = fields.integer("trim", required=True, minimum=1, maximum=100)
        return cls(method, winners, max_choices, score_min, score_max, trim, quorum, disclosure)

    @classmethod
    def of(cls, source: object) -> "Counting":
        """The settings a category (or a round's own category) holds."""
        return cls(**{f.name: getattr(source, f.name) for f in dataclass_fields(cls)})
