"""The check of a booth challenge (Benaloh's): a juror who asks the booth to show a sealed
ballot instead of casting it gets the challenge document (docs/booth.md), which reveals each
category's content and randomness; this module recomputes every encryption from them, outside
the browser, and says whether the booth encrypted what the juror chose.

For each category: its layout from the configuration entry and isolated nominees, the encoding
of the revealed content, and for each part (a, b) = (r * G, M + r * H) under the election key H,
against the entry's ciphertexts; then the entry's proof (bound to the round, category, tracker
and recused nominees, as the board checks it) and its receipt, which the command prints for
the juror to compare with the one the booth showed before the check (a booth could otherwise
open a fresh faithful encryption instead of the one it offered). Nothing in a document makes
`check_challenge` raise: every fault is a problem, named.

    python -m ballots challenge FILE [--layout LAYOUT]

The challenge carries the layout the booth was given (the election key, each category's
nominees in order, its isolated nominees): a booth served another layout, to one juror, could
encrypt a choice onto another nominee's slot and still pass. `--layout` compares it with the
round's booth layout (`layout_document`), the one file the public round page serves to
everyone from opening, with the configuration's hash and the key that the manifest shows.
"""

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from ballots.content import ABSTAIN, BallotRules, problem
from ballots.sealed.board import Entry, check_entry, receipt
from ballots.sealed.elgamal import Ciphertext
from ballots.sealed.encoding import EncodingError, Layout, encode, layout
from ballots.sealed.group import NotAPoint, Point, base, scalar_from_hex, unembed

FORMAT = "awards-booth-challenge/1"
LAYOUT_FORMAT = "awards-booth-layout/1"
_FIELDS = ("category", "entry", "isolated", "recused", "content", "randomness", "ballot")


def layout_document(
    context: dict[str, str],
    election_key: str,
    config_sha256: str,
    categories: list[tuple[str, dict[str, Any], list[str]]],
) -> dict[str, Any]:
    """A booth round's layout, the same for every juror: the key, and each category's
    (id, `encoding.layout_entry`, isolated nominees), in the configuration's order."""
    return {
        "format": LAYOUT_FORMAT,
        "context": context,
        "election_key": election_key,
        "config_sha256": config_sha256,
        "categories": [
            {"id": code, "entry": entry, "isolated": isolated}
            for code, entry, isolated in categories
        ],
    }


def against_layout(document: Any, published: Any) -> list[str]:
    """Every way the challenge's layout is not the round's published one."""
    if not isinstance(published, dict) or published.get("format") != LAYOUT_FORMAT:
        return [f"the layout file is not of format {LAYOUT_FORMAT}"]
    if not isinstance(document, dict):
        return []
    problems = []
    if document.get("election_key") != published.get("election_key"):
        problems.append("the election key is not the round's")
    if document.get("context") != published.get("context"):
        problems.append("the round is not the layout file's")
    listed = published.get("categories")
    shown = (
        {c.get("id"): c for c in listed if isinstance(c, dict)} if isinstance(listed, list) else {}
    )
    for item in document.get("categories") or []:
        name = item.get("category") if isinstance(item, dict) else None
        round_category = shown.get(name)
        if round_category is None:
            problems.append(f"{name}: not a category of the round")
            continue
        if item.get("entry") != round_category.get("entry"):
            problems.append(
                f"{name}: its nominees, their order or its settings are not the round's"
            )
        if item.get("isolated") != round_category.get("isolated"):
            problems.append(f"{name}: its isolated nominees are not the round's")
    return problems


