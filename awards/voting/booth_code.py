"""The booth's code: the scripts a booth round's ballot page runs in the juror's browser, and the
hash that the round's manifest publishes from opening.

A server that served a different booth (one that encrypts something else than the juror chose,
or sends the choices elsewhere) would serve different files: anyone can download them from the
addresses below and compare their SHA-256 with the manifest's list (the README says how). What
the hash cannot show is a different booth served to one juror alone; the juror's challenge
(`docs/booth.md`) catches one that encrypts something else, not one that leaks.
"""

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from ballots.canonical import canonical_json, sha256_hex

STATIC = Path(__file__).resolve().parent.parent / "static"
FORMAT = "awards-booth-code/1"
FILES = (
    "booth/noble.js",
    "booth/sealed.js",
    "booth/worker.js",
    "booth/page.js",
    "ballot.js",
    "ballot_session.js",
    "drafts.js",
)
"""Every script a booth round's ballot page loads, by its path under /static/."""


@lru_cache(maxsize=1)
def listing() -> dict[str, Any]:
    """{"format", "files": {path: SHA-256}}: what `booth_sha256` hashes (files are read once a
    process; they change only with a new release)."""
    return {
        "format": FORMAT,
        "files": {path: hashlib.sha256((STATIC / path).read_bytes()).hexdigest() for path in FILES},
    }


def booth_sha256() -> str:
    return sha256_hex(canonical_json(listing()))
