"""`python -m ballots trustee`: what a trustee runs, on a computer of their own, with files the
round page gives them and documents they send back (nothing else reaches the server).

    begin   --ceremony FILE --trustee N --key KEY   the commitment; makes the key file
    deal    --ceremony FILE --key KEY               the shares, sealed to each other trustee
    accept  --ceremony FILE --key KEY               the confirmation; the key file keeps the share
    mix     --box FILE --trustee N                  one more shuffle of the box (optional)
    decrypt --box FILE --key KEY                    the partial decryption of the last mix

Each writes one document (`--out`, else a name in the current folder) and prints what to do with
it. `mix` and `decrypt` first check everything before them, as the auditor's verifier does (the
ceremony, the board, each mix's proof, the counts) and refuse a box that does not check.

The passphrase is asked for (twice, when the key file is made), or read from
AWARDS_TRUSTEE_PASSPHRASE, which is for demonstrations and tests only: a passphrase in the
environment can be read by other programs of the same user. AWARDS_TRUSTEE_KEY_COST=interactive
makes key files cheaper to open, for tests only.
"""

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_REFUSED = 1
EXIT_UNREADABLE = 2


class Refused(Exception):
    """What the trustee is told, and nothing is written."""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "trustee",
        help="a trustee of a sealed round: the key ceremony, a mix, a partial decryption",
        description=__doc__.split("\n\n")[0],
    )
    steps = parser.add_subparsers(dest="step", required=True)
    for step, text in (
        ("begin", "step 1 of the key ceremony: commit, and make your key file"),
        ("deal", "step 2: deal your shares to the other trustees"),
        ("accept", "step 3: check the shares dealt to you, and confirm the key"),
    ):
        command = steps.add_parser(step, help=text)
        command.add_argument("--ceremony", required=True, metavar="FILE", help="the ceremony file")
        if step == "begin":
            command.add_argument("--trustee", required=True, type=int, metavar="N")
        command.add_argument("--key", required=True, metavar="KEY", help="your key file")
        command.add_argument("--out", metavar="FILE", help="where to write the document")
    mix = steps.add_parser("mix", help="check the box and shuffle it once more")
    mix.add_argument("--box", required=True, metavar="FILE", help="the box file")
    mix.add_argument("--trustee", required=True, type=int, metavar="N")
    mix.add_argument("--out", metavar="FILE")
    decrypt = steps.add_parser("decrypt", help="check the box and decrypt your part of it")
    decrypt.add_argument("--box", required=True, metavar="FILE", help="the box file")
    decrypt.add_argument("--key", required=True, metavar="KEY", help="your key file")
    decrypt.add_argument("--out", metavar="FILE")


def run(args: argparse.Namespace) -> int:
    try:
        return _STEPS[args.step](args)
    except Refused as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return EXIT_REFUSED


def _load(path: str) -> Any:
    try:
        return json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise Refused(f"cannot read {path}: {exc.strerror or exc}") from None
    except ValueError:
        raise Refused(f"{path} is not a JSON file") from None


def _write(path: Path, document: Any, *, new: bool = False) -> None:
    from ballots.canonical import canonical_json

    if new and path.exists():
        raise Refused(f"{path} exists already: it may be your key; choose another name")
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.unlink(missing_ok=True)  # a stale one, or a link planted there
    # Created exclusively with mode 0600, never through a link nor readable for a moment.
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise Refused(f"{temporary} appeared while writing: write {path} elsewhere") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(canonical_json(document))
    temporary.replace(path)


def _passphrase(twice: bool = False) -> str:
    given = os.environ.get("AWARDS_TRUSTEE_PASSPHRASE")
    if given:
        return given
    first = getpass.getpass("passphrase of your key file: ")
    if twice and getpass.getpass("the same passphrase again: ") != first:
        raise Refused("the two passphrases differ")
    if not first:
        raise Refused("a key file needs a passphrase")
    return first


def _cost() -> Any:
    return (
        "interactive" if os.environ.get("AWARDS_TRUSTEE_KEY_COST") == "interactive" else "moderate"
    )


def _ceremony_file(path: str) -> dict[str, Any]:
    bundle = _load(path)
    if not isinstance(bundle, dict) or bundle.get("format") != "awards-ceremony/1":
        raise Refused(f"{path} is not a ceremony file (download it from the round page)")
    return bundle


