"""What an attacker who runs the server can remake after changing a sealed round's files: the
hashes anyone can recompute (the annex's and the board's in the record, the Merkle roots, the
results), the mixes (the election key is public), and, with the trustees' key files, the
decryptions of a box the trustees were shown (the trustee command checks the box; the
verifier must not rely on that).
"""

import copy
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from ballots.canonical import canonical_json, sha256_hex
from ballots.record import parse_record
from ballots.sealed.annex import open_box, record_ballots, verify_annex
from ballots.sealed.board import board_root
from ballots.sealed.ceremony import check_ceremony
from ballots.sealed.chain import board_box, document_sha256, mix_document
from ballots.sealed.decryption import decrypt_partially
from ballots.sealed.group import scalar_from_hex
from ballots.sealed.keyfile import unlock
from ballots.tally import results_bytes
from ballots.verify import verify
from tests.sealed.sealed_run import SealedRun
from tests.sealed.test_sealed_round import PASSPHRASE


@dataclass
class Files:
    record: dict[str, Any]
    annex: dict[str, Any]

    @classmethod
    def of(cls, run: SealedRun) -> "Files":
        return cls(json.loads(run.record), json.loads(run.annex))

    @property
    def context(self) -> dict[str, Any]:
        return self.annex["context"]

    def category(self, code: str) -> dict[str, Any]:
        return next(c for c in self.record["categories"] if c["id"] == code)

    def board_category(self, code: str) -> dict[str, Any]:
        return next(c for c in self.annex["board"]["categories"] if c["id"] == code)

    def reroot(self, code: str) -> None:
        """The board's Merkle root of a category, recomputed from its entries."""
        category = self.board_category(code)
        category["merkle_root"] = board_root(code, category["entries"])

    def set_seed(self, seed: bytes) -> None:
        self.record["round"]["tie_break"] = {
            "seed": seed.hex(),
            "seed_sha256": hashlib.sha256(seed).hexdigest(),
        }

    def sealed(self) -> tuple[bytes, bytes, bytes]:
        """Record, results and annex bytes, every hash an attacker can recompute recomputed."""
        annex = canonical_json(self.annex)
        sealed = self.record["round"]["sealed"]
        sealed["annex_sha256"] = sha256_hex(annex)
        if isinstance(self.annex.get("board"), dict):
            sealed["board_sha256"] = document_sha256(self.annex["board"])
        parsed = parse_record(canonical_json(self.record))
        for category, read in zip(self.record["categories"], parsed.categories, strict=True):
            category["merkle_root"] = read.computed_merkle_root()
        record = canonical_json(self.record)
        return record, results_bytes(parse_record(record)), annex

    def failures(self, plain_checks_pass: bool = True) -> list[tuple[str, str]]:
        """What the annex check finds, once the record and results are shown to pass every
        check of a plain record (the tampering is the annex's to find)."""
        record, results, annex = self.sealed()
        assert (verify(record, results) == []) is plain_checks_pass
        return verify_annex(parse_record(record), annex)

    def remake(self, run: SealedRun, trustees: tuple[int, ...] = (1, 3)) -> None:
        """Shuffle the annex's board again (twice, as the server and trustee 2 did), have the
        trustees decrypt it with their key files, and write the record's ballots and seed from
        what it opens to: a chain that holds from whatever board the annex has."""
        context, annex = self.context, self.annex
        bundle = annex["ceremony"]
        phases = [bundle["commitments"], bundle["shares"], bundle["confirmations"]]
        ceremony = check_ceremony(context, *phases)
        config, config_sha256 = self.record["config"], self.record["round"]["config_sha256"]
        box = board_box(context, config, ceremony, annex["board"], config_sha256)
        previous: Any = annex["board"]
        mixes = []
        for position, by in ((1, "server"), (2, "trustee 2")):
            previous = mix_document(context, ceremony.election_key, position, by, previous, box)
            box = board_box_after(previous)
            mixes.append(previous)
        partials = []
        for number in trustees:
            secrets = unlock(json.loads((run.keys / f"t{number}.key").read_bytes()), PASSPHRASE)
            share = scalar_from_hex(secrets["share"])
            partial = decrypt_partially(
                context, number, share, box, ceremony.seed, document_sha256(mixes[-1])
            )
            partials.append(partial.to_json())
        annex["mixes"], annex["partials"] = mixes, partials
        opened = open_box(context, config, config_sha256, phases, annex["board"], mixes, partials)
        for code, ballots in record_ballots(context, config, opened).items():
            self.category(code)["ballots"] = copy.deepcopy(ballots)
        self.set_seed(opened.seed)


def board_box_after(mix: dict[str, Any]) -> Any:
    from ballots.sealed.elgamal import vector_from_json

    return {c["id"]: [vector_from_json(b) for b in c["ballots"]] for c in mix["categories"]}


def has(failures: list[tuple[str, str]], where: str, what: str) -> bool:
    return any(w == where and what in text for w, text in failures)
