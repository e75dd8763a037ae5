"""The sealed annex of a record: the ceremony, the board, the mixes and the partial
decryptions, and the one procedure that opens the box from them (the spec's "The annex and its
verification").

`open_box` is what the server runs to count a sealed round and what the auditor's verifier runs
again: it checks every step from the ceremony to the last decryption and refuses, naming every
problem, a box whose chain does not lead back to the board. `verify_annex` then compares what
the box opens to with the record's ballots, seed and counts.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ballots.canonical import canonical_json, sha256_hex
from ballots.content import INVALID, RANKED, BallotRules, plainly_valid, problem
from ballots.record import ElectionRecord, RecordError, load_json
from ballots.schema import SETTINGS
from ballots.sealed.ceremony import Ceremony, CeremonyError, check_ceremony
from ballots.sealed.chain import AnnexError, board_box, document_sha256, layouts, mixed_box
from ballots.sealed.decryption import Partial, check_partial, combine
from ballots.sealed.encoding import decode

ANNEX_FORMAT = "awards-sealed-annex/1"
BOOTH_FIELDS = frozenset({"replaced", "replaced_merkle_root", "no_opinion"})
"""What a booth round's board has in each category, and no other board."""


def ballot_tracker(context: dict[str, Any], category: str, position: int) -> str:
    """The tracker a decrypted ballot has in the record: it names the ballot's place in the last
    mix, and nothing that a juror ever saw (the juror's tracker is on the board, and the shuffle
    is what keeps the two apart)."""
    data = canonical_json(["awards-sealed/1/record-tracker", context, category, position])
    return hashlib.sha256(data).hexdigest()[:32]


@dataclass(frozen=True)
class Opened:
    contents: dict[str, list[dict[str, Any] | None]]
    """By category, in the last mix's order: each ballot's content (None: the points carry no
    content under the layout)."""
    seed: bytes
    decrypted_by: tuple[int, ...]
    ceremony: Ceremony


def open_box(
    context: dict[str, Any],
    config: dict[str, Any],
    config_sha256: str,
    ceremony_documents: Sequence[Sequence[Any]],
    board: Any,
    mixes: Sequence[Any],
    partials: Sequence[Any],
) -> Opened:
    """Check everything from the ceremony to the partial decryptions, and decrypt. Raises
    AnnexError naming every problem found (the first step that fails stops the rest)."""
    try:
        ceremony = check_ceremony(context, *ceremony_documents)
    except CeremonyError as exc:
        raise AnnexError([(f"ceremony, trustee {t}", what) for t, what in exc.problems]) from None
    if not isinstance(board, dict):
        raise AnnexError([("board", "not an object")])
    box = board_box(context, config, ceremony, board, config_sha256)
    if not mixes:
        raise AnnexError([("mixes", "the box was never shuffled")])
    previous: Any = board
    for position, mix in enumerate(mixes, start=1):
        box = mixed_box(context, ceremony.election_key, position, previous, box, mix)
        previous = mix
    last = document_sha256(previous)
    read, problems = [], []
    for index, document in enumerate(partials):
        try:
            partial = Partial.from_json(document)
        except (ValueError, TypeError) as exc:
            problems.append((f"partial decryption [{index}]", f"cannot be read: {exc}"))
            continue
        if not 1 <= partial.trustee <= ceremony.trustees:
            problems.append((f"partial decryption [{index}]", "names no trustee"))
            continue
        key = ceremony.verification_keys[partial.trustee - 1]
        for what in check_partial(context, key, box, ceremony.seed, partial, last):
            problems.append((f"partial decryption of trustee {partial.trustee}", what))
        read.append(partial)
    trustees = [p.trustee for p in read]
    if len(set(trustees)) != len(trustees):
        problems.append(("partial decryptions", "a trustee decrypted twice"))
    if len(read) < ceremony.threshold:
        problems.append(("partial decryptions", f"{len(read)} of the {ceremony.threshold} needed"))
    if problems:
        raise AnnexError(problems)
    points, seed_point = combine(read, box, ceremony.seed)
    lay = layouts(config, board)
    contents = {
        category: [decode(lay[category], ballot) for ballot in ballots]
        for category, ballots in points.items()
    }
    seed = hashlib.sha256(seed_point.to_bytes()).digest()
    return Opened(contents, seed, tuple(sorted(trustees)), ceremony)


def record_ballots(
    context: dict[str, Any], config: dict[str, Any], opened: Opened
) -> dict[str, list[dict[str, Any]]]:
    """The record's ballots of each category: its decrypted contents under their record
    trackers, in tracker order. A ballot that carries no content, or whose content breaks its
    category's rules in `config` (a cast the server could not check, being encrypted in the
    juror's browser), is recorded as `{"invalid": true}`: counted as invalid, never as what it
    says."""
    rules = {entry["id"]: category_rules(entry) for entry in config["categories"]}
    return {
        category: sorted(
            (
                {
                    "tracker": ballot_tracker(context, category, i),
                    "content": _judged(content, rules[category]),
                }
                for i, content in enumerate(contents)
            ),
            key=lambda b: b["tracker"],
        )
        for category, contents in opened.contents.items()
    }


def category_rules(entry: dict[str, Any]) -> BallotRules:
    """The rules a configuration's category entry sets for a ballot, as casting applies them."""
    settings = {k: entry[k] for k in SETTINGS.get(entry["method"], ()) if k != "trim"}
    return BallotRules(entry["method"], frozenset(n["id"] for n in entry["nominees"]), **settings)


