"""A sealed round from its close to its count.

At close (in the closing transaction) the board is written: every encrypted ballot by category
under its tracker, with Merkle roots; its SHA-256 is sealed on the round, and the server shuffles
the box once (mix 1). The round is then *counting*: voting is over and no one can read a ballot.
The round page offers the trustees the box file (the configuration, the ceremony, the board and
the mixes so far). A trustee may shuffle it again (`python -m ballots trustee mix`), and any
threshold of them decrypt the last mix (`... trustee decrypt`), each after checking every step
before them. Staff upload what they send; each document is checked as it comes in. When enough
partial decryptions are in, staff count: the server opens the box with the procedure the
auditor's verifier runs again (`ballots.sealed.annex.open_box`), and seals the record, the
results, the public record and the annex as a plain round's close seals the first three.

The shuffles and checks are CPU work of seconds for a nomination round: they run in worker
threads, never on the event loop.
"""

import asyncio
import hashlib
import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.errors import Conflict
from awards.i18n import N_
from awards.models import (
    Ballot,
    Category,
    Participation,
    Round,
    RoundBoard,
    RoundCategory,
    RoundEligibility,
    RoundMix,
    RoundRecusal,
    Trustee,
)
from awards.trustees import ceremony as ceremonies
from awards.trustees.box import isolated_nominees, round_context
from awards.trustees.ceremony import DocumentRefused, trustees
from awards.voting import booth_casting, lifecycle
from awards.voting.rounds import nominee_key
from awards.voting.sealing import Opened, frozen_config
from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.annex import annex_document, open_box, record_ballots
from ballots.sealed.ceremony import Ceremony
from ballots.sealed.chain import (
    MIX_FORMAT,
    AnnexError,
    Box,
    board_box,
    board_document,
    document_sha256,
    mix_document,
    mixed_box,
)
from ballots.sealed.decryption import Partial, check_partial
from ballots.sealed.elgamal import vector_from_json

BOX_FORMAT = "awards-sealed-box/1"
PARTIAL_FORMAT = "awards-sealed-partial/1"


async def _codes(session: AsyncSession, round_id: int) -> dict[int, str]:
    return dict(
        (
            await session.execute(
                select(Category.id, Category.code)
                .join(RoundCategory, RoundCategory.category_id == Category.id)
                .where(RoundCategory.round_id == round_id)
            )
        )
        .tuples()
        .all()
    )


async def round_isolated(
    session: AsyncSession, round_id: int, config: dict[str, Any]
) -> dict[str, list[str]]:
    """By category id: its isolated nominees, from the recusals frozen at opening."""
    recused = {
        nominee_key(n)
        for n in await session.scalars(
            select(RoundRecusal.nominee_id).where(RoundRecusal.round_id == round_id)
        )
    }
    return {c["id"]: isolated_nominees(c, recused) for c in config["categories"]}


async def seal_box(session: AsyncSession, round_: Round, actor: str, secret: str) -> None:
    """At close: write the board, seal it, and shuffle the box once. In a booth round, only
    each juror's latest cast in a category counts: the board lists the others apart."""
    config = await frozen_config(session, round_.id)
    context = round_context(config)
    ceremony = await ceremonies.ceremony_of(session, round_)
    isolated = await round_isolated(session, round_.id, config)
    codes = await _codes(session, round_.id)
    entries: dict[str, list[dict[str, Any]]] = {}
    for category_id, tracker, stored in await session.execute(
        select(Ballot.category_id, Ballot.tracker, Ballot.content).where(
            Ballot.round_id == round_.id
        )
    ):
        entries.setdefault(codes[category_id], []).append(
            {"tracker": tracker, **json.loads(stored)}
        )
    replaced = await _replaced(session, round_, secret, entries, codes) if round_.booth else None
    board = board_document(
        context, round_.config_sha256 or "", ceremony, isolated, entries, replaced
    )
    mix = await asyncio.to_thread(_first_mix, context, config, ceremony, board)
    session.add(RoundBoard(round_id=round_.id, document=canonical_json(board).decode()))
    round_.board_sha256 = document_sha256(board)
    session.add(
        RoundMix(
            round_id=round_.id,
            position=1,
            sha256=document_sha256(mix),
            document=canonical_json(mix).decode(),
        )
    )
    await audit.record(
        session,
        actor=actor,
        action=Action.ROUND_BOX_SEALED,
        object_type="round",
        object_id=round_.id,
        changes={"board_sha256": round_.board_sha256, "mix_sha256": document_sha256(mix)},
    )


