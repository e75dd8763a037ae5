"""Results in the words a ceremony uses: the one place that turns a category's counts into text,
for the public results page, the terminal (`awards tally`), its CSV files and the HTML report.

The results file keeps exact values ("5/6", "185/2"); people read votes and a percentage for
approval ("10 票（83%）", with the share of the jurors not recused where some were), a mean to two
decimals for scores ("平均 92.50 分"), points for Borda, the number of nominees beaten for
Schulze (with the pairwise table), and for IRV the count round by round. Everything here is a
`Message` (or plain digits and names), translated where it is shown.
"""

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from awards.i18n import N_, Message
from awards.results import outcome
from awards.results.publication import PublicCategory

METHODS = {
    "approval": N_("Approval"),
    "borda": N_("Borda count"),
    "irv": N_("Instant runoff"),
    "schulze": N_("Schulze"),
    "score_mean": N_("Mean score"),
    "score_trimmed_mean": N_("Trimmed mean score"),
}
# Beyond these, a table would be a wall of numbers: the results file has them all.
PAIRWISE_NOMINEES = 10
RUNOFF_NOMINEES = 20
RUNOFF_COUNTS = 3


class Listing:
    """Names joined as the reader's language joins them (、 in Chinese), or "—"."""

    def __init__(self, names: list[str]) -> None:
        self.names = names

    def __str__(self) -> str:
        return str(Message(", ")).join(self.names) if self.names else "—"


@dataclass(frozen=True)
class Row:
    rank: int
    nominee: str
    label: str
    result: Message | None
    """The value in words; None where values are not shown."""
    number: str
    """The value as a plain number for a spreadsheet ("10", "92.50"), "" where none."""
    note: Message | None
    tie: Message | None
    advances: bool
    bar: float
    """The value against the highest, 0 to 1, for a chart."""


@dataclass(frozen=True)
class Grid:
    """A table: a title, column headings, and rows of a key (the heading of the row's own
    column, where columns are the rows again), a label and cells."""

    title: Message
    columns: list[Any]
    rows: list[tuple[str, str, list[Any]]]
    note: Message | None = None


@dataclass(frozen=True)
class View:
    category: PublicCategory
    method: Message
    outcome_label: Message
    """What going forward is called: 获奖 in a final round, 入围 in a nomination round."""
    forward: Message
    """The list of those who go forward, in a sentence."""
    summary: list[Message]
    notes: list[Message]
    rows: list[Row]
    grids: list[Grid] = field(default_factory=list)

    @property
    def has_ranking(self) -> bool:
        return bool(self.rows)

    @property
    def shows_values(self) -> bool:
        return self.category.shows_values


def decimal_text(value: Fraction, places: int) -> str:
    """`value` to `places` decimals, halves rounded away from zero (exact: no float)."""
    scale = 10**places
    whole = (abs(value) * scale + Fraction(1, 2)).__floor__()
    sign = "-" if value < 0 and whole else ""
    digits = str(whole).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}" if places else f"{sign}{digits}"


def percent(share: Fraction) -> str:
    return decimal_text(share * 100, 0) + "%"


def view(category: PublicCategory) -> View:
    nomination = category.kind == "nomination"
    names = Listing([w["label"] for w in category.forward])
    # The notes and tables explain values: where values are not shown, neither are they.
    values = category.shows_values
    notes, grids = (_notes(category), _grids(category)) if values else ([], [])
    return View(
        category=category,
        method=Message(METHODS.get(category.method, category.method)),
        outcome_label=Message(N_("Shortlisted") if nomination else N_("Winner")),
        forward=Message(
            N_("Shortlisted: %(names)s") if nomination else N_("Winners: %(names)s"),
            names=names,
        ),
        summary=_summary(category),
        notes=notes,
        rows=_rows(category),
        grids=grids,
    )