def _secrets(key_path: str) -> tuple[dict[str, Any], dict[str, Any]]:
    from ballots.sealed.keyfile import KeyFileError, unlock

    document = _load(key_path)
    try:
        return document, unlock(document, _passphrase())
    except KeyFileError as exc:
        raise Refused(str(exc)) from None


def _begin(args: argparse.Namespace) -> int:
    from ballots.sealed import trustee
    from ballots.sealed.keyfile import lock

    bundle = _ceremony_file(args.ceremony)
    named = {t["trustee"]: t["name"] for t in bundle["trustees"]}
    if args.trustee not in named:
        raise Refused(f"the ceremony has no trustee {args.trustee} (it has {sorted(named)})")
    key = Path(args.key)
    if key.exists():
        raise Refused(f"{key} exists already: it may be your key; choose another name")
    commitment, secrets = trustee.begin(
        bundle["context"],
        trustee=args.trustee,
        trustees=len(named),
        threshold=bundle["threshold"],
        name=named[args.trustee],
    )
    locked = lock(
        secrets,
        _passphrase(twice=True),
        context=bundle["context"],
        trustee=args.trustee,
        cost=_cost(),
    )
    _write(key, locked, new=True)
    out = Path(args.out or f"commitment-{args.trustee}.json")
    _write(out, commitment)
    names = ", ".join(f"{n}. {named[n]}" for n in sorted(named))
    print(f"you are trustee {args.trustee} of {len(named)}: {names}")
    print(
        f"the threshold is {bundle['threshold']}: any {bundle['threshold']} of the {len(named)} "
        "trustees can decrypt the box, and fewer cannot; check with the others that this is "
        "what the association decided"
    )
    print(f"your key file: {key} (keep it, and its passphrase; it never leaves you)")
    print(f"send {out} to the association: it is step 1 of 3")
    return 0


def _deal(args: argparse.Namespace) -> int:
    from ballots.sealed import trustee
    from ballots.sealed.ceremony import CeremonyError

    bundle = _ceremony_file(args.ceremony)
    header, secrets = _secrets(args.key)
    if len(bundle["commitments"]) != len(bundle["trustees"]):
        raise Refused("not every trustee has sent step 1 yet: ask for the ceremony file again")
    try:
        shares = trustee.deal(bundle["context"], header["trustee"], secrets, bundle["commitments"])
    except CeremonyError as exc:
        raise Refused(str(exc)) from None
    out = Path(args.out or f"shares-{header['trustee']}.json")
    _write(out, shares)
    print(f"send {out} to the association: it is step 2 of 3")
    return 0


def _accept(args: argparse.Namespace) -> int:
    from ballots.sealed import trustee
    from ballots.sealed.ceremony import CeremonyError
    from ballots.sealed.keyfile import lock

    bundle = _ceremony_file(args.ceremony)
    header, secrets = _secrets(args.key)
    if len(bundle["shares"]) != len(bundle["trustees"]):
        raise Refused("not every trustee has sent step 2 yet: ask for the ceremony file again")
    number = header["trustee"]
    try:
        confirmation, kept = trustee.accept(
            bundle["context"], number, secrets, bundle["commitments"], bundle["shares"]
        )
    except CeremonyError as exc:
        raise Refused(str(exc)) from None
    kept = {**kept, "fingerprint": confirmation["fingerprint"]}
    locked = lock(kept, _passphrase(), context=bundle["context"], trustee=number, cost=_cost())
    _write(Path(args.key), locked)
    out = Path(args.out or f"confirmation-{number}.json")
    _write(out, confirmation)
    print(f"the round's key fingerprint: {confirmation['fingerprint']}")
    print(
        "compare it with every other trustee directly (by phone or in person: not through the "
        "association's server, which relays the documents), and check that the round's public "
        "page shows exactly this fingerprint once it opens"
    )
    print(f"send {out} to the association: it is step 3 of 3")
    return 0


_BOX_FIELDS = {
    "context": dict,
    "config": dict,
    "config_sha256": str,
    "participants": dict,
    "ceremony": dict,
    "board_sha256": str,
    "board": dict,
    "mixes": list,
}


def _box_file(path: str) -> dict[str, Any]:
    box = _load(path)
    if not isinstance(box, dict) or box.get("format") != "awards-sealed-box/1":
        raise Refused(f"{path} is not a box file (download it from the round page)")
    wrong = [k for k, kind in _BOX_FIELDS.items() if not isinstance(box.get(k), kind)]
    if "ceremony" not in wrong:
        phases = ("commitments", "shares", "confirmations")
        wrong += [f"ceremony.{k}" for k in phases if not isinstance(box["ceremony"].get(k), list)]
    if wrong:
        raise Refused(f"{path} is not a whole box file: {', '.join(wrong)} missing or malformed")
    return box


