"""The benchmarks' large election record: N random full rankings of M nominees in one IRV
category (scripts/bench_tally.py, scripts/bench_verify_stdlib.py)."""

import hashlib
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ballots.record import record_document

SEED = hashlib.sha256(b"bench").digest()


def random_rankings(rng: random.Random, ballots: int, nominees: list[str]) -> list[list[str]]:
    return [rng.sample(nominees, len(nominees)) for _ in range(ballots)]


def ranked_record(rng: random.Random, nominees: list[str], rankings: list[list[str]]) -> bytes:
    """The record file's bytes: one IRV category holding `rankings`, with random trackers."""
    round_ = {
        "id": "bench",
        "name": "bench",
        "kind": "final",
        "opened_at": None,
        "closed_at": None,
        "tie_break": {"seed": SEED.hex(), "seed_sha256": hashlib.sha256(SEED).hexdigest()},
        "audit_head_at_open": "0" * 64,
        "audit_head_at_close": "0" * 64,
    }
    ranked = [
        {"tracker": f"{rng.getrandbits(128):032x}", "content": {"ranking": r}} for r in rankings
    ]
    category = {
        "id": "c",
        "name": "c",
        "method": "irv",
        "winners": 1,
        "quorum": 0,
        "disclosure": "full",
        "eligible_jurors": len(ranked),
        "participants": len(ranked),
        "nominees": [{"id": n, "label": n} for n in nominees],
        "recused": {},
        "ballots": ranked,
    }
    return record_document({"id": "s", "name": "s"}, round_, [category])
