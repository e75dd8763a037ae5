"""The shortlist a nomination round hands on to its final round, as staff decide it (issue 11).

Per category, the proposal is read from the sealed results: the ranking, the cut after the
category's shortlist size, and what staff must decide before anything goes forward:

- A category that missed its quorum has no winners, so none of its nominees go forward unless
  staff carry it forward anyway.
- A nominee without a value (every juror recused from it, no score left) never wins, and so
  never makes the cut either.
- A tie across the cut (nominees sharing the value of the last place inside the cut, some of
  them outside it) is settled by staff: all the tied nominees go forward, or the lot decides, as
  the sealed results ordered the tie (`details.lot`, from the seed committed at opening).
- IRV gives no values: its ranking is the order of its counts, and an entry marked `by_lot` is
  one a count settled by lot; there is no tie to choose over, and staff may still edit the
  final's nominees before it opens.

Staff never see what anyone voted, so a proposal holds of the results what the public results
page may show of the category (its disclosure level as shown, `ballots.public.shown_level`: only
the winners below the small-jury threshold), and the tie across the cut staff must settle (see
`_withheld`). With one juror, the votes or the ranking would be that juror's ballot.

Nothing here reads a database: the rules are plain functions over the results document.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

ALL, LOT = "all", "lot"
TIE_CHOICES = (ALL, LOT)


@dataclass(frozen=True)
class Entry:
    nominee: str
    label: str
    rank: int | None
    """None where the ranking is not shown (level `winners`)."""
    value: str | None
    """None where values are not shown (levels `ranking` and `winners`)."""
    votes: int | None
    """Approval: how many ballots approved the nominee, where values are shown."""
    by_lot: bool
    inside: bool
    """Within the cut as the ranking stands (where tied, as the lot ordered the tie)."""
    tied: bool
    """In the tie across the cut (level `winners`: only those outside the cut, see `_withheld`)."""
    lot: int | None
    """In the tie across the cut: the nominee's place in the lot, from 1, where the ranking is
    shown."""

    @property
    def place(self) -> int:
        """To order by: the rank where shown, else inside the cut, then tied, then the rest."""
        if self.rank is not None:
            return self.rank
        return 0 if self.inside else 1 if self.tied else 2


@dataclass(frozen=True)
class Proposal:
    category: str
    name: str
    method: str
    size: int | None
    """The category's shortlist size; None: every nominee with a value goes forward."""
    level: str
    """What the public may see of the category (`ballots.public.shown_level`)."""
    quorum: int
    valid: int | None
    """None where values are not shown: with turnout, it tells who abstained."""
    quorum_met: bool
    entries: tuple[Entry, ...]

    @property
    def tie(self) -> list[Entry]:
        """The nominees tied across the cut, in the lot's order (by name where the ranking is
        not shown); empty when the cut is clear."""
        return sorted((e for e in self.entries if e.tied), key=lambda e: (e.lot or 0, e.label))

    @property
    def cut(self) -> int:
        """How many entries lie above the cut line."""
        return sum(e.inside for e in self.entries)


def propose(
    config: Mapping[str, Any], result: Mapping[str, Any], size: int | None, level: str
) -> Proposal:
    """The proposal for one category: `config`, its entry in the record's configuration;
    `result`, its entry in the results; `level`, what the public may see of it."""
    labels = {n["id"]: n["label"] for n in config["nominees"]}
    approvals = result.get("details", {}).get("approvals", {})
    lot_order = {n: i for i, n in enumerate(result.get("details", {}).get("lot", []))}
    ranking = list(result["ranking"])
    irv = result["method"] == "irv"
    candidates = [p for p in ranking if irv or p["value"] is not None]
    k = len(candidates) if size is None else min(size, len(candidates))
    inside = {p["nominee"] for p in candidates[:k]}
    tied: list[str] = []
    if not irv and 0 < k < len(candidates) and candidates[k]["value"] == candidates[k - 1]["value"]:
        shared = candidates[k - 1]["value"]
        tied = sorted(
            (p["nominee"] for p in candidates if p["value"] == shared),
            key=lambda n: lot_order.get(n, 0),
        )
    entries = tuple(
        Entry(
            nominee=p["nominee"],
            label=labels[p["nominee"]],
            rank=p["rank"],
            value=p["value"],
            votes=approvals.get(p["nominee"]),
            by_lot=p["by_lot"],
            inside=p["nominee"] in inside,
            tied=p["nominee"] in tied,
            lot=tied.index(p["nominee"]) + 1 if p["nominee"] in tied else None,
        )
        for p in ranking
    )
    values = level in ("counts", "full")
    return Proposal(
        category=config["id"],
        name=config["name"],
        method=result["method"],
        size=size,
        level=level,
        quorum=config["quorum"],
        valid=result["valid"] if values else None,
        quorum_met=result["quorum_met"],
        entries=_withheld(entries, level),
    )


def _withheld(entries: tuple[Entry, ...], level: str) -> tuple[Entry, ...]:
    """The entries with only what `level` lets the public see, and the tie staff settle.

    `counts` and `full` show values and votes, as the public page does; `ranking` the ranking,
    with its ties and their lot order, which the public page shows too (its tie marks).
    `winners`: who is inside the cut, by name (the public page names those who go forward so),
    and of the tie only those outside the cut that taking all the tied would add. Staff cannot
    settle a tie they do not see; naming those inside it too would split the category into three
    tiers (above the tie, in it, below it), which with one ballot is that ballot. Named so, any
    nominee inside the cut may be the one tied, and the lot's order (drawn from the seed, not
    from any ballot) is not shown, since it would tell how many inside the cut are tied."""
    if level in ("counts", "full"):
        return entries
    if level == "ranking":
        return tuple(replace(e, value=None, votes=None) for e in entries)
    hidden = (
        replace(e, rank=None, value=None, votes=None, by_lot=False, lot=None) for e in entries
    )
    named = (replace(e, tied=e.tied and not e.inside) for e in hidden)
    return tuple(sorted(named, key=lambda e: (e.place, e.label, e.nominee)))


def chosen(proposal: Proposal, *, carry: bool, tie: str | None) -> list[str]:
    """The nominees that go forward, in the proposal's order: none for a category that missed its
    quorum unless `carry`; `tie` (ALL or LOT) settles a tie across the cut, and is required for
    one."""
    if not proposal.quorum_met and not carry:
        return []
    if proposal.tie and tie not in TIE_CHOICES:
        raise ValueError("a tie across the cut needs a choice")
    take_tied = bool(proposal.tie) and tie == ALL
    return [e.nominee for e in proposal.entries if e.inside or (take_tied and e.tied)]
