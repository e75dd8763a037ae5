"""Write tests/data/booth_vectors.json: known answers of the Python implementation, with fixed
randomness, that the booth's JavaScript (awards/static/booth/sealed.js) must reproduce exactly
(tests/sealed/test_booth_vectors.py runs them in Chromium and in node). Deterministic: the test
regenerates the file and compares it byte for byte with the committed one.

    .venv/bin/python scripts/booth_vectors.py [--out FILE]
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

from ballots.sealed.board import receipt, seal
from ballots.sealed.encoding import encode, layout
from ballots.sealed.group import EMBED_BYTES, NotAPoint, Point, base, embed, hash_to_scalar

OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "booth_vectors.json"
CONTEXT = {"season": "2026", "round": "final"}

STRINGS = [
    "",
    "plain",
    "最佳剧集",
    'quote " and backslash \\ and slash /',
    "".join(map(chr, range(32))) + "\x7f",
    "line\u2028separator\u2029and\ufeffBOM",
    "emoji 😀 and 𝄞",
]
CANONICAL: list[Any] = [
    *STRINGS,
    0,
    -1,
    2**53 - 1,
    -(2**53) + 1,
    True,
    False,
    None,
    [],
    {},
    [1, [2, [3, []]], "x"],
    {"b": 1, "a": [True, None], "A": {"z": "最", "y": ""}},
    # Python sorts keys by code point, JavaScript by UTF-16 unit: these two differ.
    {"😀": 1, "\uff01": 2, "z": 3, "é": 4, "中": 5},
    {s: i for i, s in enumerate(STRINGS)},
]


def nominees(prefix: str, count: int) -> list[dict[str, str]]:
    return [{"id": f"{prefix}{i:03d}"} for i in range(count)]


def categories() -> list[dict[str, Any]]:
    """(name, configuration entry, isolated, contents): approval over 330 with isolated
    nominees, ranked, score, and the edge widths."""
    big = nominees("n", 330)
    score = {"method": "score_mean", "nominees": nominees("s", 12), "score_min": 1}
    return [
        {
            "category": "best-drama",
            "entry": {"method": "approval", "nominees": big, "max_choices": 330},
            "isolated": ["n007", "n200", "n329"],
            "contents": [
                {"approve": ["n000", "n007", "n238", "n239", "n329"]},
                {"approve": [n["id"] for n in big]},
                {"approve": []},
                {"abstain": True},
            ],
        },
        {
            "category": "approval-239",  # 1 + 239 bits: exactly one full part
            "entry": {"method": "approval", "nominees": nominees("a", 239)},
            "isolated": [],
            "contents": [{"approve": ["a000", "a238"]}],
        },
        {
            "category": "best-actor",
            "entry": {"method": "schulze", "nominees": nominees("r", 20)},
            "isolated": [],
            "contents": [
                {"ranking": ["r019", "r000", "r007"]},
                {"ranking": [f"r{i:03d}" for i in reversed(range(20))]},
                {"abstain": True},
            ],
        },
        {
            "category": "irv-100",  # 7 bits a place: places split across parts
            "entry": {"method": "irv", "nominees": nominees("i", 100)},
            "isolated": [],
            "contents": [{"ranking": [f"i{i:03d}" for i in range(0, 100, 3)]}],
        },
        {
            "category": "best-score",
            "entry": {**score, "score_max": 10},
            "isolated": ["s003"],
            "contents": [{"scores": {"s000": 1, "s003": 10, "s011": 7}}, {"abstain": True}],
        },
        {
            "category": "wide-score",
            "entry": {**score, "score_min": -1000, "score_max": 1000},
            "isolated": [],
            "contents": [{"scores": {"s000": -1000, "s005": 1000, "s011": 0}}],
        },
    ]


def refused() -> list[dict[str, Any]]:
    """Inputs the Python encoding refuses (raises for), which the JavaScript must refuse too."""
    approval = {"method": "approval", "nominees": nominees("a", 5)}
    ranked = {"method": "borda", "nominees": nominees("b", 5)}
    score = {"method": "score_mean", "nominees": nominees("s", 3), "score_min": 1, "score_max": 5}
    cases = [
        (approval, ["a009"], None),
        (approval, ["a001", "a001"], None),
        (ranked, ["b001"], None),
        ({"method": "plurality", "nominees": nominees("p", 2)}, [], None),
        ({**score, "score_min": 1, "score_max": 2**240}, [], None),
        (approval, [], {"approve": ["a009"]}),
        (ranked, [], {"ranking": ["b009"]}),
        (score, [], {"scores": {"s001": 9}}),
        (score, [], {"scores": {"s001": "3"}}),
        (score, [], {"scores": {"s009": 3}}),
    ]
    found = []
    for entry, isolated, content in cases:
        try:
            encode(layout(entry, isolated), content or {"abstain": True})
        except (ValueError, TypeError):
            found.append(
                {"entry": entry, "isolated": isolated, "content": content or {"abstain": True}}
            )
            continue
        raise AssertionError(f"Python takes {entry, isolated, content}")
    return found


def layout_json(entry: dict[str, Any], isolated: list[str]) -> list[list[list[Any]]]:
    return [[[s.key, s.bits] for s in part] for part in layout(entry, isolated).parts]


def embed_case(data: bytes) -> dict[str, Any]:
    point = embed(data)
    k = point.to_bytes()[-1]
    return {"data": data.hex(), "k": k, "point": point.hex()}


def needing_k(count: int) -> list[bytes]:
    """Data whose least k is above 0 (and one above 3), found by trying in a fixed order."""
    found: list[bytes] = []
    for i in range(1000):
        data = hashlib.sha256(f"embed {i}".encode()).digest()[:EMBED_BYTES]
        try:
            Point.from_bytes(b"\x02\x00" + data + b"\x00")
        except NotAPoint:
            if len(found) < count or embed(data).to_bytes()[-1] > 3:
                found.append(data)
        if len(found) > count:
            break
    return found


class Draws:
    """The fixed randomness: scalars hashed from a counter, logged as seal draws them."""

    def __init__(self, label: str) -> None:
        self.label, self.drawn = label, []

    def __call__(self) -> int:
        k = hash_to_scalar("booth-vectors/rng", self.label, len(self.drawn))
        self.drawn.append(k)
        return k


def sealed(key: Point) -> list[dict[str, Any]]:
    cases = []
    for category in categories():
        lay = layout(category["entry"], category["isolated"])
        for number, content in enumerate(category["contents"][:2]):
            recused = category["isolated"][: number + 1] if category["isolated"] else []
            draws = Draws(f"{category['category']} {number}")
            tracker = hashlib.sha256(draws.label.encode()).hexdigest()[:32]
            entry = seal(
                key, lay, content, CONTEXT, category["category"], tracker, draws, None, recused
            )
            pairs = [
                {"r": f"{r:064x}", "w": f"{w:064x}"}
                for r, w in zip(draws.drawn[::2], draws.drawn[1::2], strict=True)
            ]
            cases.append(
                {
                    "category": category["category"],
                    "entry": category["entry"],
                    "isolated": category["isolated"],
                    "recused": recused,
                    "tracker": tracker,
                    "content": content,
                    "randomness": pairs,
                    "sealed": entry.to_json(),
                    "receipt": receipt(category["category"], entry.to_json()),
                }
            )
    return cases


def build() -> dict[str, Any]:
    key = base(hash_to_scalar("booth-vectors/key"))
    data = [bytes(EMBED_BYTES), b"\xff" * EMBED_BYTES, bytes(range(EMBED_BYTES)), *needing_k(4)]
    return {
        "format": "awards-booth-vectors/1",
        "election_key": key.hex(),
        "context": CONTEXT,
        "canonical": [
            {
                "value": v,
                "json": json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            }
            for v in CANONICAL
        ],
        "hash_to_scalar": [
            {"domain": d, "values": v, "scalar": f"{hash_to_scalar(d, *v):064x}"}
            for d, v in [
                ("awards-sealed/1/ballot", []),
                ("awards-sealed/1/ballot", [CONTEXT, [["02" * 33]], "最"]),
                ("x", [None, True, 0, -5, {"b": [], "a": {}}]),
            ]
        ],
        "embed": [embed_case(d) for d in data],
        "layouts": [
            {
                "entry": c["entry"],
                "isolated": c["isolated"],
                "parts": layout_json(c["entry"], c["isolated"]),
            }
            for c in categories()
        ],
        "encodings": [
            {
                "entry": c["entry"],
                "isolated": c["isolated"],
                "content": content,
                "parts": [
                    p.hex()[4:64] for p in encode(layout(c["entry"], c["isolated"]), content)
                ],
            }
            for c in categories()
            for content in c["contents"]
        ],
        "sealed": sealed(key),
        "refused": refused(),
    }


def write(path: Path) -> None:
    path.write_text(json.dumps(build(), indent=1, ensure_ascii=True) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT)
    write(parser.parse_args(argv).out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
