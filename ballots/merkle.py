"""RFC 6962 Merkle Tree Hash over a record's ballots (spec: "Merkle root").

MTH({})  = SHA-256("")
MTH({d}) = SHA-256(0x00 || d)
MTH(D)   = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n])),  k the largest power of two below n
"""

import hashlib
from collections.abc import Sequence


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _tree(hashes: list[bytes]) -> bytes:
    # Bottom-up, pairing left to right and carrying an odd last node up unchanged, gives the
    # same tree as the recursive split at the largest power of two below n.
    while len(hashes) > 1:
        paired = [
            hashlib.sha256(b"\x01" + hashes[i] + hashes[i + 1]).digest()
            for i in range(0, len(hashes) - 1, 2)
        ]
        if len(hashes) % 2:
            paired.append(hashes[-1])
        hashes = paired
    return hashes[0]


def merkle_root(leaves: Sequence[bytes]) -> str:
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    return _tree([_leaf(leaf) for leaf in leaves]).hex()
