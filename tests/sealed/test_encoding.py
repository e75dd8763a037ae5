"""A ballot's content to points and back, for every method, and what carries no content."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballots.sealed.encoding import EncodingError, decode, encode, layout
from ballots.sealed.group import embed

NOMINEES = [{"id": f"n{i:03d}", "label": f"剧 {i}"} for i in range(330)]
IDS = [n["id"] for n in NOMINEES]


def entry(method, count=330, **settings_):
    return {"method": method, "nominees": NOMINEES[:count], **settings_}


@pytest.mark.parametrize(
    ("category", "width"),
    [
        (entry("approval"), 2),  # 1 + 330 bits
        (entry("score_mean", score_min=0, score_max=10), 6),  # 4 bits a nominee
        (entry("score_trimmed_mean", score_min=0, score_max=100, trim=1), 10),  # 7 bits
        (entry("borda"), 13),  # 330 places of 9 bits
        (entry("irv", count=5), 1),
    ],
)
def test_the_width_of_a_nomination_sized_category(category, width):
    assert layout(category).width == width


@st.composite
def contents(draw):
    count = draw(st.integers(1, 40))
    method = draw(st.sampled_from(["approval", "score_mean", "borda", "schulze", "irv"]))
    lo = draw(st.integers(-5, 5))
    category = entry(method, count, score_min=lo, score_max=lo + draw(st.integers(0, 200)))
    ids = IDS[:count]
    isolated = []
    if method != "borda" and method != "schulze" and method != "irv":
        isolated = draw(st.lists(st.sampled_from(ids), unique=True, max_size=3))
    if draw(st.booleans()):
        return category, isolated, {"abstain": True}
    chosen = draw(st.lists(st.sampled_from(ids), unique=True, min_size=1))
    if method == "approval":
        return category, isolated, {"approve": sorted(chosen)}
    if method == "score_mean":
        lo, hi = category["score_min"], category["score_max"]
        return category, isolated, {"scores": {n: draw(st.integers(lo, hi)) for n in chosen}}
    return category, isolated, {"ranking": chosen}


@given(contents())
@settings(max_examples=60, deadline=None)
def test_every_valid_content_comes_back_from_its_points(case):
    category, isolated, content = case
    lay = layout(category, isolated)
    assert len(lay.parts) == lay.width == len(encode(lay, content))
    assert decode(lay, encode(lay, content)) == content


def test_an_isolated_nominee_has_a_part_of_its_own_at_the_end():
    lay = layout(entry("approval", 10), ["n003", "n007"])
    assert [[s.key for s in part] for part in lay.parts[-2:]] == [["n003"], ["n007"]]
    assert all(s.key not in ("n003", "n007") for s in lay.parts[0])
    with pytest.raises(EncodingError):
        layout(entry("borda", 10), ["n003"])
    with pytest.raises(EncodingError):
        layout(entry("approval", 10), ["elsewhere"])


def part(bits: str) -> bytes:
    return int(bits.ljust(240, "0"), 2).to_bytes(30, "big")


@pytest.mark.parametrize(
    ("method", "bits", "decoded"),
    [
        ("approval", "0101", {"approve": ["n000", "n002"]}),
        ("approval", "1000", {"abstain": True}),
        ("approval", "1100", None),  # an abstention with an approval
        ("approval", "0000" + "1", None),  # a padding bit
        ("irv", "0" + "01" + "11" + "00", {"ranking": ["n000", "n002"]}),
        ("irv", "0" + "01" + "00" + "10", None),  # a gap in the ranking
        ("irv", "0" + "01" + "01" + "00", {"ranking": ["n000", "n000"]}),  # decodes; invalid
    ],
)
def test_decoding_bits_written_by_hand(method, bits, decoded):
    lay = layout(entry(method, 3))
    assert decode(lay, [embed(part(bits))]) == decoded


def test_a_ranking_place_beyond_the_nominees_carries_no_content():
    lay = layout(entry("irv", 2))  # places of 2 bits: 3 is no nominee
    assert decode(lay, [embed(part("0" + "11" + "00"))]) is None


def test_a_score_beyond_the_range_decodes_for_the_rules_to_refuse():
    lay = layout(entry("score_mean", 1, score_min=1, score_max=5))  # 3 bits: 7 means 7
    assert decode(lay, [embed(part("0" + "111"))]) == {"scores": {"n000": 7}}


def test_the_wrong_number_of_points_carries_no_content():
    lay = layout(entry("approval", 3))
    assert decode(lay, []) is None
