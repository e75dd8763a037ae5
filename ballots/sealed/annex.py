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
from ballots.content import RANKED
from ballots.record import ElectionRecord, RecordError, load_json
from ballots.sealed.board import Entry, board_root, check_entry, no_opinion
from ballots.sealed.ceremony import Ceremony, CeremonyError, check_ceremony
from ballots.sealed.decryption import Partial, check_partial, combine
from ballots.sealed.elgamal import Ciphertext, vector_from_json, vector_to_json
from ballots.sealed.encoding import EncodingError, Layout, decode, layout
from ballots.sealed.shuffle import ShuffleProof, check_shuffle, shuffle

ANNEX_FORMAT = "awards-sealed-annex/1"
BOARD_FORMAT = "awards-sealed-board/1"
MIX_FORMAT = "awards-sealed-mix/1"
MIX_FIELDS = frozenset({"format", "context", "mix", "by", "input_sha256", "categories"})
BOOTH_FIELDS = frozenset({"replaced", "replaced_merkle_root", "no_opinion"})
"""What a booth round's board has in each category, and no other board."""

Box = dict[str, list[list[Ciphertext]]]
"""By category id: the encrypted ballots, in order."""


class AnnexError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


def document_sha256(document: Any) -> str:
    """A document's hash, as every later one names it: SHA-256 of its canonical JSON."""
    return sha256_hex(canonical_json(document))


def ballot_tracker(context: dict[str, Any], category: str, position: int) -> str:
    """The tracker a decrypted ballot has in the record: it names the ballot's place in the last
    mix, and nothing that a juror ever saw (the juror's tracker is on the board, and the shuffle
    is what keeps the two apart)."""
    data = canonical_json(["awards-sealed/1/record-tracker", context, category, position])
    return hashlib.sha256(data).hexdigest()[:32]


def layouts(config: dict[str, Any], board: dict[str, Any]) -> dict[str, Layout]:
    """Each category's layout, from the configuration and the board's isolated nominees."""
    isolated = {c.get("id"): c.get("isolated") for c in board.get("categories", [])}
    found = {}
    for entry in config["categories"]:
        named = isolated.get(entry["id"])
        if not isinstance(named, list) or not all(isinstance(n, str) for n in named):
            raise AnnexError([(f"board, category {entry['id']}", "isolated is not a list of ids")])
        # The layout puts isolated parts in the configuration's order, and a recused part is
        # replaced at its place in this list (`_replace`): in another order, the replacement
        # would fall on another nominee's part (issue 13).
        if named != [n["id"] for n in entry["nominees"] if n["id"] in named]:
            raise AnnexError(
                [(f"board, category {entry['id']}", "isolated is not in the configuration's order")]
            )
        try:
            found[entry["id"]] = layout(entry, named)
        except EncodingError as exc:
            raise AnnexError([(f"board, category {entry['id']}", str(exc))]) from None
    return found


def board_document(
    context: dict[str, Any],
    config_sha256: str,
    ceremony: Ceremony,
    isolated: dict[str, list[str]],
    entries: dict[str, list[dict[str, Any]]],
    replaced: dict[str, list[dict[str, Any]]] | None = None,
) -> dict[str, Any]:
    """The board at close: every category of the configuration (`isolated` in its order), its
    entries in tracker order and their Merkle root. A booth round's board (`replaced` given)
    also lists, apart, the entries that a later cast of the same juror replaced, and the
    public "no opinion" ciphertext of each isolated nominee."""
    categories = []
    for category, nominees in isolated.items():
        listed = sorted(entries.get(category, []), key=lambda e: e["tracker"])
        shown: dict[str, Any] = {
            "id": category,
            "isolated": nominees,
            "entries": listed,
            "merkle_root": board_root(category, listed),
        }
        if replaced is not None:
            old = sorted(replaced.get(category, []), key=lambda e: e["tracker"])
            shown["replaced"] = old
            shown["replaced_merkle_root"] = board_root(category, old)
            shown["no_opinion"] = {
                n: no_opinion(ceremony.election_key, context, category, n).to_json()
                for n in nominees
            }
        categories.append(shown)
    return {
        "format": BOARD_FORMAT,
        "context": context,
        "config_sha256": config_sha256,
        "fingerprint": ceremony.fingerprint,
        "categories": categories,
    }


