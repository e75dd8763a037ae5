"""Election records of a whole round built in memory (format 2, with the configuration that
opening publishes), for the tests of how results read."""

import hashlib
from pathlib import Path
from typing import Any

from ballots.canonical import canonical_json, sha256_hex
from ballots.record import record_document

SEED = bytes(range(32))
COUNTED = ("participants", "recused", "ballots")


def category(
    code: str,
    method: str,
    nominees: list[str],
    contents: list[dict],
    *,
    english: dict[str, str] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A counted category whose ballots carry `contents`; `english`: nominee id -> English
    label, and "" -> the category's English name (as opening freezes them)."""
    english = english or {}
    found: dict[str, Any] = {
        "id": code,
        "name": extra.pop("name", f"奖项{code}"),
        "method": method,
        "winners": extra.pop("winners", 1),
        "quorum": extra.pop("quorum", 0),
        "disclosure": extra.pop("disclosure", "full"),
        "eligible_jurors": extra.pop("eligible_jurors", len(contents)),
        "participants": extra.pop("participants", len(contents)),
        "nominees": [{"id": n, "label": f"剧{n}"} for n in nominees],
        "recused": extra.pop("recused", {}),
        "ballots": [
            {"tracker": f"{code}{i:030x}"[-32:], "content": c} for i, c in enumerate(contents)
        ],
        **extra,
    }
    if "" in english:
        found["name_en"] = english[""]
    found["_english"] = {n: english[n] for n in nominees if n in english}
    return found


def record_bytes(categories: list[dict[str, Any]], kind: str = "final") -> bytes:
    config = {
        "season": {"id": "2025", "name": "2025 年度推优"},
        "round": {"id": "r1", "name": "终评" if kind == "final" else "提名", "kind": kind},
        "categories": [
            {
                **{k: v for k, v in c.items() if k not in (*COUNTED, "_english")},
                "nominees": [
                    {
                        **n,
                        **(
                            {"label_en": c["_english"][n["id"]]} if n["id"] in c["_english"] else {}
                        ),
                    }
                    for n in c["nominees"]
                ],
            }
            for c in categories
        ],
    }
    round_ = {
        **config["round"],
        "opened_at": "2025-03-25T14:00:00+08:00",
        "closed_at": "2025-03-26T10:00:00+08:00",
        "tie_break": {"seed": SEED.hex(), "seed_sha256": hashlib.sha256(SEED).hexdigest()},
        "audit_head_at_open": "0" * 64,
        "audit_head_at_close": "1" * 64,
        "config_sha256": sha256_hex(canonical_json(config)),
    }
    counted = [{k: v for k, v in c.items() if k != "_english"} for c in categories]
    return record_document(config["season"], round_, counted, config=config)


def write_record(folder: Path, categories: list[dict[str, Any]], kind: str = "final") -> Path:
    path = folder / "record.json"
    path.write_bytes(record_bytes(categories, kind))
    return path
