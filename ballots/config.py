"""The configuration published when a round opens, and a record's agreement with it (format 2).

Opening a round publishes SHA-256 of the canonical JSON of its configuration: the season, the
round's id, name and kind, and each category as the ballot offers it and as it is counted (its
nominees with their display details). A format 2 record carries that configuration, so that
anyone can recompute the published hash, and see that the categories counted are the ones the
jurors were offered: the same, in the same order, with the same rules and nominees.
"""

from typing import Any

from ballots.canonical import canonical_json, sha256_hex
from ballots.record import ElectionRecord
from ballots.schema import SETTINGS

# What a record category must share with its configuration entry (with the method's settings).
AGREED = ("name", "method", "winners", "quorum", "disclosure", "eligible_jurors")


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON: by type, so that 1, 1.0 and true stay three values."""
    return canonical_json(a) == canonical_json(b)


def config_mismatches(record: ElectionRecord) -> list[tuple[str, str]]:
    """(where, what) for each way a format 2 record departs from its configuration; [] for a
    format 1 record, which has none."""
    config = record.config
    if config is None:
        return []
    found = header_mismatches(config, record.season, record.round)
    published = {c["id"]: c for c in config["categories"]}
    if list(published) != [c.id for c in record.categories]:
        found.append(
            ("record", "the categories are not the published configuration's, in its order")
        )
    for category in record.categories:
        entry = published.get(category.id)
        if entry is not None:
            found.extend(category_mismatches(entry, category.raw))
    return found


def header_mismatches(
    config: dict[str, Any], season: Any, round_: dict[str, Any]
) -> list[tuple[str, str]]:
    """The configuration's hash, season and round against those of a record (or of a public
    record, which carries the same three)."""
    found = []
    if sha256_hex(canonical_json(config)) != round_["config_sha256"]:
        found.append(("round", "the configuration does not match its published SHA-256"))
    if not _same(config["season"], season):
        found.append(("season", "differs from the published configuration"))
    for key in ("id", "name", "kind"):
        if not _same(config["round"][key], round_[key]):
            found.append(("round", f"{key} differs from the published configuration"))
    return found


def category_mismatches(entry: dict[str, Any], raw: dict[str, Any]) -> list[tuple[str, str]]:
    """A category as read (`raw`, its fields checked) against its configuration entry: the
    rules it is counted by and its nominees' (id, label), in order."""
    where = f"category {raw['id']}"
    found = []
    for key in (*AGREED, *SETTINGS.get(raw["method"], ())):
        if key not in entry or not _same(entry[key], raw[key]):
            found.append((where, f"{key} differs from the published configuration"))
    offered = [(n["id"], n["label"]) for n in entry["nominees"]]
    if offered != [(n["id"], n["label"]) for n in raw["nominees"]]:
        found.append((where, "the nominees differ from the published configuration"))
    return found
