"""The fields of an election record and their JSON types: what strict reading checks.

Integers are JSON integers (Python `int`, never `bool` or `float`: `1.0` and `true` are not 1),
ids are strings of [A-Za-z0-9._-]{1,64} (so an id is always a safe file name), the seed and
hashes are 64 lowercase hex digits, and each method's settings are present as integers. Every
problem is collected as (where, what), so that a reader sees all of them at once.

Keys the spec does not define are tolerated, so that other programs may add their own (a
nominee's display details, say): the seal's hash covers them, and counting never reads them.
The exception is a ballot, which holds a tracker and a content and nothing else: the Merkle
root commits to nothing more, and nothing more may ride along that could name a juror.

Whether a ballot's content is valid is not a question of reading: a record with an invalid
ballot is a record, which fails verification with the ballot named (see `ballots.verify`).
"""

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from itertools import repeat
from operator import contains, itemgetter
from typing import Any

from ballots.content import RANKED, SCORED

ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEX64_RE = re.compile(r"[0-9a-f]{64}")
METHODS = ("approval", *sorted(RANKED), *sorted(SCORED))  # in the spec's order
DISCLOSURES = ("full", "counts", "ranking", "winners")
KINDS = ("nomination", "final")
# Beyond this many per category, bad ballots are counted rather than each named: a crafted
# million-ballot record should not print a million lines.
NAMED_BALLOTS = 20

Problems = list[tuple[str, str]]
Check = Callable[[Any], str | None]  # what is wrong with a value, or None


def _string(value: Any) -> str | None:
    return None if type(value) is str else "is not a string"


def _id(value: Any) -> str | None:
    if type(value) is str and ID_RE.fullmatch(value):
        return None
    return "is not an id ([A-Za-z0-9._-], 1 to 64)"


def _hex64(value: Any) -> str | None:
    if type(value) is str and HEX64_RE.fullmatch(value):
        return None
    return "is not 64 lowercase hex digits"


def _time(value: Any) -> str | None:
    if value is None:
        return None
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return "is not a time (ISO 8601) or null"
    return None


def _whole(minimum: int | None = None) -> Check:
    def check(value: Any) -> str | None:
        if type(value) is not int:
            return "is not a whole number"
        if minimum is not None and value < minimum:
            return f"is below {minimum}"
        return None

    return check


def _one_of(choices: tuple[str, ...]) -> Check:
    def check(value: Any) -> str | None:
        if type(value) is str and value in choices:
            return None
        return f"is not one of {', '.join(choices)}"

    return check


def _typed(kind: type, name: str) -> Check:
    def check(value: Any) -> str | None:
        return None if type(value) is kind else f"is not {name}"

    return check


_object, _list, _integer = _typed(dict, "an object"), _typed(list, "a list"), _whole()

SEASON = {"id": _id, "name": _string}
ROUND = {"id": _id, "name": _string, "kind": _one_of(KINDS)}
ROUND_TIMES = {"opened_at": _time, "closed_at": _time}
TIE_BREAK = {"seed": _hex64, "seed_sha256": _hex64}
AUDIT_HEADS = {"audit_head_at_open": _hex64, "audit_head_at_close": _hex64}
CATEGORY = {
    "id": _id,
    "name": _string,
    "method": _one_of(METHODS),
    "winners": _whole(0),
    "quorum": _whole(0),
    "disclosure": _one_of(DISCLOSURES),
    "eligible_jurors": _whole(0),
    "nominees": _list,
}
COUNTED = {"participants": _whole(0), "recused": _object, "ballots": _list, "merkle_root": _hex64}
SETTINGS = {
    "approval": {"max_choices": _whole(1)},
    "score_mean": {"score_min": _integer, "score_max": _integer},
    "score_trimmed_mean": {"score_min": _integer, "score_max": _integer, "trim": _whole(0)},
}
NOMINEE = {"id": _id, "label": _string}


