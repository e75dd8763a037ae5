"""Time the booth's sealing of a 12-category ballot (approval over 330 nominees with 3 isolated
in three categories, five ranked and four scored of 10: 24 parts), in Chromium (on the page's
thread, unthrottled and under CDP's 4x CPU throttling, and in the module worker) and in node.
The first seal of a page builds the election key's window table and warms the JIT; "again" is
the best of three seals after it.

    .venv/bin/python scripts/bench_booth.py
"""

import json
import shutil
import subprocess
import sys
import threading
from functools import partial
from http.server import ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import ROOT
from tests.pages_in_chromium import chromium
from tests.sealed.test_booth_vectors import BOOTH, NODE_RUN, VECTORS, _Files

KEY = json.loads(VECTORS.read_text())["election_key"]
PAGE = """async (key) => {
  const { twelveCategories, timeBallot } = await import("/tests/sealed/booth_check.js");
  const sealed = await import("/awards/static/booth/sealed.js");
  const context = { season: "s", round: "r" };
  const page = timeBallot(sealed, key, context);
  const worker = new Worker("/awards/static/booth/worker.js", { type: "module" });
  const ask = (m) => new Promise((resolve) => {
    worker.onmessage = ({ data }) => resolve(data);
    worker.postMessage(m);
  });
  const message = { type: "seal", id: 1, key, context, categories: twelveCategories() };
  const first = await ask(message);
  const again = await ask({ ...message, id: 2 });
  worker.terminate();
  return { page, worker: { firstMs: first.ms, againMs: again.ms } };
}"""


def chromium_times() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Files, directory=str(ROOT)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with chromium() as browser:
        for rate in (1, 4):
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_address[1]}/")
            page.context.new_cdp_session(page).send(
                "Emulation.setCPUThrottlingRate", {"rate": rate}
            )
            print(f"chromium, CPU throttling {rate}x:", json.dumps(page.evaluate(PAGE, KEY)))
            page.close()
    server.shutdown()


def node_times() -> None:
    node = shutil.which("node")
    if node is None:
        print("node: not on PATH")
        return
    code = NODE_RUN.format(
        sealed=json.dumps((BOOTH / "sealed.js").as_uri()),
        checker=json.dumps((ROOT / "tests" / "sealed" / "booth_check.js").as_uri()),
        vectors=json.dumps(str(VECTORS)),
    )
    done = subprocess.run(
        [node, "--input-type=module", "-e", code], capture_output=True, text=True, check=True
    )
    print("node:", json.dumps(json.loads(done.stdout)["timing"]))


if __name__ == "__main__":
    node_times()
    chromium_times()
