"""A sealed round's trustees and their key ceremony, as the server relays it.

Staff name the trustees (and how many of them must take part to decrypt) while the round is a
draft. Each trustee then runs the trustee command on a machine of their own, three times: each
time it reads the ceremony file that the round page offers (everything every trustee has sent
so far) and writes one document, which staff upload to the round page. The server checks each
document as it comes in (its kind, its round, its trustee) and the whole ceremony once every
confirmation is in (`ballots.sealed.ceremony.check_ceremony`): only then does the round have an
election key, whose fingerprint the manifest publishes at opening. Nothing the server holds or
relays is secret: the shares travel encrypted to their trustee's own key.

Sending a document again replaces it and drops what the later phases built on it.
"""

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from awards import audit
from awards.audit import Action
from awards.errors import Conflict, DomainError
from awards.i18n import N_
from awards.models import Round, Season, Trustee
from awards.voting import lifecycle
from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.ceremony import Ceremony, CeremonyError, check_ceremony

PHASES = ("commitment", "shares", "confirmation")
FORMATS = {
    "awards-trustee-commitment/1": "commitment",
    "awards-trustee-shares/1": "shares",
    "awards-trustee-confirmation/1": "confirmation",
}
ACCEPTED = {*FORMATS, "awards-sealed-mix/1", "awards-sealed-partial/1"}
"""What a trustee sends: the ceremony's documents, and after the close a mix or a decryption
(`awards.trustees.counting`)."""
MAX_TRUSTEES = 9
MAX_DOCUMENT = 8 * 1024 * 1024  # bytes, as an upload: a nomination round's mix is some 4 MB


class DocumentRefused(DomainError):
    status_code = 422


@dataclass(frozen=True)
class Named:
    names: list[str]
    threshold: int


def read_trustees(text: str, threshold_text: str) -> Named:
    """The names (one a line) and the threshold as staff typed them."""
    names = [line.strip() for line in text.splitlines() if line.strip()]
    if not 1 <= len(names) <= MAX_TRUSTEES:
        raise DocumentRefused(N_("Name from 1 to %(n)s trustees, one a line."), n=MAX_TRUSTEES)
    if any(len(name) > 200 for name in names) or len(set(names)) != len(names):
        raise DocumentRefused(
            N_("Each trustee needs a name of their own, of 200 characters at most.")
        )
    try:
        threshold = int(threshold_text.strip())
    except ValueError:
        threshold = 0
    if not 1 <= threshold <= len(names):
        raise DocumentRefused(
            N_("How many trustees must take part is a number from 1 to %(n)s."), n=len(names)
        )
    return Named(names, threshold)


async def context_of(session: AsyncSession, round_: Round) -> dict[str, str]:
    """The round's context, which every document and proof of the ceremony is bound to: the
    season's and the round's codes, as the configuration at opening will name them."""
    season = await session.get_one(Season, round_.season_id)
    return {"season": season.code, "round": round_.code}


async def trustees(session: AsyncSession, round_id: int) -> list[Trustee]:
    return list(
        await session.scalars(
            select(Trustee).where(Trustee.round_id == round_id).order_by(Trustee.position)
        )
    )


async def set_trustees(
    session: AsyncSession, round_: Round, named: Named | None, actor: str, booth: bool = False
) -> None:
    """Make the draft round sealed with these trustees (any earlier ceremony is dropped), or
    plain again (`named` None); `booth`: its ballots are encrypted in the jurors' browsers."""
    lifecycle.require(
        round_,
        lifecycle.PREPARING,
        N_("The round is %(state)s: its trustees can no longer change."),
    )
    for trustee in await trustees(session, round_.id):
        await session.delete(trustee)
    await session.flush()
    round_.trustee_threshold = named.threshold if named else None
    round_.booth = bool(named) and booth
    round_.election_key = round_.key_fingerprint = None
    for position, name in enumerate(named.names if named else [], start=1):
        session.add(Trustee(round_id=round_.id, position=position, name=name))
    await audit.record(
        session,
        actor=actor,
        action=Action.ROUND_TRUSTEES_SET,
        object_type="round",
        object_id=round_.id,
        changes={
            "trustees": named.names if named else [],
            "threshold": named.threshold if named else None,
            "booth": round_.booth,
        },
    )


def parse_document(text: str) -> dict[str, Any]:
    if len(text.encode()) > MAX_DOCUMENT:
        raise DocumentRefused(N_("This file is too large to be a trustee's document."))
    try:
        document = json.loads(text, parse_constant=_not_json)
        canonical_json(document)  # a lone surrogate can be neither stored nor hashed
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        document = None
    # A format that is a list or an object is no format (and cannot be looked up in a set).
    if not isinstance(document, dict) or str(document.get("format")) not in ACCEPTED:
        raise DocumentRefused(
            N_("This is not a document of the trustee command (ceremony, mix or decryption).")
        )
    return document


