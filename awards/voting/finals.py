"""The final round made from a closed nomination round: the shortlist review, read from the
sealed files (checked against the seal), and the final made from what staff decided there.

The final's categories are those that go forward, each with settings of its own copied from the
catalogue (staff then set the final's method, winners and the rest on its pages before opening:
`awards.voting.round_settings`), and exactly the nominees decided. One audit event on the final
says what was decided per category and which nominees went forward.
"""

import asyncio
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import insert, update

from awards import audit
from awards.audit import Action
from awards.catalogue.counting import Counting
from awards.database import Database
from awards.forms import Fields
from awards.i18n import N_, Message
from awards.models import Round, RoundCategory, RoundNominee, Season
from awards.settings import Settings
from awards.voting import lifecycle, round_categories, rounds, sealed_files, shortlist
from awards.voting.shortlist import TIE_CHOICES, Entry, Proposal
from ballots.public import shown_level


@dataclass(frozen=True)
class Review:
    source: Round
    proposals: list[tuple[int, Proposal]]
    """(category id, its proposal), in the round's order."""


async def review(db: Database, source_id: int, settings: Settings) -> Review:
    async with db.transaction(write=False) as session:
        source = await rounds.get_round(session, source_id)
        categories = {c.code: c for c in await rounds.round_categories(session, source.id)}
    if source.kind != "nomination" or source.state != "closed":
        raise lifecycle.IllegalTransition(
            N_("A final round is made from a closed nomination round.")
        )
    # A large record takes seconds to read: not on the event loop, not in a transaction.
    record, results = await asyncio.to_thread(sealed_files.load, settings.records_dir, source)
    proposals = []
    for category, result in zip(record.categories, results["categories"], strict=True):
        config = {
            "id": category.id,
            "name": category.name,
            "quorum": category.quorum,
            "nominees": category.nominees,
        }
        known = categories[category.id]
        # What the public results page may show of it: staff see no more of anyone's vote.
        level = shown_level(category.disclosure, result["valid"], settings.small_jury_threshold)
        proposal = shortlist.propose(config, result, known.shortlist_size, level)
        proposals.append((known.id, proposal))
    return Review(source, proposals)


_CHOOSE = N_("Choose whether all the tied nominees go forward or the lot decides.")


async def source_ranking(
    db: Database, final: Round, category_id: int, settings: Settings
) -> dict[int, Entry]:
    """{nominee id: its entry in the nomination round's ranking} for a final's category, so that
    staff adding a nominee back see who came next, as far as the review shows it (`review`);
    empty for a final not made from a shortlist."""
    if final.source_round_id is None:
        return {}
    found = await review(db, final.source_round_id, settings)
    return {
        rounds.nominee_id_of(entry.nominee): entry
        for known, proposal in found.proposals
        if known == category_id
        for entry in proposal.entries
    }


@dataclass(frozen=True)
class FinalForm:
    code: str
    name: str
    carry: frozenset[int]
    """Categories that missed their quorum and go forward all the same."""
    ties: dict[int, str]
    """Per category with a tie across the cut: ALL or LOT."""

    @classmethod
    def parse(cls, data: Mapping[str, Any], found: Review) -> "FinalForm":
        fields = Fields(data)
        code, name = fields.code("code"), fields.text("name", required=True)
        missed = {c for c, p in found.proposals if not p.quorum_met}
        carry = frozenset(c for c in fields.ids("carry") if c in missed)
        ties = {}
        for category_id, proposal in found.proposals:
            if proposal.tie and (proposal.quorum_met or category_id in carry):
                tie_field = f"tie-{category_id}"
                choice = fields.choice(tie_field, {k: k for k in TIE_CHOICES}, required=False)
                if not choice:
                    fields.fail(tie_field, Message(_CHOOSE))
                ties[category_id] = choice
        fields.finish()
        return cls(code, name, carry, ties)

    def decide(self, found: Review) -> tuple[dict[int, list[int]], dict[str, Any]]:
        """{category id: its nominees' ids} of the categories that go forward, and what was
        decided, per category, for the audit event."""
        going, decisions = {}, {}
        for category_id, proposal in found.proposals:
            carried = proposal.quorum_met or category_id in self.carry
            nominees = shortlist.chosen(proposal, carry=carried, tie=self.ties.get(category_id))
            decision: dict[str, Any] = {}
            if not proposal.quorum_met:
                decision.update(carried=carried, quorum_met=False)
            if category_id in self.ties:
                decision["tie"] = self.ties[category_id]
            if decision:
                decisions[str(category_id)] = decision
            if nominees:
                going[category_id] = [rounds.nominee_id_of(n) for n in nominees]
        return going, decisions


async def create_final(
    db: Database, source_id: int, data: Mapping[str, Any], settings: Settings, actor: str
) -> Round:
    """A final round over the shortlist as staff decided it on the review page."""
    found = await review(db, source_id, settings)
    form = FinalForm.parse(data, found)
    going, decisions = form.decide(found)
    async with db.transaction() as session:
        season = await session.get_one(Season, found.source.season_id)
        final = await rounds.create_round(
            session, season, rounds.RoundForm(form.code, form.name, "final"), actor, source_id
        )
        await round_categories.set_categories(session, final, list(going), actor)
        for category in await rounds.round_categories(session, final.id):
            await session.execute(
                update(RoundCategory)
                .where(RoundCategory.round_id == final.id, RoundCategory.category_id == category.id)
                .values(**asdict(Counting.of(category)))
            )
        rows = [
            {"round_id": final.id, "nominee_id": n, "category_id": c}
            for c, nominees in going.items()
            for n in nominees
        ]
        if rows:
            await session.execute(insert(RoundNominee), rows)
        await audit.record(
            session,
            actor=actor,
            action=Action.ROUND_SHORTLISTED,
            object_type="round",
            object_id=final.id,
            # By id, not by rank: staff see the audit log, and a small jury's order is its ballots.
            changes={
                "source": source_id,
                "shortlist": {str(c): sorted(n) for c, n in going.items()},
                "decisions": decisions,
            },
        )
    return final