def check_challenge(document: Any, published: Any = None) -> tuple[list[str], dict[str, Any]]:
    """(problems, the revealed content of each category): no problem when every category's
    ballot is the encryption of its revealed content under the election key, and (given the
    round's `published` layout) the booth's layout was the round's."""
    if not isinstance(document, dict):
        return ["the challenge is not a JSON object"], {}
    problems = [] if published is None else against_layout(document, published)
    if document.get("format") != FORMAT:
        problems.append(f"the format is not {FORMAT}")
    try:
        key = Point.from_hex(document.get("election_key"))
    except NotAPoint:
        return [*problems, "the election key is not a point"], {}
    context = document.get("context")
    if not (isinstance(context, dict) and set(context) == {"season", "round"}):
        return [*problems, "the context is not {season, round}"], {}
    categories = document.get("categories")
    if not isinstance(categories, list) or not categories:
        return [*problems, "the challenge holds no category"], {}
    contents: dict[str, Any] = {}
    for number, item in enumerate(categories):
        name = item.get("category") if isinstance(item, dict) else None
        if not isinstance(name, str) or name in contents:
            problems.append(f"category {number + 1}: no name, or a name given twice")
            continue
        contents[name] = item.get("content")
        problems.extend(f"{name}: {p}" for p in _check_category(key, context, name, item))
    return problems, contents


def _check_category(key: Point, context: dict, name: str, item: dict) -> list[str]:
    if not all(field in item for field in _FIELDS):
        return [f"a category has {', '.join(_FIELDS)}"]
    entry, isolated, recused = item["entry"], item["isolated"], item["recused"]
    if not (_ids(isolated) and _ids(recused)) or not set(recused) <= set(isolated):
        return ["isolated and recused are lists of ids, recused among the isolated"]
    lay = _layout(entry, isolated)
    if lay is None:
        return ["its configuration entry gives no layout"]
    rules = BallotRules(
        lay.method,
        frozenset(lay.nominees),
        entry.get("max_choices"),
        entry.get("score_min"),
        entry.get("score_max"),
    )
    try:
        fault = problem(item["content"], rules)
    except TypeError:  # a configuration entry's max_choices or score range of another type
        return ["its configuration entry gives no ballot rules"]
    if fault is not None:
        return [f"the revealed content is not a valid ballot: {fault}"]
    # An honest page never lets a juror choose a nominee they are recused from; a booth told
    # of a recusal the juror does not have would silence their opinion on it at the close.
    chosen = set(item["content"].get("approve", [])) | set(item["content"].get("scores", {}))
    found = [
        f"the revealed content gives {n} an opinion, and the entry names the juror as recused "
        f"from {n}: that part would be replaced by no opinion"
        for n in recused
        if n in chosen
    ]
    try:
        points = encode(lay, item["content"])
    except (EncodingError, KeyError, TypeError, ValueError):
        return [*found, "the revealed content cannot be encoded"]
    try:
        sealed = Entry.from_json(item["ballot"])
    except (ValueError, TypeError):
        return ["the ballot is not a board entry"]
    if list(sealed.recused) != recused:
        found.append("the entry's recused nominees are not the revealed ones")
    randomness = _scalars(item["randomness"])
    if randomness is None or len(randomness) != lay.width:
        return [*found, f"the randomness is not {lay.width} scalars in [1, n-1], one a part"]
    if len(sealed.ballot) != lay.width:
        return [*found, f"the ballot has {len(sealed.ballot)} parts, the layout {lay.width}"]
    for part, (r, point, cipher) in enumerate(zip(randomness, points, sealed.ballot, strict=True)):
        if (wrong := _part_fault(key, r, point, cipher)) is not None:
            found.append(f"part {part}: {wrong}")
    if not check_entry(context, name, lay.width, sealed):
        found.append("the entry's proof does not hold for this round, category and tracker")
    if item.get("receipt") != receipt(name, item["ballot"]):
        found.append("the receipt is not the entry's")
    return found


def _part_fault(key: Point, r: int, point: Point, c: Ciphertext) -> str | None:
    if c.a != base(r):
        return "the ciphertext was not made with the revealed randomness"
    try:
        carried = c.b - r * key
    except NotAPoint:
        carried = None
    if carried == point:
        return None
    # The randomness is the ciphertext's, so it decrypts the part: to data (an x with a leading
    # zero byte) where the booth encrypted other choices, to noise under another key (a noise
    # point passes for data once in 256: the fault is found either way, only its name errs).
    if carried is not None and unembed(carried) is not None:
        return "the ciphertext carries other choices than the revealed content"
    return "the ciphertext is not the revealed content encrypted to the election key"