FORMAT_1, FORMAT_2 = "awards-election-record/1", "awards-election-record/2"
FORMATS = {FORMAT_1: 1, FORMAT_2: 2}
PARTS = {"season": _object, "round": _object, "categories": _list}


def record_problems(raw: Any) -> Problems:
    """Every problem of a record's fields (not of its ballots' contents); [] when it reads."""
    if type(raw) is not dict or "format" not in raw:
        return [("record", "not an election record (a JSON object with a format)")]
    version = FORMATS.get(raw["format"]) if type(raw["format"]) is str else None
    if version is None:
        return [("record", "format is not a known election record format")]
    problems: Problems = []
    round_fields = ROUND | ROUND_TIMES | {"tie_break": _object} | AUDIT_HEADS
    if version == 2:
        round_fields |= {"config_sha256": _hex64}
    _check_parts(raw, "record", "", round_fields, problems, counted=True)
    if version == 2 and _check_fields(raw, "record", {"config": _object}, problems):
        _check_parts(raw["config"], "config", "config, ", ROUND, problems, counted=False)
    return problems


def _check_parts(
    raw: dict,
    where: str,
    prefix: str,
    round_fields: Mapping[str, Check],
    problems: Problems,
    *,
    counted: bool,
    category_check: Callable[[Any, str, Problems], None] | None = None,
) -> None:
    """The season, the round and the categories, of the record or of the configuration it
    publishes (format 2: the round's name and kind, the categories without ballots), or of a
    public record (`category_check`: how its categories read)."""
    _check_fields(raw, where, PARTS, problems)
    if type(raw.get("season")) is dict:
        _check_fields(raw["season"], prefix + "season", SEASON, problems)
    if type(raw.get("round")) is dict:
        _check_fields(raw["round"], prefix + "round", round_fields, problems)
        if "tie_break" in round_fields and type(raw["round"].get("tie_break")) is dict:
            _check_fields(raw["round"]["tie_break"], prefix + "round", TIE_BREAK, problems)
    if type(raw.get("categories")) is list:
        seen: set[str] = set()
        for index, category in enumerate(raw["categories"]):
            at = _category_where(category, index, prefix)
            if category_check is None:
                _check_category(category, at, problems, counted=counted)
            else:
                category_check(category, at, problems)
            if type(category) is dict and _id(category.get("id")) is None:
                if category["id"] in seen:
                    problems.append((at, "the id is used by another category"))
                seen.add(category["id"])


def _check_fields(raw: Any, where: str, fields: Mapping[str, Check], problems: Problems) -> bool:
    """Check the named fields of an object; True when the object and all of them are good."""
    if type(raw) is not dict:
        problems.append((where, "not an object"))
        return False
    good = True
    for name, check in fields.items():
        if name not in raw:
            problems.append((where, f"{name} is missing"))
            good = False
        elif what := check(raw[name]):
            problems.append((where, f"{name} {what}"))
            good = False
    return good


def _category_where(raw: Any, index: int, prefix: str = "") -> str:
    """How a message names a category: by its id where it has a valid one, else by position."""
    if type(raw) is dict and _id(raw.get("id")) is None:
        return f"{prefix}category {raw['id']}"
    return f"{prefix}category [{index}]"


def _check_category(raw: Any, where: str, problems: Problems, *, counted: bool) -> None:
    """A category of the record (`counted`: with its participants, recusals and ballots) or of
    the configuration published at opening (format 2: without them)."""
    _check_fields(raw, where, CATEGORY | (COUNTED if counted else {}), problems)
    if type(raw) is not dict:
        return
    method = raw.get("method")
    settings = SETTINGS.get(method, {}) if type(method) is str else {}
    if (
        _check_fields(raw, where, settings, problems)
        and "score_min" in settings
        and raw["score_min"] > raw["score_max"]
    ):
        problems.append((where, "score_min is above score_max"))
    if type(raw.get("nominees")) is list:
        _check_nominees(raw["nominees"], where, problems)
    if counted and type(raw.get("recused")) is dict:
        for nominee, recused in raw["recused"].items():
            if _integer(recused):
                problems.append((where, f"recused {nominee} is not a whole number"))
    if counted and type(raw.get("ballots")) is list:
        _check_ballots(raw["ballots"], where, problems)


