"""Record format 2: format 1 plus the configuration published when the round opened, so that
verify recomputes the published configuration hash and sees that the record counts exactly the
categories, rules and nominees the jurors were offered."""

import hashlib
import json

import pytest

from ballots.canonical import canonical_json, sha256_hex
from ballots.record import RecordError, parse_record, record_document
from ballots.tally import results_bytes
from ballots.verify import Failure, check_record, verify

SEED = bytes(range(32))
SETTINGS = {"max_choices": 1}


def _categories() -> list[dict]:
    return [
        {
            "id": "best-drama",
            "name": "年度优秀电视剧",
            "method": "approval",
            "winners": 1,
            "quorum": 0,
            "disclosure": "full",
            "eligible_jurors": 3,
            "max_choices": 1,
            "nominees": [{"id": "n1", "label": "归队"}, {"id": "n2", "label": "小日子"}],
            "participants": 2,
            "recused": {},
            "ballots": [
                {"tracker": "a" * 32, "content": {"approve": ["n1"]}},
                {"tracker": "b" * 32, "content": {"abstain": True}},
            ],
        },
        {
            "id": "best-actor",
            "name": "最佳男演员",
            "method": "score_trimmed_mean",
            "winners": 1,
            "quorum": 1,
            "disclosure": "counts",
            "eligible_jurors": 2,
            "score_min": 1,
            "score_max": 10,
            "trim": 0,
            "nominees": [{"id": "n3", "label": "张三（归队）"}],
            "participants": 1,
            "recused": {},
            "ballots": [{"tracker": "c" * 32, "content": {"scores": {"n3": 9}}}],
        },
    ]


def _config(categories: list[dict]) -> dict:
    display = {"kind": "tv", "companies": ["公司甲"], "broadcaster": "央视一套"}
    counted = ("participants", "recused", "ballots")
    return {
        "season": {"id": "2024", "name": "2024 年度推优"},
        "round": {"id": "final", "name": "终评", "kind": "final"},
        "categories": [
            {
                **{k: v for k, v in c.items() if k not in counted},
                "nominees": [{**n, **display} for n in c["nominees"]],
            }
            for c in categories
        ],
    }


def _round(config_sha256: str) -> dict:
    return {
        "id": "final",
        "name": "终评",
        "kind": "final",
        "opened_at": "2024-03-25T14:00:00+08:00",
        "closed_at": "2024-03-26T10:00:00+08:00",
        "tie_break": {"seed": SEED.hex(), "seed_sha256": hashlib.sha256(SEED).hexdigest()},
        "audit_head_at_open": "0" * 64,
        "audit_head_at_close": "1" * 64,
        "config_sha256": config_sha256,
    }


SEASON = {"id": "2024", "name": "2024 年度推优"}
PUBLISHED = sha256_hex(canonical_json(_config(_categories())))


def _record(edit=None, config_sha256: str | None = None) -> bytes:
    """A format 2 record. `edit(config, categories)` changes the configuration or the record's
    categories; the configuration hash is then taken over the configuration as written, unless
    one is given (as opening published it, say)."""
    categories = _categories()
    config = _config(categories)
    if edit:
        edit(config, categories)
    published = config_sha256 or sha256_hex(canonical_json(config))
    return record_document(SEASON, _round(published), categories, config=config)


def _config_failures(data: bytes) -> list[Failure]:
    return [f for f in check_record(parse_record(data)) if f.check == "config"]


def test_an_honest_format_2_record_verifies():
    data = _record()
    assert json.loads(data)["format"] == "awards-election-record/2"
    record = parse_record(data)
    assert check_record(record) == []
    assert verify(data, results_bytes(record)) == []


def test_without_a_configuration_the_record_is_format_1():
    data = record_document(SEASON, _round("0" * 64), _categories())
    assert json.loads(data)["format"] == "awards-election-record/1"
    assert "config" not in json.loads(data)
    assert check_record(parse_record(data)) == []


def test_the_configuration_hash_is_recomputed_not_trusted():
    data = _record(config_sha256="e" * 64)  # record_document writes what it is given
    assert _config_failures(data) == [
        Failure("round", "config", "the configuration does not match its published SHA-256")
    ]


def test_display_details_count_in_the_hash_but_are_not_compared():
    def edit(config, categories):
        config["categories"][0]["nominees"][0]["broadcaster"] = "另一个平台"

    assert _config_failures(_record(edit)) == []
    assert [f.where for f in _config_failures(_record(edit, PUBLISHED))] == ["round"]


