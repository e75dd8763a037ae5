"""Strict reading of election records (issue 8): every field the spec defines, by JSON type, and
every problem named at once (where and what); nothing that is not a record reaches the tally."""

import json

import pytest

from ballots.canonical import canonical_json
from ballots.record import RecordError, parse_record
from ballots.verify import Failure, verify
from tests.records import one_category_record


def _record(method: str = "approval", **extra) -> dict:
    settings = {
        "approval": {"max_choices": 2},
        "score_mean": {"score_min": 0, "score_max": 5},
        "score_trimmed_mean": {"score_min": 0, "score_max": 5, "trim": 1},
    }.get(method, {})
    contents = [{"abstain": True}]
    return json.loads(one_category_record(method, ["a", "b"], contents, **{**settings, **extra}))


def _refused(raw) -> list[str]:
    data = raw if isinstance(raw, bytes) else canonical_json(raw)
    with pytest.raises(RecordError) as caught:
        parse_record(data)
    return [f"{where}: {what}" for where, what in caught.value.problems]


def _edit(path: str, value, method: str = "approval") -> dict:
    """The record with the value at a dotted path (numbers index lists) replaced or, with
    `...`, removed."""
    raw = _record(method)
    *parents, last = [int(p) if p.isdigit() else p for p in path.split(".")]
    target = raw
    for key in parents:
        target = target[key]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return raw


CASES = [
    # (path, value, the problem named)
    ("format", "awards-election-record/9", "record: format is not a known election record format"),
    ("season", [], "record: season is not an object"),
    ("season.id", 2024, "season: id is not an id ([A-Za-z0-9._-], 1 to 64)"),
    ("season.name", ..., "season: name is missing"),
    ("round.id", "../r", "round: id is not an id ([A-Za-z0-9._-], 1 to 64)"),
    ("round.kind", "semi-final", "round: kind is not one of nomination, final"),
    ("round.opened_at", 5, "round: opened_at is not a time (ISO 8601) or null"),
    ("round.opened_at", "yesterday", "round: opened_at is not a time (ISO 8601) or null"),
    ("round.tie_break", None, "round: tie_break is not an object"),
    ("round.tie_break.seed", "zz", "round: seed is not 64 lowercase hex digits"),
    ("round.tie_break.seed", "AB" * 32, "round: seed is not 64 lowercase hex digits"),
    ("round.tie_break.seed", 7, "round: seed is not 64 lowercase hex digits"),
    ("round.tie_break.seed_sha256", "0" * 63, "round: seed_sha256 is not 64 lowercase hex digits"),
    ("round.audit_head_at_open", None, "round: audit_head_at_open is not 64 lowercase hex digits"),
    ("categories", {}, "record: categories is not a list"),
    ("categories.0", "c", "category [0]: not an object"),
    ("categories.0.id", "../../x", "category [0]: id is not an id ([A-Za-z0-9._-], 1 to 64)"),
    ("categories.0.id", 3, "category [0]: id is not an id ([A-Za-z0-9._-], 1 to 64)"),
    ("categories.0.name", 3, "category c: name is not a string"),
    (
        "categories.0.method",
        "plurality",
        "category c: method is not one of approval, borda, irv, "
        "schulze, score_mean, score_trimmed_mean",
    ),
    ("categories.0.winners", 1.0, "category c: winners is not a whole number"),
    ("categories.0.winners", True, "category c: winners is not a whole number"),
    ("categories.0.winners", "1", "category c: winners is not a whole number"),
    ("categories.0.winners", -1, "category c: winners is below 0"),
    ("categories.0.quorum", 0.0, "category c: quorum is not a whole number"),
    ("categories.0.eligible_jurors", 1.5, "category c: eligible_jurors is not a whole number"),
    ("categories.0.participants", ..., "category c: participants is missing"),
    (
        "categories.0.disclosure",
        "all",
        "category c: disclosure is not one of full, counts, ranking, winners",
    ),
    ("categories.0.max_choices", 2.0, "category c: max_choices is not a whole number"),
    ("categories.0.max_choices", 0, "category c: max_choices is below 1"),
    ("categories.0.max_choices", ..., "category c: max_choices is missing"),
    ("categories.0.nominees", "ab", "category c: nominees is not a list"),
    ("categories.0.nominees.1", "b", "category c, nominee [1]: not an object"),
    (
        "categories.0.nominees.1.id",
        2,
        "category c, nominee [1]: id is not an id ([A-Za-z0-9._-], 1 to 64)",
    ),
    ("categories.0.nominees.1.id", "a", "category c: nominee a is listed twice"),
    ("categories.0.nominees.1.label", None, "category c, nominee [1]: label is not a string"),
    ("categories.0.recused", [], "category c: recused is not an object"),
    ("categories.0.recused", {"a": 1.0}, "category c: recused a is not a whole number"),
    ("categories.0.ballots", {}, "category c: ballots is not a list"),
    ("categories.0.ballots.0", [1], "category c, ballot [0]: not an object"),
    ("categories.0.ballots.0.tracker", 5, "category c, ballot [0]: tracker is not a string"),
    ("categories.0.ballots.0.content", ..., "category c, ballot [0]: content is missing"),
    ("categories.0.merkle_root", "x", "category c: merkle_root is not 64 lowercase hex digits"),
]