def board_box(
    context: dict[str, Any],
    config: dict[str, Any],
    ceremony: Ceremony,
    board: dict[str, Any],
    config_sha256: str,
) -> Box:
    """The encrypted ballots of a board that checks: format, round, configuration, key,
    categories in the configuration's order, entries in tracker order, each entry's proof and
    width, the Merkle roots."""
    problems: list[tuple[str, str]] = []
    if board.get("format") != BOARD_FORMAT:
        raise AnnexError([("board", f"not a board of format {BOARD_FORMAT}")])
    if board.get("context") != context:
        problems.append(("board", "made for another round"))
    if board.get("config_sha256") != config_sha256:
        problems.append(("board", "made for another configuration"))
    if board.get("fingerprint") != ceremony.fingerprint:
        problems.append(("board", "made for another key ceremony"))
    categories = board.get("categories")
    if not isinstance(categories, list) or [
        c.get("id") if isinstance(c, dict) else None for c in categories
    ] != [c["id"] for c in config["categories"]]:
        raise AnnexError([*problems, ("board", "its categories are not the configuration's")])
    lay = layouts(config, board)
    box: Box = {}
    for category in categories:
        where = f"board, category {category['id']}"
        counted = _entries(context, category, "entries", "merkle_root", lay, problems)
        old = _entries(context, category, "replaced", "replaced_merkle_root", lay, problems)
        if counted is None or old is None:
            continue
        trackers = [e.tracker for e in counted + old]
        if len(set(trackers)) != len(trackers):
            problems.append((where, "a tracker is both counted and replaced"))
        substitutes = _no_opinions(context, ceremony, category, counted, problems)
        if substitutes is not None:
            width, isolated = lay[category["id"]].width, category["isolated"]
            box[category["id"]] = [_replace(width, isolated, e, substitutes) for e in counted]
    if problems:
        raise AnnexError(problems)
    return box


def _entries(
    context: dict[str, Any],
    category: dict[str, Any],
    field: str,
    root: str,
    lay: dict[str, Layout],
    problems: list[tuple[str, str]],
) -> list[Entry] | None:
    """A category's entries (`field`: "entries", or "replaced", which only a booth round's board
    has), read and checked: order, proofs, width, Merkle root."""
    where = f"board, category {category['id']}"
    raw = category.get(field, [] if field == "replaced" else None)
    if not isinstance(raw, list):
        problems.append((where, f"{field} is not a list"))
        return None
    try:
        entries = [Entry.from_json(e) for e in raw]
    except (ValueError, TypeError) as exc:
        problems.append((where, f"an entry cannot be read: {exc}"))
        return None
    trackers = [e.tracker for e in entries]
    if trackers != sorted(set(trackers)):
        problems.append((where, f"{field} are not in ascending order of distinct trackers"))
    width = lay[category["id"]].width
    for entry in entries:
        if not check_entry(context, category["id"], width, entry):
            problems.append((where, f"the proof of entry {entry.tracker} does not hold"))
    if (field in category or raw) and category.get(root) != board_root(category["id"], raw):
        problems.append((where, f"the Merkle root of {field} is not that of its entries"))
    return entries


def _no_opinions(
    context: dict[str, Any],
    ceremony: Ceremony,
    category: dict[str, Any],
    counted: list[Entry],
    problems: list[tuple[str, str]],
) -> dict[str, Ciphertext] | None:
    """The category's "no opinion" ciphertexts, each the public one (`board.no_opinion`), and
    every recused nominee an entry names among them."""
    where = f"board, category {category['id']}"
    given = category.get("no_opinion", {})
    isolated = category.get("isolated", [])
    if not isinstance(given, dict) or not set(given) <= set(isolated):
        problems.append((where, "no_opinion is not one ciphertext per isolated nominee"))
        return None
    found = {}
    for nominee, value in given.items():
        public = no_opinion(ceremony.election_key, context, category["id"], nominee)
        if value != public.to_json():
            problems.append(
                (where, f"the no-opinion ciphertext of {nominee} is not the public one")
            )
        found[nominee] = public
    for entry in counted:
        if not set(entry.recused) <= set(found):
            problems.append(
                (where, f"entry {entry.tracker} is recused from a nominee with no no-opinion part")
            )
            return None
    return found


