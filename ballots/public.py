"""The public record (docs/election-record.md, "The public record"): what each category's
disclosure level lets everyone have of a closed round, written at close beside the record and
the results and sealed with them.

A category shown in `full` is kept whole (ballots, Merkle root, its results entry), so that
anyone can recount it and check it against the configuration published at opening. The others
keep their configuration and the results their level allows, and are marked `withheld`: no
ballots, and no Merkle root either, which with the public trackers of a `counts` category and
the few contents a small ballot can hold could be searched for the ballots themselves. A
category with fewer valid ballots than the small-jury threshold is shown as `winners`, whatever
its level: with one ballot, a Borda ranking is that juror's ballot.

`public_document` makes the file from the full record and results (byte for byte, so the
auditor can remake it); `check_public` is what anyone can check of it alone; `verify_with_public`
is the auditor's check that it is exactly what the record and results give.
"""

import json
from dataclasses import dataclass
from typing import Any

from ballots.canonical import canonical_json, gc_paused, sha256_hex
from ballots.config import category_mismatches, header_mismatches
from ballots.record import (
    CategoryRecord,
    ElectionRecord,
    RecordError,
    is_sealed,
    load_json,
    parse_record,
)
from ballots.schema import FORMAT_1, PUBLIC_FORMAT, public_record_problems
from ballots.tally import count_category
from ballots.verify import Check, Failure, check_record, result_failures, verify

LEVELS = ("winners", "ranking", "counts", "full")
"""From the least shown to the most."""
COUNTED = ("participants", "recused", "ballots", "merkle_root")
"""A record category's keys beyond its configuration's: what a withheld category leaves out."""
SHOWN_KEYS = ("shown", "withheld", "results")
COUNTS_KEYS = ("participants", "recused", "trackers")
"""What the `counts` level adds to a withheld category: the turnout, recusals and trackers that
the public results page shows with its values."""
RESULT_KEYS = {
    "counts": ("method", "valid", "abstentions", "quorum_met", "ranking", "winners", "details"),
    "ranking": ("method", "quorum_met", "ranking", "winners"),
    "winners": ("method", "quorum_met", "winners"),
}
RANKED_KEYS = ("nominee", "rank", "by_lot")
"""A place in a `ranking` category's ranking: no value."""
WHERE = "public record"


def shown_level(disclosure: str, valid: int, threshold: int) -> str:
    """What a category may show: its disclosure level, or only its winners below the small-jury
    threshold (`threshold` valid ballots)."""
    if valid < threshold or disclosure not in LEVELS:
        return "winners"
    return disclosure


def _allowed_results(level: str, result: dict[str, Any]) -> dict[str, Any]:
    if level == "full":
        return result
    allowed = {key: result[key] for key in RESULT_KEYS[level]}
    if level == "counts" and "invalid" in result:  # a sealed round's, only where there are any
        allowed["invalid"] = result["invalid"]
    if level == "ranking":
        allowed["ranking"] = [{key: p[key] for key in RANKED_KEYS} for p in result["ranking"]]
    if level == "winners":  # in rank order, the winners would tell part of the ranking
        allowed["winners"] = sorted(result["winners"])
    return allowed


def public_category(
    category: CategoryRecord, result: dict[str, Any], threshold: int, configured: set[str]
) -> dict:
    """A category as the public record holds it; `configured`: the keys of its configuration
    entry, all that a withheld category keeps of the record's (with the record's nominees)."""
    level = shown_level(category.disclosure, result["valid"], threshold)
    if level == "full":
        kept = dict(category.raw)
    else:
        kept = {k: v for k, v in category.raw.items() if k in configured and k not in COUNTED}
    if level == "counts":
        kept |= {
            "participants": category.participants,
            "recused": category.recused,
            "trackers": [b.tracker for b in category.ballots],
        }
    return {
        **kept,
        "shown": level,
        "withheld": level != "full",
        "results": _allowed_results(level, result),
    }