@pytest.mark.parametrize(("path", "value", "named"), CASES, ids=[f"{p}={v!r}" for p, v, _ in CASES])
def test_each_field_is_read_by_its_json_type(path, value, named):
    assert named in _refused(_edit(path, value))


@pytest.mark.parametrize(
    ("method", "path", "value", "named"),
    [
        ("score_mean", "score_min", 0.5, "category c: score_min is not a whole number"),
        ("score_mean", "score_max", ..., "category c: score_max is missing"),
        ("score_mean", "score_min", 6, "category c: score_min is above score_max"),
        ("score_trimmed_mean", "trim", 1.0, "category c: trim is not a whole number"),
        ("score_trimmed_mean", "trim", -1, "category c: trim is below 0"),
        ("score_trimmed_mean", "trim", ..., "category c: trim is missing"),
    ],
)
def test_the_settings_of_the_method_are_required_whole_numbers(method, path, value, named):
    assert named in _refused(_edit(f"categories.0.{path}", value, method))


def test_every_problem_is_named_at_once():
    raw = _record()
    raw["categories"][0].update(winners=1.0, quorum=True, nominees=5)
    raw["round"]["tie_break"]["seed"] = "not hex"
    assert _refused(raw) == [
        "round: seed is not 64 lowercase hex digits",
        "category c: winners is not a whole number",
        "category c: quorum is not a whole number",
        "category c: nominees is not a list",
    ]


def test_two_categories_with_one_id_are_refused():
    raw = _record()
    raw["categories"].append(raw["categories"][0])
    assert "category c: the id is used by another category" in _refused(raw)


@pytest.mark.parametrize(
    ("data", "named"),
    [
        (b"\xff\xfe{}", "record: not UTF-8"),
        (b"{", "record: not JSON"),
        (b"[]", "record: not an election record (a JSON object with a format)"),
        (b"1" * 5000, "record: not JSON"),
        (b"[" * 100_000, "record: not JSON"),
    ],
)
def test_what_is_not_json_is_named(data, named):
    assert any(p.startswith(named) for p in _refused(data))


def test_a_string_json_cannot_write_as_utf8_is_refused():
    """ "\\ud800" is valid JSON text but no UTF-8 string: hashing or printing it would fail."""
    data = canonical_json(_record()).replace(b'"label":"a"', b'"label":"\\ud800"')
    assert "record: a string is not valid Unicode (a lone surrogate \\ud800)" in _refused(data)
    encoded = canonical_json(_record()).replace(b'"label":"a"', b'"label":"\xed\xa0\x80"')
    assert "record: a string is not valid Unicode (a lone surrogate \\ud800)" in _refused(encoded)
    paired = canonical_json(_record()).replace(b'"label":"a"', b'"label":"\\ud83c\\udfac"')
    assert parse_record(paired).categories[0].nominees[0]["label"] == "🎬"


def test_ballot_content_validity_is_a_verify_check_not_a_reading_error():
    raw = _record()
    raw["categories"][0]["ballots"][0]["content"] = {"abstain": False}
    parse_record(canonical_json(raw))  # a record, whose ballot is not valid


def test_verify_names_each_reading_problem_as_a_format_failure():
    raw = _record()
    raw["categories"][0].update(quorum=1.0, eligible_jurors=1.0)
    failures = verify(canonical_json(raw), b"{}")
    assert Failure("category c", "format", "quorum is not a whole number") in failures
    assert Failure("category c", "format", "eligible_jurors is not a whole number") in failures


def test_unknown_keys_are_tolerated_except_in_a_ballot():
    raw = _record()
    raw["publisher"] = "association"
    raw["categories"][0]["nominees"][0]["kind"] = "tv"
    parse_record(canonical_json(raw))
    raw["categories"][0]["ballots"][0]["juror"] = "chen"
    assert "category c, ballot [0]: juror is not a field of a ballot" in _refused(raw)


def test_a_flood_of_bad_ballots_is_counted_beyond_the_first_twenty():
    raw = _record()
    raw["categories"][0]["ballots"] = [{"tracker": i} for i in range(25)]
    problems = _refused(raw)
    named = [p for p in problems if ", ballot [" in p]
    assert len(named) == 40  # twenty ballots, each without a string tracker and a content
    assert "category c: 5 more ballots are not well-formed" in problems


def test_canonical_json_is_written_as_the_spec_spells_it_out():
    """docs/election-record.md describes canonical JSON byte by byte for programs in other
    languages: keys by code point (U+1F600 after U+FF5E, the other way round in UTF-16), only
    `"`, `\\` and U+0000 to U+001F escaped, with five short forms and lowercase hex."""
    value = {"😀": 1, "～": [True, False, None], "b": '\x01\x1f\x7f\u2028é"\\\n\t\b\f\r/', "a": -2}
    expected = (
        r'{"a":-2,"b":"\u0001\u001f' + "\x7f\u2028é" + r'\"\\\n\t\b\f\r/",'
        '"～":[true,false,null],"😀":1}'
    )
    assert canonical_json(value) == expected.encode()
