"""A sealed round's board, as the public pages serve it: from the close, anyone may download it
and look up a tracker there (the encrypted ballot under it; nothing links it to a decrypted
ballot of the record, which is the point of the shuffle)."""

import json
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards.errors import NotFound
from awards.i18n import N_
from awards.models import Round, RoundBoard
from awards.trustees import counting
from awards.trustees.box import round_context
from awards.voting import lifecycle
from awards.voting.sealing import frozen_config
from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.board import receipt
from ballots.sealed.challenge import layout_document
from ballots.sealed.encoding import layout_entry


async def board_bytes(session: AsyncSession, round_id: int) -> tuple[str, bytes]:
    """The board's file name and bytes: canonical JSON, whose SHA-256 the round publishes."""
    round_ = await session.get(Round, round_id)
    text = await session.scalar(select(RoundBoard.document).where(RoundBoard.round_id == round_id))
    if round_ is None or round_.state not in lifecycle.PUBLIC or text is None:
        raise NotFound(N_("This round has no board: it is not a sealed round, or not closed yet."))
    return f"board-round-{round_id}.json", text.encode()  # stored as canonical JSON


@dataclass(frozen=True)
class OnBoard:
    category: str
    """The id of the category whose board entries hold the tracker."""
    receipt: str
    """The entry's receipt (`ballots.sealed.board.receipt`), for the juror to compare."""
    replaced: bool
    """A booth round's: a later cast of the same juror replaced it, and it was not counted."""


async def booth_layout(session: AsyncSession, round_id: int) -> tuple[str, bytes]:
    """A booth round's layout (`ballots.sealed.challenge.layout_document`), from opening: what
    every juror's booth is given, the same for all, for a challenge to be checked against."""
    round_ = await session.get(Round, round_id)
    if round_ is None or round_.state not in lifecycle.PUBLIC or not round_.booth_sha256:
        raise NotFound(N_("This round has no booth layout: it is not an open booth round."))
    config = await frozen_config(session, round_id)
    isolated = await counting.round_isolated(session, round_id, config)
    document = layout_document(
        round_context(config),
        round_.election_key or "",
        round_.config_sha256 or "",
        [(c["id"], layout_entry(c), isolated[c["id"]]) for c in config["categories"]],
    )
    return f"booth-layout-round-{round_id}.json", canonical_json(document)


async def booth_layout_sha256(session: AsyncSession, round_: Round) -> str | None:
    """The SHA-256 of a booth round's layout file, for the manifest; None for another round."""
    if not round_.booth_sha256 or round_.state not in lifecycle.PUBLIC:
        return None
    return sha256_hex((await booth_layout(session, round_.id))[1])


async def find_tracker(session: AsyncSession, round_id: int, tracker: str) -> OnBoard | None:
    text = await session.scalar(select(RoundBoard.document).where(RoundBoard.round_id == round_id))
    wanted = tracker.strip().lower()
    for category in json.loads(text or '{"categories": []}')["categories"]:
        for field in ("entries", "replaced"):
            for entry in category.get(field, []):
                if entry["tracker"] == wanted:
                    return OnBoard(
                        str(category["id"]), receipt(category["id"], entry), field == "replaced"
                    )
    return None