def _check_nominees(nominees: list, where: str, problems: Problems) -> None:
    seen: set[str] = set()
    for index, nominee in enumerate(nominees):
        if _check_fields(nominee, f"{where}, nominee [{index}]", NOMINEE, problems):
            if nominee["id"] in seen:
                problems.append((where, f"nominee {nominee['id']} is listed twice"))
            seen.add(nominee["id"])


_TRACKER = itemgetter("tracker")


def _check_ballots(ballots: list, where: str, problems: Problems) -> None:
    # The common case, a list of well-formed ballots, is checked in a few passes of C code:
    # a million ballots cost 0.2 s instead of 1 s in a Python loop.
    if (
        set(map(type, ballots)) <= {dict}
        and set(map(len, ballots)) <= {2}
        and all(map(contains, ballots, repeat("content")))
        and all(map(contains, ballots, repeat("tracker")))
        and set(map(type, map(_TRACKER, ballots))) <= {str}
    ):
        return
    named = 0
    for index, ballot in enumerate(ballots):
        at = f"{where}, ballot [{index}]"
        if type(ballot) is not dict:
            found = [(at, "not an object")]
        else:
            found = [
                (at, f"{key} is missing") for key in ("tracker", "content") if key not in ballot
            ]
            if type(ballot.get("tracker", "")) is not str:
                found.append((at, "tracker is not a string"))
            found.extend(
                (at, f"{key} is not a field of a ballot")
                for key in ballot
                if key not in ("tracker", "content")
            )
        if found:
            named += 1
            if named <= NAMED_BALLOTS:
                problems.extend(found)
    if named > NAMED_BALLOTS:
        problems.append((where, f"{named - NAMED_BALLOTS} more ballots are not well-formed"))


PUBLIC_FORMAT = "awards-public-record/1"
PUBLIC = {
    "record_sha256": _hex64,
    "results_sha256": _hex64,
    "small_jury_threshold": _whole(0),
    "config": _object,
}
SHOWN = {"shown": _one_of(DISCLOSURES), "withheld": _typed(bool, "true or false")}
SHOWN_COUNTS = {"participants": _whole(0), "recused": _object, "trackers": _list}


def public_record_problems(raw: Any) -> Problems:
    """Every problem of a public record's fields; [] when it reads. Its round is a format 2
    record's, its configuration too; each category reads as a record's where it is shown in
    full, as a configuration's (with the `counts` level's turnout and trackers) where not."""
    if type(raw) is not dict or raw.get("format") != PUBLIC_FORMAT:
        return [("public record", f"not a public record of format {PUBLIC_FORMAT}")]
    problems: Problems = []
    _check_fields(raw, "public record", PUBLIC, problems)
    round_fields = ROUND | ROUND_TIMES | {"tie_break": _object} | AUDIT_HEADS
    round_fields |= {"config_sha256": _hex64}
    _check_parts(
        raw, "public record", "", round_fields, problems, counted=True, category_check=_shown
    )
    if type(raw.get("config")) is dict:
        _check_parts(raw["config"], "config", "config, ", ROUND, problems, counted=False)
    return problems


def _shown(raw: Any, where: str, problems: Problems) -> None:
    if not _check_fields(raw, where, SHOWN | {"results": _object}, problems):
        _check_category(raw, where, problems, counted=False)
        return
    full = raw["shown"] == "full"
    _check_category(raw, where, problems, counted=full)
    if raw["shown"] == "counts" and _check_fields(raw, where, SHOWN_COUNTS, problems):
        if not all(type(t) is str for t in raw["trackers"]):
            problems.append((where, "a tracker is not a string"))
        if not all(type(n) is int for n in raw["recused"].values()):
            problems.append((where, "a recusal count is not a whole number"))