def _summary(category: PublicCategory) -> list[Message]:
    said = []
    if category.shows_values and category.invalid:
        said.append(
            Message(
                "Valid ballots: %(valid)s, abstentions: %(abstentions)s,"
                " invalid ballots: %(invalid)s.",
                valid=category.valid,
                abstentions=category.abstentions,
                invalid=category.invalid,
            )
        )
    elif category.shows_values:
        said.append(
            Message(
                "Valid ballots: %(valid)s, abstentions: %(abstentions)s.",
                valid=category.valid,
                abstentions=category.abstentions,
            )
        )
    if not category.quorum_met:
        said.append(
            Message(
                N_("The quorum of %(q)s is not met: nobody is shortlisted.")
                if category.kind == "nomination"
                else N_("The quorum of %(q)s is not met: no winner."),
                q=category.quorum,
            )
        )
    elif category.quorum:
        said.append(Message("The quorum of %(q)s is met.", q=category.quorum))
    return said


# How each method's values come about, said under its table.
NOTES = {
    "approval": N_(
        "Percentages are of the %(voters)s jurors who voted in this category"
        " (abstentions included)."
    ),
    "score_trimmed_mean": N_(
        "Each nominee's mean after dropping its %(trim)s highest and %(trim)s lowest scores."
    ),
    "score_mean": N_("Each nominee's mean of the scores it was given."),
    "borda": N_(
        "On each ballot a nominee gets one point for each nominee ranked below it"
        " (unranked nominees get none)."
    ),
    "schulze": N_(
        "A nominee ranks by how many others it beats along the strongest paths of pairwise wins."
    ),
    "irv": N_(
        "Each round the nominee with the fewest votes is out and its ballots go to their next"
        " choice, until one nominee has more than half; each place is counted again without"
        " the nominees placed above it."
    ),
}

# An invalid ballot approves nobody, as an abstention does (docs/election-record.md).
INVALID_APPROVAL_NOTE = N_(
    "Percentages are of the %(voters)s jurors who voted in this category"
    " (abstentions and invalid ballots included)."
)


def _notes(category: PublicCategory) -> list[Message]:
    note = NOTES.get(category.method)
    if category.method == "approval" and category.invalid:
        note = INVALID_APPROVAL_NOTE
    counts = category.counts
    params = {"voters": counts.get("participants"), "trim": counts.get("trim")}
    return [Message(note, **params)] if note else []


def _rows(category: PublicCategory) -> list[Row]:
    values = [_fraction(p["value"]) for p in category.ranking]
    top = max((v for v in values if v is not None), default=Fraction(0))
    rows = []
    for place, value in zip(category.ranking, values, strict=True):
        result, number, note = (
            _said(category, place, value) if category.shows_values else (None, "", None)
        )
        rows.append(
            Row(
                rank=place["rank"],
                nominee=place["nominee"],
                label=place["label"],
                result=result,
                number=number,
                note=note,
                tie=_tie(place["tie"]),
                advances=place["advances"],
                bar=float(value / top) if value is not None and top > 0 and value > 0 else 0.0,
            )
        )
    return rows


def _fraction(value: str | None) -> Fraction | None:
    return None if value is None else Fraction(value)


def _tie(mark: str | None) -> Message | None:
    if mark == outcome.LOT:
        return Message("decided by lot")
    if mark == outcome.TIED:
        return Message("tied")
    return None


def _said(
    category: PublicCategory, place: dict[str, Any], value: Fraction | None
) -> tuple[Message | None, str, Message | None]:
    """The value in words, as a number, and a note where the words need one."""
    counts, nominee = category.counts, place["nominee"]
    method = category.method
    if method == "approval":
        votes = counts["approvals"][nominee]
        share = "—" if value is None else percent(value)
        said = Message(
            N_("1 vote (%(share)s)") if votes == 1 else N_("%(votes)s votes (%(share)s)"),
            votes=votes,
            share=share,
        )
        recused = counts["recused"].get(nominee, 0)
        note = None
        if recused:
            note = Message(
                N_("1 juror recused: the share is of the other %(base)s.")
                if recused == 1
                else N_("%(recused)s jurors recused: the share is of the other %(base)s."),
                recused=recused,
                base=counts["participants"] - recused,
            )
        return said, str(votes), note
    if method in ("score_mean", "score_trimmed_mean"):
        if value is None:
            return Message("no scores"), "", None
        mean = decimal_text(value, 2)
        return Message("mean %(mean)s", mean=mean), mean, None
    if method == "borda":
        points = str(value)
        return Message("%(points)s points", points=points), points, None
    if method == "schulze":
        return Message("beats %(n)s", n=str(value)), str(value), None
    return _runoff_said(counts, place["rank"]), "", None