def public_document(record: ElectionRecord, results_data: bytes, threshold: int) -> bytes:
    """The public record's bytes (canonical JSON) from a format 2 record and its results file."""
    if record.config is None:
        raise ValueError("a public record is made from a format 2 record (with its config)")
    results = json.loads(results_data)
    configured = {c["id"]: set(c) for c in record.config["categories"]}
    return canonical_json(
        {
            "format": PUBLIC_FORMAT,
            "record_sha256": record.sha256,
            "results_sha256": sha256_hex(results_data),
            "small_jury_threshold": threshold,
            "season": record.season,
            "round": record.round,
            "config": record.config,
            "categories": [
                public_category(category, result, threshold, configured.get(category.id, set()))
                for category, result in zip(record.categories, results["categories"], strict=True)
            ],
        }
    )


@dataclass(frozen=True)
class PublicCheck:
    failures: list[Failure]
    recounted: list[str]
    """The ids of the categories recounted (those shown in full)."""
    withheld: list[str]


def check_public(data: bytes) -> PublicCheck:
    """Every check anyone can make of a public record alone: its strict reading, the published
    configuration's hash and each category's agreement with it, every record check and the
    recount of each category shown in full, and that each withheld category holds what its
    level allows and is consistent. Never raises."""
    with gc_paused():
        try:
            raw = load_json(data, WHERE)
        except RecordError as exc:
            return PublicCheck([Failure(w, Check.FORMAT, what) for w, what in exc.problems], [], [])
        if problems := public_record_problems(raw):
            return PublicCheck([Failure(w, Check.FORMAT, what) for w, what in problems], [], [])
        return _check_public(raw)


def _check_public(raw: dict[str, Any]) -> PublicCheck:
    config, categories = raw["config"], raw["categories"]
    failures = [
        Failure(where, Check.CONFIG, what)
        for where, what in header_mismatches(config, raw["season"], raw["round"])
    ]
    published = {c["id"]: c for c in config["categories"]}
    if list(published) != [c["id"] for c in categories]:
        failures.append(
            Failure(WHERE, Check.CONFIG, "the categories are not the published configuration's")
        )
    for category in categories:
        if (entry := published.get(category["id"])) is not None:
            failures.extend(
                Failure(where, Check.CONFIG, what)
                for where, what in category_mismatches(entry, category)
            )
            failures.extend(_level_failures(category, entry, is_sealed(raw["round"])))
    full = [c for c in categories if c["shown"] == "full"]
    failures.extend(_recount_failures(raw, full))
    return PublicCheck(
        failures,
        [c["id"] for c in full],
        [c["id"] for c in categories if c["shown"] != "full"],
    )


def _recount_failures(raw: dict[str, Any], full: list[dict[str, Any]]) -> list[Failure]:
    """The categories shown in full, read as a record of their own (format 1: the configuration
    is checked above), checked as `verify` checks a record, and recounted."""
    record = parse_record(
        canonical_json(
            {
                "format": FORMAT_1,
                "season": raw["season"],
                "round": raw["round"],
                "categories": [{k: v for k, v in c.items() if k not in SHOWN_KEYS} for c in full],
            }
        )
    )
    failures = check_record(record)
    if any(f.check == Check.BALLOT for f in failures):
        return failures  # nothing to recount
    threshold = raw["small_jury_threshold"]
    for category, shown in zip(record.categories, full, strict=True):
        recount = count_category(category, record.seed).to_json()
        given = shown["results"]
        if given.get("id") != category.id:
            failures.append(Failure(f"results, category {category.id}", Check.TALLY, "id differs"))
        failures.extend(result_failures(given, recount))
        if recount["valid"] < threshold:
            failures.append(
                Failure(
                    f"category {category.id}",
                    Check.PUBLIC,
                    "shown in full with fewer valid ballots than the small-jury threshold",
                )
            )
    return failures


