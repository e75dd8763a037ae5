"""Benchmark: a juror's ballot page of a nomination round with three approval categories of 330
nominees each, loaded in Chromium at 390x844 (a phone) with the CPU slowed 4x, from the real
server (uvicorn on 127.0.0.1, a fresh SQLite database); reports what it transfers, how long until
it answers a tap, and how long the server takes.

    .venv/bin/python scripts/bench_ballot_page.py [--nominees 330] [--runs 5] [--throttle 4]

Transfer: the page and each file it loads, as sent (compressed, if the server compresses) and
as decoded, from the browser's Resource Timing. Interactive: from the start of navigation until
a tap on the first nominee's checkbox changes the category's live counter ("1 / 20"): a probe
installed before the page's own scripts taps it (a click event, as a finger's) in every task the
page leaves free, and undoes each tap that changed nothing, until one does. The browser's cache
is off, so every run is a first visit. Server: the time to the page's first byte (Navigation
Timing) and, outside the browser, the median of ten plain GETs. Where the time goes: Chromium's
own counters (script, style, layout) for the load.

The login uses a cheap argon2 (the page is what is measured, not the login).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from playwright.sync_api import sync_playwright
from sqlalchemy.ext.asyncio import AsyncSession

from awards import migrate
from awards.accounts.passwords import Passwords
from awards.settings import Argon2Params, Settings
from tests.factories import JUROR_PASSWORD, make_category, make_drama, make_season, run_db
from tests.pages_in_chromium import CHROMIUM, FLAGS, PHONE
from tests.server import Server

CATEGORIES = 3
MAX_CHOICES = 20

# Runs before the page's scripts. A tap is a real mouse click from the browser (CDP), sent
# again and again from the start of navigation at the first nominee's checkbox; a tap the page
# answers changes the category's live counter by the time the change event reaches the window
# (after the page's own listeners): window.__interactive is then the time since navigation
# started, in ms.
PROBE = """(() => {
  let before = null;
  const counter = () => document.querySelector(
    'fieldset.category[data-method="approval"] .live-count');
  addEventListener("click", (event) => {
    if (event.isTrusted && counter()) before = counter().textContent;
  }, true);
  addEventListener("change", (event) => {
    if (!event.isTrusted || window.__interactive !== undefined || !counter()) return;
    if (before !== null && counter().textContent !== before)
      window.__interactive = performance.now();
  });
})();"""
FIRST_BOX = 'fieldset.category[data-method="approval"] li.nominee input[type="checkbox"]'

SIZES = """() => [performance.getEntriesByType("navigation")[0],
                 ...performance.getEntriesByType("resource")].map((e) => ({
  name: e.name.split("/").pop() || e.name, transfer: e.transferSize,
  encoded: e.encodedBodySize, decoded: e.decodedBodySize}))"""

TIMING = """() => { const n = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  return {request: n.requestStart, first_byte: n.responseStart, last_byte: n.responseEnd,
          dom_interactive: n.domInteractive, dom_content_loaded: n.domContentLoadedEventEnd,
          load: n.loadEventEnd, first_paint: paint ? paint.startTime : null}; }"""


def build(settings: Settings, nominees: int) -> tuple[int, str]:
    """A season whose catalogue has as many dramas as a category has nominees, three approval
    categories nominating all of them, one juror, and the nomination round open."""
    from awards.catalogue import categories
    from awards.catalogue import nominees as nominee_rules
    from awards.jury import jurors
    from awards.models.base import utcnow
    from awards.voting import opening, round_categories, rounds

    password_hash = Passwords(settings.argon2, 1).hash_sync(JUROR_PASSWORD)

    async def work(s: AsyncSession) -> tuple[int, str]:
        season = await make_season(s)
        panel = await jurors.create_panel(s, season, jurors.PanelForm("main", "评审委员会"), "b")
        dramas = [
            await make_drama(s, season, f"示例剧目第{i:03d}部", companies=f"示例影视公司{i}")
            for i in range(nominees)
        ]
        made = []
        for n in range(CATEGORIES):
            category = await make_category(
                s,
                season,
                f"nomination-{n}",
                name=f"年度优秀电视剧提名{n + 1}",
                max_choices=MAX_CHOICES,
                winners=MAX_CHOICES,
            )
            await categories.set_panels(s, category, [panel.code], "b")
            for d in dramas:
                await nominee_rules.add_nominee(
                    s, category, nominee_rules.NomineeForm(d.id, "", ""), "b"
                )
            made.append(category.id)
        juror = await jurors.save_juror(
            s, season, jurors.JurorForm("评委甲", "协会", "juror@example.org", "", ("main",)), "b"
        )
        juror.password_hash = password_hash
        round_ = await rounds.create_round(
            s, season, rounds.RoundForm("nomination", "提名", "nomination"), "b"
        )
        await round_categories.set_categories(s, round_, made, "b")
        await opening.open_round(s, round_, utcnow(), "b")
        return round_.id, juror.email

    return run_db(settings, work)


def kib(n: float) -> str:
    return f"{n / 1024:.1f} KB"


def tap(cdp, x: float, y: float) -> None:
    for kind in ("mousePressed", "mouseReleased"):
        cdp.send(
            "Input.dispatchMouseEvent",
            {"type": kind, "x": x, "y": y, "button": "left", "clickCount": 1},
        )


def measure(page, cdp, url: str, where: tuple[float, float]) -> dict:
    page.goto("about:blank")  # the same address with its #fragment would not load the page again
    page.goto(url, wait_until="commit")
    deadline = time.monotonic() + 60
    while page.evaluate("window.__interactive") is None:
        if time.monotonic() > deadline:
            raise SystemExit("the page never answered a tap in 60 s")
        tap(cdp, *where)
    page.wait_for_load_state("load")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    spent = {
        k: metrics[k] * 1000
        for k in ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration")
    }
    return {
        "interactive": page.evaluate("window.__interactive"),
        "timing": page.evaluate(TIMING),
        "sizes": page.evaluate(SIZES),
        "spent": spent,
        "nodes": page.evaluate("document.getElementsByTagName('*').length"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nominees", type=int, default=330, help="per category")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--throttle", type=float, default=4, help="CPU slowdown factor")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp)
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{var / 'bench.db'}",
            cookie_secure=False,
            argon2=Argon2Params(1, 1024, 1),
            records_dir=var / "records",
        )
        migrate.upgrade(settings)
        started = time.perf_counter()
        round_id, email = build(settings, args.nominees)
        print(
            f"built {CATEGORIES} categories of {args.nominees} nominees "
            f"in {time.perf_counter() - started:.0f} s"
        )
        with Server(settings, var) as server, sync_playwright() as driver:
            browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            context = browser.new_context(locale="zh-CN", viewport=PHONE)
            page = context.new_page()
            page.goto(server.url + "/juror/login")
            page.fill("#f-username", email)
            page.fill("#f-password", JUROR_PASSWORD)
            page.press("#f-password", "Enter")
            page.wait_for_url("**/juror")
            url = server.url + f"/juror/rounds/{round_id}/ballot"

            cookies = {c["name"]: c["value"] for c in context.cookies()}
            with httpx.Client(cookies=cookies, timeout=60) as client:
                served = client.get(url, headers={"accept-encoding": "gzip, br"})
                served.raise_for_status()
                encoding = served.headers.get("content-encoding", "none")
                server_ms = []
                for _ in range(10):
                    begun = time.perf_counter()
                    client.get(url, headers={"accept-encoding": "gzip, br"}).raise_for_status()
                    server_ms.append((time.perf_counter() - begun) * 1000)

            page.goto(url)
            # The page opens with its category menu: the first category, linked to as the menu
            # does, puts its first nominee on the screen as soon as the page is parsed.
            first = page.locator('fieldset.category[data-method="approval"]').first
            url += "#" + first.get_attribute("id")
            page.goto(url)
            box = page.locator(FIRST_BOX).first.bounding_box()
            if box is None:
                raise SystemExit("the ballot shows no nominee's checkbox")
            where = (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.add_init_script(PROBE)
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            cdp.send("Performance.enable")
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": args.throttle})
            runs = [measure(page, cdp, url, where) for _ in range(args.runs)]
            browser.close()

    sizes = runs[0]["sizes"]
    print(f"\nballot page at {PHONE['width']} px, CPU {args.throttle:g}x slower, cache off")
    print(f"content-encoding of the page: {encoding}; {runs[0]['nodes']} elements")
    for entry in sizes:
        print(
            f"  {entry['name'][:40]:40} sent {kib(entry['transfer']):>9}"
            f"  body {kib(entry['encoded']):>9}  decoded {kib(entry['decoded']):>9}"
        )
    print(
        f"  {'total':40} sent {kib(sum(e['transfer'] for e in sizes)):>9}"
        f"  body {kib(sum(e['encoded'] for e in sizes)):>9}"
        f"  decoded {kib(sum(e['decoded'] for e in sizes)):>9}"
    )

    def median(key) -> float:
        return statistics.median(key(r) for r in runs)

    print(f"\nmedians of {len(runs)} loads (ms from the start of navigation):")
    for label, key in [
        ("request sent (after the last page's unload)", lambda r: r["timing"]["request"]),
        ("first byte", lambda r: r["timing"]["first_byte"]),
        ("last byte", lambda r: r["timing"]["last_byte"]),
        ("first contentful paint", lambda r: r["timing"]["first_paint"] or 0),
        ("DOM interactive (parsed)", lambda r: r["timing"]["dom_interactive"]),
        ("DOMContentLoaded done (scripts ran)", lambda r: r["timing"]["dom_content_loaded"]),
        ("load", lambda r: r["timing"]["load"]),
        ("INTERACTIVE: a tap updates the counter", lambda r: r["interactive"]),
    ]:
        print(f"  {label:44} {median(key):8.0f}")
    print("where the renderer's time went, this document (ms, throttled):")
    for name in ("TaskDuration", "ScriptDuration", "RecalcStyleDuration", "LayoutDuration"):
        print(f"  {name:42} {median(lambda r, n=name: r['spent'][n]):8.0f}")
    print(
        "server: request to first byte in the browser "
        f"{median(lambda r: r['timing']['first_byte'] - r['timing']['request']):.0f} ms; "
        f"median of 10 GETs outside the browser {statistics.median(server_ms):.0f} ms "
        f"(min {min(server_ms):.0f}, max {max(server_ms):.0f})"
    )


if __name__ == "__main__":
    main()