def test_a_rule_changed_in_the_record_and_its_configuration_fails_the_published_hash():
    def edit(config, categories):
        config["categories"][0]["winners"] = categories[0]["winners"] = 2

    assert [f.where for f in _config_failures(_record(edit, PUBLISHED))] == ["round"]


MISMATCHES = [
    (
        "season",
        lambda config, cats: config["season"].update(name="2023 年度推优"),
        Failure("season", "config", "differs from the published configuration"),
    ),
    (
        "round name",
        lambda config, cats: config["round"].update(name="初评"),
        Failure("round", "config", "name differs from the published configuration"),
    ),
    (
        "round kind",
        lambda config, cats: config["round"].update(kind="nomination"),
        Failure("round", "config", "kind differs from the published configuration"),
    ),
    (
        "order",
        lambda config, cats: cats.reverse(),
        Failure(
            "record", "config", "the categories are not the published configuration's, in its order"
        ),
    ),
    (
        "a category left out",
        lambda config, cats: cats.pop(),
        Failure(
            "record", "config", "the categories are not the published configuration's, in its order"
        ),
    ),
    (
        "winners",
        lambda config, cats: cats[0].update(winners=2),
        Failure(
            "category best-drama", "config", "winners differs from the published configuration"
        ),
    ),
    (
        "max_choices",
        lambda config, cats: cats[0].update(max_choices=2),
        Failure(
            "category best-drama", "config", "max_choices differs from the published configuration"
        ),
    ),
    (
        "trim",
        lambda config, cats: cats[1].update(trim=1),
        Failure("category best-actor", "config", "trim differs from the published configuration"),
    ),
    (
        "eligible jurors",
        lambda config, cats: cats[1].update(eligible_jurors=5),
        Failure(
            "category best-actor",
            "config",
            "eligible_jurors differs from the published configuration",
        ),
    ),
    (
        "a nominee's label",
        lambda config, cats: cats[0]["nominees"][1].update(label="大日子"),
        Failure(
            "category best-drama", "config", "the nominees differ from the published configuration"
        ),
    ),
    (
        "a nominee added",
        lambda config, cats: cats[1]["nominees"].append({"id": "n9", "label": "李四"}),
        Failure(
            "category best-actor", "config", "the nominees differ from the published configuration"
        ),
    ),
]


@pytest.mark.parametrize(("name", "edit", "failure"), MISMATCHES, ids=[m[0] for m in MISMATCHES])
def test_each_departure_from_the_published_configuration_is_named(name, edit, failure):
    """With the hash taken over the configuration as written, only the departure fails."""
    assert _config_failures(_record(edit)) == [failure]


@pytest.mark.parametrize(
    ("edit", "named"),
    [
        (lambda raw: raw.pop("config"), "record: config is missing"),
        (lambda raw: raw.update(config=[]), "record: config is not an object"),
        (lambda raw: raw["round"].pop("config_sha256"), "round: config_sha256 is missing"),
        (
            lambda raw: raw["config"]["categories"][0].update(winners=1.0),
            "config, category best-drama: winners is not a whole number",
        ),
        (
            lambda raw: raw["config"]["categories"][1].pop("trim"),
            "config, category best-actor: trim is missing",
        ),
        (
            lambda raw: raw["config"]["categories"][0]["nominees"][0].update(id=7),
            "config, category best-drama, nominee [0]: id is not an id ([A-Za-z0-9._-], 1 to 64)",
        ),
        (lambda raw: raw["config"].pop("season"), "config: season is missing"),
        (lambda raw: raw["config"]["round"].update(kind="x"), "config, round: kind is not one of"),
    ],
)
def test_the_configuration_is_read_strictly_too(edit, named):
    raw = json.loads(_record())
    edit(raw)
    with pytest.raises(RecordError) as caught:
        parse_record(canonical_json(raw))
    assert any(f"{where}: {what}".startswith(named) for where, what in caught.value.problems)


def test_a_format_1_record_with_a_configuration_ignores_it():
    """An unknown key in format 1: tolerated, and nothing is compared."""
    raw = json.loads(_record(config_sha256="e" * 64))
    raw["format"] = "awards-election-record/1"
    record = parse_record(canonical_json(raw))
    assert (record.config, check_record(record)) == (None, [])