def _judged(content: dict[str, Any] | None, rules: BallotRules) -> dict[str, Any]:
    if content is None or (not plainly_valid(content, rules) and problem(content, rules)):
        return dict(INVALID)
    return content


def annex_document(
    context: dict[str, Any],
    ceremony: dict[str, Any],
    board: dict[str, Any],
    mixes: Sequence[dict[str, Any]],
    partials: Sequence[dict[str, Any]],
) -> dict[str, Any]:
    """`ceremony`: the ceremony file (`threshold`, `trustees`, and the three phases' lists)."""
    return {
        "format": ANNEX_FORMAT,
        "context": context,
        "ceremony": ceremony,
        "board": board,
        "mixes": list(mixes),
        "partials": list(partials),
    }


def verify_annex(record: ElectionRecord, annex_bytes: bytes) -> list[tuple[str, str]]:
    """Every way the annex fails to show that the record's ballots are the box's: [] when it
    does. Never raises."""
    sealed = record.round.get("sealed")
    if not isinstance(sealed, dict):
        return [("round", "the record names no sealed annex")]
    if sealed.get("annex_sha256") != sha256_hex(annex_bytes):
        return [("annex", "this is not the annex the record names")]
    if record.config is None:
        return [("record", "a sealed record is of format 2")]
    try:
        annex = load_json(annex_bytes, "annex")
    except RecordError as exc:
        return exc.problems
    if not isinstance(annex, dict) or annex.get("format") != ANNEX_FORMAT:
        return [("annex", f"not an annex of format {ANNEX_FORMAT}")]
    context = {"season": record.season["id"], "round": record.round["id"]}
    if annex.get("context") != context:
        return [("annex", "made for another round")]
    ceremony = annex.get("ceremony")
    if not isinstance(ceremony, dict):
        return [("annex", "ceremony is not an object")]
    phases: list[list[Any]] = []
    for key in ("commitments", "shares", "confirmations"):
        listed = ceremony.get(key)
        if not isinstance(listed, list):
            return [("annex", "the ceremony's documents are not lists")]
        phases.append(listed)
    mixes, partials = annex.get("mixes"), annex.get("partials")
    if not isinstance(mixes, list) or not isinstance(partials, list):
        return [("annex", "mixes and partials are lists")]
    try:
        opened = open_box(
            context,
            record.config,
            record.round["config_sha256"],
            phases,
            annex.get("board"),
            mixes,
            partials,
        )
    except AnnexError as exc:
        return exc.problems
    except Exception as exc:
        return [("annex", f"cannot be checked: {type(exc).__name__}")]
    return _against_record(record, record.config, sealed, annex, opened)


def _against_record(
    record: ElectionRecord,
    config: dict[str, Any],
    sealed: dict[str, Any],
    annex: dict[str, Any],
    opened: Opened,
) -> list[tuple[str, str]]:
    found = [
        ("annex", f"the ceremony's {field} is not its documents'")
        for field, value in _ceremony_file_fields(opened.ceremony).items()
        if annex["ceremony"].get(field) != value
    ]
    # A whole other ceremony of the same round (a server that ran one with trustees of its own
    # making) checks in every other way: only the fingerprint published at opening tells.
    if sealed.get("fingerprint") != opened.ceremony.fingerprint:
        found.append(("round", "the fingerprint is not the key ceremony's"))
    if sealed.get("decrypted_by") != list(opened.decrypted_by):
        found.append(
            ("round", "decrypted_by is not the trustees whose decryptions are in the annex")
        )
    if sealed.get("board_sha256") != document_sha256(annex["board"]):
        found.append(("round", "the board is not the one sealed at close"))
    if opened.seed != record.seed:
        found.append(("round", "the seed is not the trustees' decrypted seed"))
    # A booth round (its booth's hash published at opening) lists the casts a later one
    # replaced: without them, a juror who finds a tracker missing cannot tell why.
    booth = BOOTH_FIELDS if "booth_sha256" in sealed else frozenset()
    if any(BOOTH_FIELDS & set(c) != booth for c in annex["board"]["categories"]):
        found.append(("board", "a booth round's board, and only one, lists the replaced entries"))
    context = {"season": record.season["id"], "round": record.round["id"]}
    expected = record_ballots(context, config, opened)
    for category in record.categories:
        where = f"category {category.id}"
        ballots = [{"tracker": t, "content": c} for t, c in category.ballots]
        if ballots != expected.get(category.id):
            found.append((where, "the ballots are not the decryption of the box"))
        if category.participants != len(opened.contents.get(category.id, [])):
            found.append((where, "participants differ from the ballots on the board"))
        isolated: list[str] = next(
            (c["isolated"] for c in annex["board"]["categories"] if c["id"] == category.id), []
        )
        # Every nominee a participant was recused from has a part of its own (a recused juror
        # who did not vote may have isolated others).
        if category.method not in RANKED and not set(category.recused) <= set(isolated):
            found.append((where, "a nominee with a recusal has no part of its own"))
    return found


def _ceremony_file_fields(ceremony: Ceremony) -> dict[str, Any]:
    """What the ceremony file says beside its documents, as they give it: a reader of the annex
    takes the trustees' names from here."""
    return {
        "context": ceremony.context,
        "threshold": ceremony.threshold,
        "trustees": [
            {"trustee": n, "name": name} for n, name in enumerate(ceremony.names, start=1)
        ],
        "fingerprint": ceremony.fingerprint,
    }
