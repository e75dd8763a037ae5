"""The booth's JavaScript (awards/static/booth/) agrees with the Python implementation on every
known answer of tests/data/booth_vectors.json, in Chromium and in node; the vendored library
is the one vendored.json describes; the worker seals and reveals a challenge that holds."""

import hashlib
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from playwright.sync_api import Page

from ballots.sealed.challenge import check_challenge
from tests import ROOT
from tests.pages_in_chromium import chromium, needs_chromium

BOOTH = ROOT / "awards" / "static" / "booth"
VECTORS = ROOT / "tests" / "data" / "booth_vectors.json"
NODE = shutil.which("node")


def test_the_vectors_are_what_the_python_implementation_gives(tmp_path):
    out = tmp_path / "vectors.json"
    subprocess.run(
        [sys.executable, ROOT / "scripts" / "booth_vectors.py", "--out", out], check=True
    )
    assert out.read_bytes() == VECTORS.read_bytes(), "run scripts/booth_vectors.py"


def test_the_vectors_cover_what_the_brief_names():
    vectors = json.loads(VECTORS.read_text())
    assert any(c["k"] > 0 for c in vectors["embed"])
    assert any(len(c["entry"]["nominees"]) == 330 and c["isolated"] for c in vectors["layouts"])
    assert any(c["recused"] for c in vectors["sealed"])
    assert {c["entry"]["method"] for c in vectors["sealed"]} >= {
        "approval",
        "schulze",
        "score_mean",
    }


def test_the_committed_bundle_is_the_one_vendored_json_names():
    vendored = json.loads((BOOTH / "vendored.json").read_text())
    assert hashlib.sha256((BOOTH / "noble.js").read_bytes()).hexdigest() == vendored["sha256"]
    assert [p["name"] for p in vendored["packages"]] == ["@noble/curves", "@noble/hashes"]
    assert all(p["integrity"].startswith("sha512-") for p in vendored["packages"])
    licence = (BOOTH / "NOBLE-LICENSE").read_text()
    assert licence.count("The MIT License") == 2


NODE_RUN = """
import {{ readFileSync }} from "node:fs";
import * as sealed from {sealed};
import {{ check, timeBallot }} from {checker};
const vectors = JSON.parse(readFileSync({vectors}, "utf8"));
const failures = check(sealed, vectors);
const timing = timeBallot(sealed, vectors.election_key, vectors.context);
console.log(JSON.stringify({{ failures, timing }}));
"""


@pytest.mark.skipif(NODE is None, reason="node is not on PATH")
def test_node_agrees_on_every_vector():
    code = NODE_RUN.format(
        sealed=json.dumps((BOOTH / "sealed.js").as_uri()),
        checker=json.dumps((ROOT / "tests" / "sealed" / "booth_check.js").as_uri()),
        vectors=json.dumps(str(VECTORS)),
    )
    assert NODE is not None
    done = subprocess.run(
        [NODE, "--input-type=module", "-e", code], capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout)
    assert found["failures"] == []
    assert found["timing"]["parts"] == 24


class _Files(SimpleHTTPRequestHandler):
    """The repository's files, and a blank page at / for the scripts to run in: module
    imports and workers need http, not file://."""

    def do_GET(self) -> None:
        if self.path == "/":
            body = b"<!doctype html><title>booth test</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, directory=str(ROOT)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(origin) -> Iterator[Page]:
    with chromium() as browser:
        tab = browser.new_page()
        tab.goto(f"{origin}/")
        yield tab


@needs_chromium
def test_chromium_agrees_on_every_vector(page):
    found = page.evaluate(
        """async () => {
          const sealed = await import("/awards/static/booth/sealed.js");
          const { check, timeBallot } = await import("/tests/sealed/booth_check.js");
          const vectors = await (await fetch("/tests/data/booth_vectors.json")).json();
          return { failures: check(sealed, vectors),
                   timing: timeBallot(sealed, vectors.election_key, vectors.context) };
        }"""
    )
    assert found["failures"] == []
    assert found["timing"]["parts"] == 24


WORKER = """async (message) => {
  const worker = new Worker("/awards/static/booth/worker.js", { type: "module" });
  const ask = (m) => new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.postMessage(m);
  });
  const sealed = await ask(message);
  const revealed = await ask({ type: "reveal", id: 2 });
  const again = await ask({ type: "reveal", id: 3 });
  await ask({ ...message, id: 4 });
  worker.postMessage({ type: "forget" });
  const forgotten = await ask({ type: "reveal", id: 5 });
  const wrong = await ask({ ...message, id: 6, categories: [{ ...message.categories[0],
    content: { approve: ["nobody"] } }] });
  worker.terminate();
  return { sealed, revealed, again, forgotten, wrong };
}"""


@needs_chromium
def test_the_worker_seals_and_reveals_a_challenge_that_holds(page):
    key = json.loads(VECTORS.read_text())["election_key"]
    categories = page.evaluate(
        "async () => (await import('/tests/sealed/booth_check.js')).twelveCategories()"
    )
    categories[0]["recused"] = ["n3"]  # isolated and not approved, as an honest page sends
    message = {
        "type": "seal",
        "id": 1,
        "key": key,
        "context": {"season": "2026", "round": "final"},
        "categories": categories,
    }
    found = page.evaluate(WORKER, message)
    sealed, revealed = found["sealed"], found["revealed"]
    assert (sealed["type"], sealed["id"]) == ("sealed", 1)
    assert list(sealed["entries"]) == [c["category"] for c in categories]
    assert sealed["entries"]["c0"]["recused"] == ["n3"]
    assert (revealed["type"], revealed["id"]) == ("revealed", 2)
    challenge = revealed["challenge"]
    assert check_challenge(challenge) == ([], {c["category"]: c["content"] for c in categories})
    for category in challenge["categories"]:
        assert category["ballot"] == sealed["entries"][category["category"]]
        assert category["receipt"] == sealed["receipts"][category["category"]]
    assert found["again"] == {"type": "error", "id": 3, "message": "no sealed ballot to reveal"}
    assert found["forgotten"]["type"] == "error"
    assert found["wrong"] == {
        "type": "error",
        "id": 6,
        "message": "the content names what is not on the ballot",
    }
