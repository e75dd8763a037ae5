"""The encrypted ballot box of a sealed round, as casting uses it: the election key, the round's
context and each category's layout, all fixed at opening.

The server checks a juror's plaintext ballot in memory, as in a plain round, then stores only
what `seal_contents` makes of it: per category, the ciphertexts of the ballot's encoding with a
proof bound to the round, the category and the tracker (`ballots.sealed.board`). Nothing of the
plaintext is written anywhere.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ballots.canonical import canonical_json
from ballots.content import RANKED
from ballots.sealed.board import seal
from ballots.sealed.encoding import Layout, layout
from ballots.sealed.group import Point


@dataclass(frozen=True)
class Box:
    key: Point
    context: dict[str, str]
    """{"season", "round"}: the ids of the configuration, which every proof is bound to."""
    layouts: dict[str, Layout]
    """By category id (code), in the configuration's order."""
    isolated: dict[str, list[str]]
    """By category id: the nominees with a part of their own (`ballots.sealed.encoding`)."""


def round_context(config: Mapping[str, Any]) -> dict[str, str]:
    return {"season": config["season"]["id"], "round": config["round"]["id"]}


def isolated_nominees(entry: Mapping[str, Any], recused: set[str]) -> list[str]:
    """An approval or score category gives each nominee some juror is recused from a part of
    its own, in configuration order; a ranked category none (its recused jurors do not vote)."""
    if entry["method"] in RANKED:
        return []
    return [n["id"] for n in entry["nominees"] if n["id"] in recused]


def box(config: Mapping[str, Any], election_key: str, recused: set[str]) -> Box:
    """`recused`: the ids of the nominees that a recusal frozen at opening names."""
    isolated = {c["id"]: isolated_nominees(c, recused) for c in config["categories"]}
    return Box(
        Point.from_hex(election_key),
        round_context(config),
        {c["id"]: layout(c, isolated[c["id"]]) for c in config["categories"]},
        isolated,
    )


def seal_contents(
    sealed: Box,
    codes: Mapping[int, str],
    contents: Mapping[int, Mapping[str, Any]],
    trackers: Mapping[int, str],
) -> dict[int, str]:
    """What the box stores for each category (by id; `codes` gives each its code): the
    canonical JSON of the encrypted ballot and its proof."""
    stored = {}
    for category_id, content in contents.items():
        code = codes[category_id]
        entry = seal(
            sealed.key,
            sealed.layouts[code],
            dict(content),
            sealed.context,
            code,
            trackers[category_id],
        )
        stored[category_id] = canonical_json(entry.sealed()).decode()
    return stored