def _checked_box(
    path: str, fingerprint: str | None = None, context: Any = None
) -> tuple[dict[str, Any], Any, Any]:
    """The box file, every step in it checked: (file, ceremony, the box after the last mix).
    With `fingerprint` and `context` (a key file's), refused unless under that key."""
    from ballots.sealed.ceremony import CeremonyError, check_ceremony
    from ballots.sealed.chain import AnnexError, board_box, document_sha256, mixed_box

    box = _box_file(path)
    if context is not None and box["context"] != context:
        raise Refused("this key file is for another round")
    context, bundle = box["context"], box["ceremony"]
    try:
        ceremony = check_ceremony(
            context, bundle["commitments"], bundle["shares"], bundle["confirmations"]
        )
        if fingerprint is not None and ceremony.fingerprint != fingerprint:
            raise Refused("this box is not under the key you confirmed: do not decrypt it")
        board = box["board"]
        if document_sha256(board) != box["board_sha256"]:
            raise Refused("the board is not the one sealed at close")
        current = board_box(context, box["config"], ceremony, board, box["config_sha256"])
        counts = {c: len(ballots) for c, ballots in current.items()}
        if counts != box["participants"]:
            raise Refused(
                f"the board's ballots {counts} are not the participants {box['participants']}"
            )
        previous: Any = board
        for position, mix in enumerate(box["mixes"], start=1):
            current = mixed_box(context, ceremony.election_key, position, previous, current, mix)
            previous = mix
    except (CeremonyError, AnnexError) as exc:
        raise Refused(f"the box does not check: {exc}") from None
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        # A part the checks above read before checking its shape (the configuration's
        # categories, say): the server sent a box no server of this program makes.
        raise Refused(f"the box does not check: it cannot be read ({type(exc).__name__})") from None
    if not box["mixes"]:
        raise Refused("the box was never shuffled")
    print(f"checked: the ceremony, the board and {len(box['mixes'])} mixes")
    replaced = sum(len(c.get("replaced", [])) for c in box["board"]["categories"])
    if replaced:  # a booth round: jurors who cast again
        print(f"{replaced} earlier casts on the board were replaced by a later one: not counted")
    shuffled_by = [str(mix.get("by")) for mix in box["mixes"]]
    print(f"the box was shuffled by: {', '.join(shuffled_by)}")
    if all(by == "server" for by in shuffled_by):
        print(
            "warning: only the server has shuffled this box; whoever runs it could link a "
            "board's tracker to its decrypted ballot. A trustee's mix first (trustee mix) "
            "removes that: only a trustee who mixed knows their own shuffle."
        )
    print(f"the board's SHA-256 is {box['board_sha256']}:")
    print("check that the round's public page shows exactly this seal")
    return box, ceremony, current


def _mix(args: argparse.Namespace) -> int:
    from ballots.sealed.chain import mix_document

    box, ceremony, current = _checked_box(args.box)
    position = len(box["mixes"]) + 1
    document = mix_document(
        box["context"],
        ceremony.election_key,
        position,
        f"trustee {args.trustee}",
        box["mixes"][-1],
        current,
    )
    out = Path(args.out or f"mix-{position}.json")
    _write(out, document)
    print(f"send {out} to the association: decryptions of the box before it must be made again")
    return 0


def _decrypt(args: argparse.Namespace) -> int:
    from ballots.sealed.chain import document_sha256
    from ballots.sealed.decryption import decrypt_partially
    from ballots.sealed.group import scalar_from_hex

    header, secrets = _secrets(args.key)
    box, ceremony, current = _checked_box(args.box, secrets.get("fingerprint"), header["context"])
    if "share" not in secrets:
        raise Refused("this key file has no share: its key ceremony was not finished")
    number = header["trustee"]
    partial = decrypt_partially(
        box["context"],
        number,
        scalar_from_hex(secrets["share"]),
        current,
        ceremony.seed,
        document_sha256(box["mixes"][-1]),
    )
    out = Path(args.out or f"decryption-{number}.json")
    _write(out, partial.to_json())
    print(f"send {out} to the association: {ceremony.threshold} decryptions open the box")
    return 0


_STEPS = {"begin": _begin, "deal": _deal, "accept": _accept, "mix": _mix, "decrypt": _decrypt}