async def _replaced(
    session: AsyncSession,
    round_: Round,
    secret: str,
    entries: dict[str, list[dict[str, Any]]],
    codes: dict[int, str],
) -> dict[str, list[dict[str, Any]]]:
    """Move out of `entries` those a later cast of the same juror replaced, and return them."""
    jurors = await session.scalars(
        select(Participation.juror_id).where(Participation.round_id == round_.id)
    )
    box = {e["tracker"] for listed in entries.values() for e in listed}
    counted, replaced = booth_casting.latest(secret, round_.id, list(jurors), list(codes), box)
    if box != counted | replaced:
        raise Conflict(
            N_(
                "Some ballots of the box belong to no juror's casts: the server's secret key "
                "changed while the round was open. Restore it, then close the round."
            )
        )
    moved: dict[str, list[dict[str, Any]]] = {}
    for category, listed in entries.items():
        moved[category] = [e for e in listed if e["tracker"] in replaced]
        listed[:] = [e for e in listed if e["tracker"] in counted]
    return moved


def _first_mix(
    context: dict[str, Any], config: dict[str, Any], ceremony: Ceremony, board: dict[str, Any]
) -> dict[str, Any]:
    """The server's shuffle, of the board checked as every trustee will check it."""
    checked = board_box(context, config, ceremony, board, board["config_sha256"])
    return mix_document(context, ceremony.election_key, 1, "server", board, checked)


async def _mixes(session: AsyncSession, round_id: int) -> list[RoundMix]:
    return list(
        await session.scalars(
            select(RoundMix).where(RoundMix.round_id == round_id).order_by(RoundMix.position)
        )
    )


async def _board(session: AsyncSession, round_id: int) -> dict[str, Any]:
    return json.loads(
        await session.scalar(select(RoundBoard.document).where(RoundBoard.round_id == round_id))
        or "null"
    )


async def participants(
    session: AsyncSession, round_id: int, codes: dict[int, str]
) -> dict[str, int]:
    """By category code: how many of its eligible jurors voted (each has one ballot there)."""
    counted = await session.execute(
        select(RoundEligibility.category_id, func.count())
        .join(
            Participation,
            (Participation.round_id == RoundEligibility.round_id)
            & (Participation.juror_id == RoundEligibility.juror_id),
        )
        .where(RoundEligibility.round_id == round_id)
        .group_by(RoundEligibility.category_id)
    )
    found = dict.fromkeys(codes.values(), 0)
    found.update({codes[c]: n for c, n in counted.tuples()})
    return found


async def box_file(session: AsyncSession, round_: Round) -> dict[str, Any]:
    """What a trustee needs to check the box and shuffle or decrypt it."""
    config = await frozen_config(session, round_.id)
    return {
        "format": BOX_FORMAT,
        "context": round_context(config),
        "config": config,
        "config_sha256": round_.config_sha256,
        "participants": await participants(session, round_.id, await _codes(session, round_.id)),
        "ceremony": await ceremonies.bundle(session, round_),
        "board_sha256": round_.board_sha256,
        "board": await _board(session, round_.id),
        "mixes": [json.loads(m.document) for m in await _mixes(session, round_.id)],
    }


def _require_counting(round_: Round) -> None:
    lifecycle.require(
        round_,
        (lifecycle.State.COUNTING,),
        N_("The round is %(state)s: only a round awaiting its trustees takes their documents."),
    )


