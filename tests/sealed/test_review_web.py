"""Security review of the trustees' routes: crafted uploads answer a refusal, never a 500.
Each test FAILS while its finding stands (see the review's report)."""

import json

import pytest

from tests.factories import build_election


@pytest.fixture
def sealed_draft(staff, settings) -> int:
    election = build_election(settings, jurors=3, methods=("approval",), open_round=False)
    response = staff.post(
        f"/staff/rounds/{election.round_id}/trustees", {"names": "张三\n李四", "threshold": "2"}
    )
    assert response.status_code == 303
    return election.round_id


def _commitment(staff, round_id: int, **fields) -> dict:
    bundle = json.loads(staff.get(f"/staff/rounds/{round_id}/trustees/ceremony.json").content)
    return {
        "format": "awards-trustee-commitment/1",
        "context": bundle["context"],
        "trustee": 1,
        **fields,
    }


def test_a_lone_surrogate_in_a_document_is_refused(staff, sealed_draft) -> None:
    # json.loads accepts "\ud800"; canonical_json(document).decode() cannot encode it.
    text = json.dumps(_commitment(staff, sealed_draft, name="\ud800"))
    response = staff.post(f"/staff/rounds/{sealed_draft}/trustees/documents", {"text": text})
    assert response.status_code < 500, response.status_code


def test_a_deeply_nested_document_is_refused(staff, sealed_draft) -> None:
    # parse_document catches ValueError, not the RecursionError of json.loads.
    text = '{"format": "awards-trustee-commitment/1", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = staff.post(f"/staff/rounds/{sealed_draft}/trustees/documents", {"text": text})
    assert response.status_code < 500, response.status_code
