"""Election records built in memory, for the counting and cross-check tests."""

import hashlib

from ballots.record import parse_record, record_document
from ballots.tally import results_bytes


def one_category_record(
    method: str,
    nominees: list[str],
    contents: list[dict],
    seed: bytes = b"\x07" * 32,
    sealed: dict | None = None,
    **extra,
) -> bytes:
    """A record of one category whose ballots carry `contents`, in that order."""
    category = {
        "id": "c",
        "name": "奖项",
        "method": method,
        "winners": extra.pop("winners", 1),
        "quorum": extra.pop("quorum", 0),
        "disclosure": "full",
        "eligible_jurors": len(contents),
        "participants": len(contents),
        "nominees": [{"id": n, "label": n} for n in nominees],
        "recused": extra.pop("recused", {}),
        "ballots": [{"tracker": f"{i:032x}", "content": c} for i, c in enumerate(contents)],
        **extra,
    }
    round_ = {
        "id": "r",
        "name": "轮",
        "kind": "final",
        "opened_at": None,
        "closed_at": None,
        "tie_break": {"seed": seed.hex(), "seed_sha256": hashlib.sha256(seed).hexdigest()},
        "audit_head_at_open": "0" * 64,
        "audit_head_at_close": "0" * 64,
    }
    if sealed is not None:  # a sealed round's record names its annex
        round_["sealed"] = sealed
    return record_document({"id": "s", "name": "季"}, round_, [category])


def counted_both_ways(data: bytes, monkeypatch) -> tuple[bytes, bytes]:
    """The results of one record counted by the numpy kernels (at any size) and by plain Python."""
    from ballots import arrays, tally

    # By numpy, not by plain Python twice: where numpy is missing, the import fails.
    monkeypatch.setattr(tally, "arrays", arrays)
    monkeypatch.setattr(tally, "ARRAY_THRESHOLD", 0)
    with_numpy = results_bytes(parse_record(data))
    monkeypatch.setattr(tally, "arrays", None)
    plain = results_bytes(parse_record(data))
    monkeypatch.undo()
    return with_numpy, plain