async def receive(
    session: AsyncSession, round_: Round, document: dict[str, Any], actor: str
) -> str:
    """A trustee's mix or partial decryption, checked against the box as it stands; its kind
    ("mix" or "partial")."""
    _require_counting(round_)
    kind = {MIX_FORMAT: "mix", PARTIAL_FORMAT: "partial"}.get(str(document.get("format")))
    if kind is None:
        raise DocumentRefused(N_("After the close, only a trustee's mix or decryption is taken."))
    config = await frozen_config(session, round_.id)
    context = round_context(config)
    if document.get("context") != context:
        raise DocumentRefused(N_("This document is for another round."))
    ceremony = await ceremonies.ceremony_of(session, round_)
    mixes = await _mixes(session, round_.id)
    documents = [json.loads(m.document) for m in mixes]
    board = await _board(session, round_.id)
    # Every mix stored was checked when it came in (the server's own, of the board it checked
    # at close), and the count checks the whole chain again: a document is checked against the
    # box as it stands, not the chain once more (half a minute for a nomination round).
    box_now = await asyncio.to_thread(_current_box, board, documents)
    named = await trustees(session, round_.id)
    if kind == "mix":
        position = len(mixes) + 1
        try:
            await asyncio.to_thread(
                mixed_box,
                context,
                ceremony.election_key,
                position,
                documents[-1],
                box_now,
                document,
            )
        except AnnexError as exc:
            raise DocumentRefused(
                N_("This mix does not check: %(problems)s"), problems=str(exc)
            ) from None
        text = canonical_json(document).decode()
        session.add(
            RoundMix(
                round_id=round_.id,
                position=position,
                sha256=document_sha256(document),
                document=text,
            )
        )
        for trustee in named:  # they decrypted the mix before this one
            trustee.partial = None
        await _received(session, round_, actor, "mix", text, trustee=None)
        return kind
    trustee = _trustee_of(named, document)
    try:
        partial = Partial.from_json(document)
    except (ValueError, TypeError) as exc:
        raise DocumentRefused(
            N_("This decryption cannot be read: %(problems)s"), problems=str(exc)
        ) from None
    key = ceremony.verification_keys[trustee.position - 1]
    problems = await asyncio.to_thread(
        check_partial, context, key, box_now, ceremony.seed, partial, mixes[-1].sha256
    )
    if problems:
        raise DocumentRefused(
            N_("This decryption does not check: %(problems)s"), problems="; ".join(problems[:5])
        )
    trustee.partial = canonical_json(document).decode()
    await _received(session, round_, actor, "partial", trustee.partial, trustee=trustee)
    return kind


def _trustee_of(named: list[Trustee], document: dict[str, Any]) -> Trustee:
    position = document.get("trustee")
    found = next((t for t in named if type(position) is int and t.position == position), None)
    if found is None:
        raise DocumentRefused(N_("This document names no trustee of this round."))
    return found


async def _received(
    session: AsyncSession, round_: Round, actor: str, phase: str, text: str, trustee: Trustee | None
) -> None:
    await audit.record(
        session,
        actor=actor,
        action=Action.TRUSTEE_DOCUMENT_RECEIVED,
        object_type="trustee" if trustee else "round",
        object_id=trustee.id if trustee else round_.id,
        changes={"phase": phase, "sha256": sha256_hex(text.encode())},
    )


def _current_box(board: dict[str, Any], mixes: list[dict[str, Any]]) -> Box:
    """The encrypted ballots after the last mix (or on the board, before any), read."""
    if mixes:
        return {
            c["id"]: [vector_from_json(b) for b in c["ballots"]] for c in mixes[-1]["categories"]
        }
    return {
        c["id"]: [vector_from_json(e["ballot"]) for e in c["entries"]] for c in board["categories"]
    }


async def opened(session: AsyncSession, round_: Round) -> Opened:
    """Open the box with the partial decryptions in (at least the threshold's), as the
    verifier will, and what the record is made of."""
    _require_counting(round_)
    named = await trustees(session, round_.id)
    partials = [json.loads(t.partial) for t in named if t.partial]
    if len(partials) < (round_.trustee_threshold or 0):
        raise Conflict(
            N_(
                "%(have)s of the %(needed)s trustees' decryptions are in: "
                "the box cannot be opened yet."
            ),
            have=len(partials),
            needed=round_.trustee_threshold,
        )
    config = await frozen_config(session, round_.id)
    context = round_context(config)
    bundle = await ceremonies.bundle(session, round_)
    phases = [bundle["commitments"], bundle["shares"], bundle["confirmations"]]
    board = await _board(session, round_.id)
    mixes = [json.loads(m.document) for m in await _mixes(session, round_.id)]
    try:
        result = await asyncio.to_thread(
            open_box, context, config, round_.config_sha256 or "", phases, board, mixes, partials
        )
    except AnnexError as exc:
        raise Conflict(N_("The box does not open: %(problems)s"), problems=str(exc)[:500]) from None
    # The seed comes from the trustees (their seed ciphertexts, decrypted with the box): no one
    # could read it before now, the server included.
    round_.seed = result.seed.hex()
    round_.seed_sha256 = hashlib.sha256(result.seed).hexdigest()
    annex = canonical_json(annex_document(context, bundle, board, mixes, partials))
    ballots = {
        category: [
            {"tracker": b["tracker"], "content": canonical_json(b["content"]).decode()}
            for b in listed
        ]
        for category, listed in record_ballots(context, config, result).items()
    }
    sealed = {
        "annex_sha256": sha256_hex(annex),
        "board_sha256": round_.board_sha256,
        "fingerprint": round_.key_fingerprint,
        "decrypted_by": list(result.decrypted_by),
    }
    if round_.booth_sha256:  # the booth whose code the manifest published at opening
        sealed["booth_sha256"] = round_.booth_sha256
    return Opened(ballots, annex, sealed)