def _replace(
    width: int, isolated: list[str], entry: Entry, substitutes: dict[str, Ciphertext]
) -> list[Ciphertext]:
    """The entry's ballot with the part of each nominee it is recused from replaced by the
    public "no opinion" ciphertext (isolated nominees' parts are the layout's last, in order)."""
    ballot = list(entry.ballot)
    first = width - len(isolated)
    for nominee in entry.recused:
        ballot[first + isolated.index(nominee)] = substitutes[nominee]
    return ballot


def mix_document(
    context: dict[str, Any], key: Any, position: int, by: str, previous: Any, box: Box
) -> dict[str, Any]:
    """Shuffle every category of `box` (read from the document `previous`, the board or the
    last mix), with a proof each."""
    categories = []
    for category, ballots in box.items():
        outputs, proof = shuffle(key, ballots, mix_context(context, category, position))
        categories.append(
            {
                "id": category,
                "ballots": [vector_to_json(b) for b in outputs],
                "proof": proof.to_json(),
            }
        )
    return {
        "format": MIX_FORMAT,
        "context": context,
        "mix": position,
        "by": by,
        "input_sha256": document_sha256(previous),
        "categories": categories,
    }


def mix_context(context: dict[str, Any], category: str, position: int) -> dict[str, Any]:
    return {**context, "category": category, "mix": position}


def mixed_box(
    context: dict[str, Any], key: Any, position: int, previous: Any, inputs: Box, mix: Any
) -> Box:
    """The box after a mix that checks: it follows `previous`, shuffles every category of
    `inputs` into as many ballots of the same width, each with a proof that holds."""
    where = f"mix {position}"
    if not isinstance(mix, dict) or mix.get("format") != MIX_FORMAT:
        raise AnnexError([(where, f"not a mix of format {MIX_FORMAT}")])
    problems = []
    if set(mix) != MIX_FIELDS:
        problems.append((where, f"a mix has exactly the fields {sorted(MIX_FIELDS)}"))
    if not isinstance(mix.get("by"), str):
        problems.append((where, "by is not a string"))
    if mix.get("context") != context:
        problems.append((where, "made for another round"))
    if mix.get("mix") != position:
        problems.append((where, f"it says it is mix {mix.get('mix')!r}"))
    if mix.get("input_sha256") != document_sha256(previous):
        problems.append((where, "it does not shuffle the box before it"))
    categories = mix.get("categories")
    if not isinstance(categories, list) or [
        c.get("id") if isinstance(c, dict) else None for c in categories
    ] != list(inputs):
        raise AnnexError([*problems, (where, "its categories are not the box's")])
    box: Box = {}
    for category in categories:
        at = f"{where}, category {category['id']}"
        if set(category) != {"id", "ballots", "proof"}:
            problems.append((at, "a mix's category has exactly the fields id, ballots and proof"))
            continue
        try:
            outputs = [vector_from_json(b) for b in category.get("ballots")]
            proof = ShuffleProof.from_json(category.get("proof"))
        except (ValueError, TypeError) as exc:
            problems.append((at, f"cannot be read: {exc}"))
            continue
        given = inputs[category["id"]]
        if len(outputs) != len(given):
            problems.append((at, f"{len(outputs)} ballots out of {len(given)}"))
            continue
        mixed_context = mix_context(context, category["id"], position)
        if not check_shuffle(key, given, outputs, proof, mixed_context):
            problems.append((at, "the proof of the shuffle does not hold"))
        box[category["id"]] = outputs
    if problems:
        raise AnnexError(problems)
    return box


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


def record_ballots(context: dict[str, Any], opened: Opened) -> dict[str, list[dict[str, Any]]]:
    """The record's ballots of each category: its decrypted contents under their record
    trackers, in tracker order. A ballot that carries no content is recorded as `null`, which
    no method accepts: the record then fails verification, naming it."""
    return {
        category: sorted(
            (
                {"tracker": ballot_tracker(context, category, i), "content": content}
                for i, content in enumerate(contents)
            ),
            key=lambda b: b["tracker"],
        )
        for category, contents in opened.contents.items()
    }


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
    return _against_record(record, sealed, annex, opened)


def _against_record(
    record: ElectionRecord, sealed: dict[str, Any], annex: dict[str, Any], opened: Opened
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
    expected = record_ballots(context, opened)
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