def _layout(entry: Any, isolated: list[str]) -> Layout | None:
    try:
        return layout(entry, isolated)
    except (EncodingError, KeyError, TypeError, ValueError, AttributeError):
        return None


def _ids(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(n, str) for n in value)


def _scalars(value: Any) -> list[int] | None:
    if not isinstance(value, list):
        return None
    try:
        found = [scalar_from_hex(r) for r in value]
    except ValueError:
        return None
    return found if all(found) else None


def describe(content: Any) -> str:
    """The revealed choices in a line."""
    if content == ABSTAIN:
        return "abstains"
    if isinstance(content, dict) and isinstance(content.get("approve"), list):
        return "approves " + (", ".join(map(str, content["approve"])) or "nobody")
    if isinstance(content, dict) and isinstance(content.get("ranking"), list):
        return "ranks " + " > ".join(map(str, content["ranking"]))
    if isinstance(content, dict) and isinstance(content.get("scores"), dict):
        return "scores " + ", ".join(f"{n} {s}" for n, s in content["scores"].items())
    return "reveals " + json.dumps(content, ensure_ascii=False)


def _read(path: str) -> tuple[Any, int]:
    from ballots.cli import _error

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        _error(f"cannot read {path}: {exc.strerror or exc}")
        return None, 2
    try:
        return json.loads(data), 0
    except (ValueError, RecursionError):
        return None, 0


def run(path: str, layout_path: str | None = None) -> int:
    """The command: 0 when every category holds, 1 at any problem, 2 for an unreadable file."""
    from ballots.cli import _printable

    document, failed = _read(path)
    published = None
    if layout_path is not None and not failed:
        published, failed = _read(layout_path)
    if failed:
        return failed
    problems, contents = check_challenge(document, published if layout_path is not None else None)
    if isinstance(document, dict) and isinstance(document.get("election_key"), str):
        # Only the round page can say the key is the round's: the juror compares the two.
        print(_printable(f"election key {document['election_key']} (the round page shows it)"))
    if layout_path is None:
        print("not compared with the round's layout (--layout): its nominees' order is the booth's")
    else:  # the file a server could have tailored to this juror: its hash is the page's
        digest = hashlib.sha256(Path(layout_path).read_bytes()).hexdigest()
        print(f"the round's layout file: SHA-256 {digest} (the round page shows it)")
    shown: dict[str, dict[str, Any]] = {}
    for item in document["categories"] if contents else []:
        if isinstance(item, dict) and item.get("category") in contents:
            shown.setdefault(item["category"], item)
    for name, content in contents.items():
        mine = [p for p in problems if p.startswith(f"{name}: ")]
        print(_printable(f"{name}: {describe(content)}"))
        print("  holds" if not mine else "\n".join(_printable(f"  FAIL {p}") for p in mine))
        # The booth showed these receipts before the juror chose to check: an opened ballot
        # whose receipt is not the one shown is another encryption than the one offered.
        print(
            _printable(
                f"  receipt {shown[name].get('receipt')} (compare it with the one the booth showed)"
            )
        )
        if isinstance(recused := shown[name].get("recused"), list) and recused:
            names = ", ".join(map(str, recused))
            print(_printable(f"  recused from {names}: counted as no opinion"))
    for other in (p for p in problems if not any(p.startswith(f"{n}: ") for n in contents)):
        print(_printable(f"FAIL {other}"), file=sys.stderr)
    if problems:
        print(
            f"{len(problems)} problems: the booth's ballot is not what it revealed", file=sys.stderr
        )
        return 1
    print("the booth encrypted exactly the revealed choices")
    return 0
