"""The box as it passes from hand to hand: the board the server writes at close and every reader
checks again, and each mix of it (the spec's "The board" and "The mixes"). What a board or a mix
holds that does not check raises AnnexError, naming every problem found.
"""

from typing import Any

from ballots.canonical import canonical_json, sha256_hex
from ballots.sealed.board import Entry, board_root, check_entry, no_opinion
from ballots.sealed.ceremony import Ceremony
from ballots.sealed.elgamal import Ciphertext, vector_from_json, vector_to_json
from ballots.sealed.encoding import EncodingError, Layout, layout
from ballots.sealed.shuffle import ShuffleProof, check_shuffle, shuffle

BOARD_FORMAT = "awards-sealed-board/1"
MIX_FORMAT = "awards-sealed-mix/1"
MIX_FIELDS = frozenset({"format", "context", "mix", "by", "input_sha256", "categories"})

Box = dict[str, list[list[Ciphertext]]]
"""By category id: the encrypted ballots, in order."""


class AnnexError(ValueError):
    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{where}: {what}" for where, what in problems))
        self.problems = problems


def document_sha256(document: Any) -> str:
    """A document's hash, as every later one names it: SHA-256 of its canonical JSON."""
    return sha256_hex(canonical_json(document))


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
        problems.append((where, f"{_named(field)} are not in ascending order of distinct trackers"))
    width = lay[category["id"]].width
    for entry in entries:
        if not check_entry(context, category["id"], width, entry):
            problems.append((where, f"the proof of entry {entry.tracker} does not hold"))
    if (field in category or raw) and category.get(root) != board_root(category["id"], raw):
        problems.append((where, f"the Merkle root is not that of its {_named(field)}"))
    return entries


def _named(field: str) -> str:
    return "entries" if field == "entries" else "replaced entries"


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
