"""A ballot's content as points of the group, and back (the spec's "The ballot encoding").

A category's ballot is a row of *slots*, small unsigned integers, with one meaning each:

    every method    slot "abstain", 1 bit: 1 for {"abstain": true}
    approval        one slot per nominee, 1 bit: approved
    score methods   one slot per nominee, bit_length(max - min + 1) bits: 0 not scored, else
                    score - min + 1
    ranked methods  one slot per place, bit_length(m) bits: 0 empty, else 1 + the position in
                    the configuration of the nominee at that place (m places, m nominees)

The slots are packed, most significant bit first, into *parts* of 240 bits (30 bytes), one point
each (`group.embed`): part 0 starts with the abstain slot, then every slot in order, a slot never
split across two parts; *isolated* nominees (approval and score only) get a part of their own,
after the others, in configuration order. A part for an isolated nominee is what a sealed round
can replace, before the shuffle, with a public "no opinion" ciphertext where a juror is recused
from that nominee alone (the browser booth's need); a plain round isolates nobody's.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from ballots.content import RANKED, SCORED
from ballots.sealed.group import EMBED_BYTES, Point, embed, unembed

PART_BITS = EMBED_BYTES * 8


@dataclass(frozen=True)
class Slot:
    key: str
    """"abstain", a nominee id (approval, scores) or "place <k>" (ranked, from 1)."""
    bits: int


@dataclass(frozen=True)
class Layout:
    method: str
    nominees: tuple[str, ...]
    score_min: int
    parts: tuple[tuple[Slot, ...], ...]

    @property
    def width(self) -> int:
        return len(self.parts)

    # What every ballot of the layout needs, worked out once (a cast seals a dozen of them).
    @cached_property
    def keys(self) -> frozenset[str]:
        return frozenset(s.key for part in self.parts for s in part)

    @cached_property
    def empty(self) -> dict[str, int]:
        return dict.fromkeys(self.keys, 0)

    @cached_property
    def position(self) -> dict[str, int]:
        return {n: i for i, n in enumerate(self.nominees)}


class EncodingError(ValueError):
    """A content or a layout the encoding cannot take. Its message never names a nominee or a
    value: it may reach a log from a cast, where nothing of a ballot may go."""


def layout_entry(category: dict[str, Any]) -> dict[str, Any]:
    """What a booth needs of a configuration's category to make its layout and check its ballot:
    the method, the nominees' ids in the configuration's order, max_choices (where set) and the
    score range (score methods). The booth's layout document and its challenge carry it."""
    entry: dict[str, Any] = {
        "method": category["method"],
        "nominees": [{"id": n["id"]} for n in category["nominees"]],
    }
    if category.get("max_choices") is not None:
        entry["max_choices"] = category["max_choices"]
    if category["method"] in SCORED:
        entry["score_min"], entry["score_max"] = category["score_min"], category["score_max"]
    return entry


def layout(entry: dict[str, Any], isolated: Sequence[str] = ()) -> Layout:
    """The layout of a configuration's category entry (method, nominees, score range)."""
    method = entry["method"]
    nominees = tuple(n["id"] for n in entry["nominees"])
    if set(isolated) - set(nominees) or len(set(isolated)) != len(isolated):
        raise EncodingError("isolated nominees must be distinct nominees of the category")
    if isolated and method in RANKED:
        raise EncodingError("a ranked category recuses a juror from all of it: none is isolated")
    if method == "approval":
        slots = [Slot(n, 1) for n in nominees]
    elif method in SCORED:
        width = (entry["score_max"] - entry["score_min"] + 1).bit_length()
        slots = [Slot(n, width) for n in nominees]
    elif method in RANKED:
        width = len(nominees).bit_length()
        slots = [Slot(f"place {k}", width) for k in range(1, len(nominees) + 1)]
    else:
        raise EncodingError(f"unknown method {method}")
    if any(s.bits > PART_BITS for s in slots):
        raise EncodingError("a score range too wide for one part")
    alone = set(isolated)
    parts: list[list[Slot]] = [[Slot("abstain", 1)]]
    for slot in slots:
        if slot.key in alone:
            continue
        if sum(s.bits for s in parts[-1]) + slot.bits > PART_BITS:
            parts.append([])
        parts[-1].append(slot)
    parts.extend([s] for s in slots if s.key in alone)
    return Layout(method, nominees, entry.get("score_min", 0), tuple(map(tuple, parts)))


def encode(lay: Layout, content: dict[str, Any]) -> list[Point]:
    """The points of a valid ballot content (casting checked it first)."""
    values = _values(lay, content)
    return [embed(_pack(part, values)) for part in lay.parts]


def decode(lay: Layout, points: Sequence[Point | None]) -> dict[str, Any] | None:
    """The content the points carry; None for points that carry no content under the layout:
    a part that carries no data, padding or a slot value beyond its meaning, a ranking with a
    gap, an abstention with anything else marked. A content that decodes may still be invalid
    (a ranking naming one nominee twice): the record's rules judge it."""
    if len(points) != lay.width:
        return None
    values: dict[str, int] = {}
    for part, point in zip(lay.parts, points, strict=True):
        data = None if point is None else unembed(point)  # None: the point at infinity
        if data is None:
            return None
        number = int.from_bytes(data, "big")
        used = sum(s.bits for s in part)
        if number & ((1 << (PART_BITS - used)) - 1):
            return None  # padding bits set
        number >>= PART_BITS - used
        for slot in reversed(part):
            values[slot.key] = number & ((1 << slot.bits) - 1)
            number >>= slot.bits
    return _content(lay, values)


def _values(lay: Layout, content: dict[str, Any]) -> dict[str, int]:
    values = dict(lay.empty)
    if content == {"abstain": True}:
        values["abstain"] = 1
    elif lay.method == "approval":
        for nominee in content["approve"]:
            values[nominee] = 1
    elif lay.method in SCORED:
        for nominee, score in content["scores"].items():
            values[nominee] = score - lay.score_min + 1
    else:
        for place, nominee in enumerate(content["ranking"], start=1):
            if nominee not in lay.position:
                raise EncodingError("the content names what is not on the ballot")
            values[f"place {place}"] = lay.position[nominee] + 1
    if len(values) != len(lay.keys):
        raise EncodingError("the content names what is not on the ballot")
    return values


def _pack(part: Sequence[Slot], values: dict[str, int]) -> bytes:
    number = used = 0
    for slot in part:
        value = values[slot.key]
        if value < 0 or value >> slot.bits:
            raise EncodingError("a value does not fit its slot")
        number = (number << slot.bits) | value
        used += slot.bits
    return (number << (PART_BITS - used)).to_bytes(EMBED_BYTES, "big")


def _content(lay: Layout, values: dict[str, int]) -> dict[str, Any] | None:
    abstain = values.pop("abstain")
    if abstain:
        return {"abstain": True} if not any(values.values()) else None
    if lay.method == "approval":
        return {"approve": sorted(n for n in lay.nominees if values[n])}
    if lay.method in SCORED:
        return {"scores": {n: v - 1 + lay.score_min for n, v in values.items() if v}}
    ranking: list[str] = []
    for place in range(1, len(lay.nominees) + 1):
        value = values[f"place {place}"]
        if value == 0:
            if any(values[f"place {k}"] for k in range(place + 1, len(lay.nominees) + 1)):
                return None  # a gap
            break
        if value > len(lay.nominees):
            return None
        ranking.append(lay.nominees[value - 1])
    return {"ranking": ranking}