def _level_failures(category: dict, entry: dict, sealed: bool) -> list[Failure]:
    """A category's level against its disclosure, and a withheld category's contents against
    what its level allows (`sealed`: of a sealed round, whose counts may say `invalid`)."""
    where, shown = f"category {category['id']}", category["shown"]
    found = []
    if category["withheld"] is not (shown != "full"):
        found.append("withheld is not what the level shown says")
    if shown not in (category["disclosure"], "winners"):
        found.append(f"shown as {shown}, more than its disclosure level allows")
    if shown != "full":
        allowed = {*entry, *SHOWN_KEYS, *(COUNTS_KEYS if shown == "counts" else ())}
        found.extend(
            f"{key} is not public at level {shown}" for key in category if key not in allowed
        )
        found.extend(_withheld_results(category, shown, sealed))
    return [Failure(where, Check.PUBLIC, what) for what in found]


def _withheld_results(category: dict, shown: str, sealed: bool) -> list[str]:
    """What a withheld category's results entry may hold, and that it holds it consistently."""
    result, nominees = category["results"], [n["id"] for n in category["nominees"]]
    optional = ("invalid",) if sealed and shown == "counts" and "invalid" in result else ()
    if sorted(result) != sorted((*RESULT_KEYS[shown], *optional)):
        return [f"the results hold other fields than level {shown} shows"]
    found = []
    winners = result["winners"]
    if result["method"] != category["method"]:
        found.append("the results' method is not the category's")
    if type(result["quorum_met"]) is not bool:
        found.append("quorum_met is not true or false")
    if (
        type(winners) is not list
        or not set(nominees).issuperset(w for w in winners if type(w) is str)
        or not all(type(w) is str for w in winners)
        or len(set(winners)) != len(winners)
        or len(winners) > category["winners"]
        or (winners and result["quorum_met"] is not True)
    ):
        return [*found, "the winners are not possible"]
    if shown == "winners":
        if winners != sorted(winners):
            found.append("the winners are not in ascending order of id")
        return found
    ranking = result["ranking"]
    keys = (*RANKED_KEYS, "value") if shown == "counts" else RANKED_KEYS
    if (
        type(ranking) is not list
        or not all(type(p) is dict and sorted(p) == sorted(keys) for p in ranking)
        or not all(type(p["nominee"]) is str for p in ranking)
        or sorted(p["nominee"] for p in ranking) != sorted(nominees)
        or [p["rank"] for p in ranking] != list(range(1, len(ranking) + 1))
        or [p["nominee"] for p in ranking[: len(winners)]] != winners
    ):
        return [*found, "the ranking is not possible"]
    invalid = result.get("invalid", 0)
    if shown == "counts" and not (
        type(result["valid"]) is int
        and type(result["abstentions"]) is int
        and type(invalid) is int
        and min(result["valid"], result["abstentions"]) >= 0
        and (invalid > 0 or "invalid" not in result)
        and result["valid"] + result["abstentions"] + invalid == category["participants"]
        and category["participants"] <= category["eligible_jurors"]
        and len(category["trackers"]) == category["participants"]
        and category["trackers"] == sorted(set(category["trackers"]))
    ):
        found.append("the counts, participants and trackers do not agree")
    return found


def verify_with_public(
    record_bytes: bytes, results_bytes: bytes, public_bytes: bytes
) -> list[Failure]:
    """The auditor's `verify` of a record and its results, and that the public record is
    exactly what they give (so the public recounts what the auditor verified). Never raises."""
    failures = verify(record_bytes, results_bytes)
    if failures:
        return failures  # remade from files that fail, the public record would prove nothing
    try:
        threshold = load_json(public_bytes, WHERE).get("small_jury_threshold")
    except (RecordError, AttributeError):
        threshold = None
    with gc_paused():
        record = parse_record(record_bytes)
        if type(threshold) is not int or record.config is None:
            return [Failure(WHERE, Check.PUBLIC, "not a public record of this record")]
        if public_document(record, results_bytes, threshold) != public_bytes:
            return [Failure(WHERE, Check.PUBLIC, "is not what the record and the results give")]
    return []
