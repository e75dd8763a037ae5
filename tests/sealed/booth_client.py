"""A juror's booth played in Python: the ballot definition from the API, each category's ballot
encrypted with `ballots.sealed.board.seal` (the format the browser's booth makes, which the
known-answer vectors hold the two to), and the cast sent as the browser sends it."""

from collections.abc import Callable, Mapping
from typing import Any

from ballots.sealed.board import seal
from ballots.sealed.encoding import layout
from ballots.sealed.group import Point
from tests.factories import Browser

Tamper = Callable[[str, dict[str, Any]], dict[str, Any]]


def definition(browser: Browser, round_id: int) -> dict[str, Any]:
    response = browser.get(f"/api/rounds/{round_id}/booth")
    assert response.status_code == 200, response.text[-300:]
    return response.json()


def encrypt(found: Mapping[str, Any], contents: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
    """{category code: the entry's JSON} for these contents, under the definition `found`."""
    key = Point.from_hex(found["election_key"])
    entries = {}
    for category in found["categories"]:
        code = category["id"]
        lay = layout(category["entry"], category["isolated"])
        entry = seal(
            key,
            lay,
            contents[code],
            found["context"],
            code,
            category["tracker"],
            recused=category["recused"],
        )
        entries[code] = entry.to_json()
    return entries


def cast(
    browser: Browser,
    round_id: int,
    contents: Mapping[str, dict[str, Any]],
    tamper: Tamper = lambda code, entry: entry,
) -> Any:
    """Encrypt and cast; `tamper` may change each entry before it is sent."""
    entries = encrypt(definition(browser, round_id), contents)
    body = {"ballots": {code: tamper(code, entry) for code, entry in entries.items()}}
    return browser.client.post(
        f"/api/rounds/{round_id}/booth", json=body, headers={"x-csrftoken": browser.csrf()}
    )
