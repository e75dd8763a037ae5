"""Canonical JSON and SHA-256, as the election-record spec defines them.

Every hash in the system (audit chain, election record, results) is taken over these bytes, so
that another program can recompute it from the published JSON alone.
"""

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Keys sorted, no insignificant white space, non-ASCII written as itself."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