def _not_json(constant: str) -> None:
    """NaN and Infinity, which Python's json reads but JSON has not."""
    raise ValueError(f"{constant} is not JSON")


async def receive(
    session: AsyncSession, round_: Round, document: dict[str, Any], actor: str
) -> Trustee:
    """A ceremony document from a trustee, checked against the round and the phase."""
    lifecycle.require(
        round_,
        lifecycle.PREPARING,
        N_("The round is %(state)s: its key ceremony is over."),
    )
    phase = FORMATS.get(document["format"])
    if phase is None:
        raise DocumentRefused(
            N_("Before the close, only a trustee's documents of the key ceremony are taken.")
        )
    if document.get("context") != await context_of(session, round_):
        raise DocumentRefused(N_("This document is for another round."))
    named = await trustees(session, round_.id)
    position = document.get("trustee")
    trustee = next((t for t in named if t.position == position), None)
    if trustee is None or type(position) is not int:
        raise DocumentRefused(N_("This document names no trustee of this round."))
    earlier = PHASES[: PHASES.index(phase)]
    missing = [t.name for t in named for p in earlier if getattr(t, p) is None]
    if missing:
        raise DocumentRefused(
            N_("This document comes too early: %(names)s must send theirs first."),
            names="、".join(dict.fromkeys(missing)),
        )
    text = canonical_json(document).decode()
    setattr(trustee, phase, text)
    for later in PHASES[PHASES.index(phase) + 1 :]:
        for other in named:
            setattr(other, later, None)
    round_.election_key = round_.key_fingerprint = None
    await audit.record(
        session,
        actor=actor,
        action=Action.TRUSTEE_DOCUMENT_RECEIVED,
        object_type="trustee",
        object_id=trustee.id,
        changes={"phase": phase, "sha256": sha256_hex(text.encode())},
    )
    if phase == "confirmation" and all(t.confirmation for t in named):
        await _complete(session, round_, named, actor)
    return trustee


async def _complete(session: AsyncSession, round_: Round, named: list[Trustee], actor: str) -> None:
    """Every confirmation is in: check the whole ceremony; the round gets its key, or the
    documents stay for staff to replace, with what is wrong named."""
    try:
        ceremony = check_ceremony(await context_of(session, round_), *documents(named))
    except CeremonyError as exc:
        raise Conflict(
            N_("The trustees' documents do not make a key: %(problems)s"),
            problems="; ".join(f"{_who(named, t)}: {what}" for t, what in exc.problems[:5]),
        ) from None
    if ceremony.threshold != round_.trustee_threshold:
        raise Conflict(
            N_("The trustees made a key for %(made)s of them, but the round needs %(needed)s."),
            made=ceremony.threshold,
            needed=round_.trustee_threshold,
        )
    round_.election_key = ceremony.election_key.hex()
    round_.key_fingerprint = ceremony.fingerprint
    await audit.record(
        session,
        actor=actor,
        action=Action.ROUND_KEY_MADE,
        object_type="round",
        object_id=round_.id,
        changes={"election_key": round_.election_key, "fingerprint": ceremony.fingerprint},
    )


def _who(named: list[Trustee], position: Any) -> str:
    """A trustee's name; a fault no single document shows is the ceremony's (`position` None)."""
    found = next((t.name for t in named if t.position == position), None)
    return found or "—"


def documents(named: list[Trustee]) -> tuple[list[dict[str, Any]], ...]:
    """The three phases' documents, each in trustee order."""
    return tuple([json.loads(getattr(t, phase) or "null") for t in named] for phase in PHASES)


async def ceremony_of(session: AsyncSession, round_: Round) -> Ceremony:
    """The checked ceremony of a round whose key is made."""
    return check_ceremony(
        await context_of(session, round_), *documents(await trustees(session, round_.id))
    )


async def bundle(session: AsyncSession, round_: Round) -> dict[str, Any]:
    """The ceremony file: what every trustee has sent so far, for the next phase."""
    named = await trustees(session, round_.id)
    return {
        "format": "awards-ceremony/1",
        "context": await context_of(session, round_),
        "threshold": round_.trustee_threshold,
        "trustees": [{"trustee": t.position, "name": t.name} for t in named],
        **{
            f"{phase}s" if phase != "shares" else phase: [
                json.loads(text) for t in named if (text := getattr(t, phase))
            ]
            for phase in PHASES
        },
        "fingerprint": round_.key_fingerprint,
    }