def _runoff_said(counts: dict[str, Any], rank: int) -> Message | None:
    """How an IRV place was won: in which round, with how many votes."""
    found = counts.get("counts", [])
    if rank > len(found) or not found[rank - 1]["rounds"]:
        return None
    rounds = found[rank - 1]["rounds"]
    last = rounds[-1]
    if "elected" in last:
        return Message(
            "%(votes)s votes in round %(round)s",
            votes=last["votes"][last["elected"]],
            round=len(rounds),
        )
    return Message("last remaining after round %(round)s", round=len(rounds))


def _grids(category: PublicCategory) -> list[Grid]:
    if not category.ranking:
        return []
    labels = {p["nominee"]: p["label"] for p in category.ranking}
    if category.method == "schulze":
        return [_pairwise(category, labels)]
    if category.method == "irv":
        # The counts of the places that go forward (at least the first), while they fit.
        places = max(1, sum(1 for p in category.ranking if p["advances"]))
        return [
            _runoff(count, labels)
            for count in category.counts["counts"][: min(places, RUNOFF_COUNTS)]
            if count["rounds"] and len(count["rounds"][0]["votes"]) <= RUNOFF_NOMINEES
        ]
    return []


def _pairwise(category: PublicCategory, labels: dict[str, str]) -> Grid:
    """Ballots ranking the row's nominee above the column's, among the first of the ranking."""
    d = category.counts["d"]
    first = [p["nominee"] for p in category.ranking[:PAIRWISE_NOMINEES]]
    # The columns are headed by rank, so that a phone's width holds them; the rows say who.
    keys = {p["nominee"]: str(p["rank"]) for p in category.ranking}
    rows = [
        (
            keys[x],
            labels[x],
            [
                {"text": "—", "win": None}
                if x == y
                else {"text": str(d[x][y]), "win": d[x][y] > d[y][x]}
                for y in first
            ],
        )
        for x in first
    ]
    more = len(category.ranking) > len(first)
    return Grid(
        title=Message("Pairwise comparison"),
        columns=[keys[y] for y in first],
        rows=rows,
        note=Message(
            "Each cell: the ballots that rank the row's nominee above the column's (columns by"
            " rank); in bold where that is more than the other way round."
        )
        if not more
        else Message(
            "Among the first %(n)s of the ranking. Each cell: the ballots that rank the row's"
            " nominee above the column's (columns by rank); in bold where that is more than the"
            " other way round.",
            n=len(first),
        ),
    )


def _runoff(count: dict[str, Any], labels: dict[str, str]) -> Grid:
    """One IRV count: a column per round, a row per nominee in it."""
    rounds = count["rounds"]
    nominees = list(rounds[0]["votes"])
    rows = []
    for nominee in nominees:
        cells: list[Any] = []
        for round_ in rounds:
            votes = round_["votes"]
            if nominee not in votes:
                cells.append("")
                continue
            cell: Any = str(votes[nominee])
            if round_.get("elected") == nominee:
                cell = Message("%(votes)s (elected)", votes=votes[nominee])
            elif round_.get("eliminated") == nominee:
                fewest = min(votes.values())
                drawn = sum(1 for v in votes.values() if v == fewest) > 1
                cell = Message(
                    N_("%(votes)s (out, by lot)") if drawn else N_("%(votes)s (out)"),
                    votes=votes[nominee],
                )
            cells.append(cell)
        rows.append(("", labels[nominee], cells))
    rows.sort(key=lambda row: -sum(1 for c in row[2] if c != ""))
    return Grid(
        title=Message("Round-by-round count for place %(rank)s", rank=count["rank"]),
        columns=[Message("Round %(n)s", n=i) for i in range(1, len(rounds) + 1)],
        rows=rows,
    )
