"""What every page must pass in a real Chromium, on a phone (390x844, WeChat's browser) and on a
desk (1280x800): nothing scrolls sideways, the header is one line, and axe-core (shipped by
axe-playwright-python, no CDN) finds no serious or critical violation.

    from tests.pages_in_chromium import Findings, chromium
    with chromium() as browser:
        page = browser.new_page()
        findings = Findings()
        page.goto(url)
        findings.check(page, "the ballot")  # check_page(page, ...) fails at once instead
        ...
        findings.assert_none()  # fails with every page's defects

`check_page` resizes the page it is given to each size in turn (both, or the `sizes` given) and
checks it there; the page is left at the last size (the desk's, by default). With
AWARDS_SHOTS=DIR in the environment it also saves a full-page screenshot at each size there,
named after the page (to look at, not to compare)."""

import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 800}
SIZES = (PHONE, DESK)
SERIOUS = ("serious", "critical")
AXE = Axe()

# The elements that stick out on the right, innermost first: those with no child that reaches
# as far (the cause, not the containers it widens), widest first. An element's reach includes
# text overflowing it (a long hash in a paragraph), which no child element's box shows.
_SIDEWAYS = """() => {
  const limit = window.innerWidth;
  const reach = (e) => { const box = e.getBoundingClientRect();
    return Math.max(box.right, box.left + e.scrollWidth); };
  const name = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + [...e.classList].map((c) => "." + c).join("");
  const path = (e) => { const names = []; for (; e && e !== document.body; e = e.parentElement)
    names.unshift(name(e)); return names.join(" > "); };
  const out = [...document.body.querySelectorAll("*")].filter((e) => reach(e) > limit + 0.5);
  const causes = out.filter((e) => ![...e.children].some((c) => reach(c) >= reach(e) - 0.5));
  causes.sort((a, b) => reach(b) - reach(a));
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: limit,
    causes: causes.slice(0, 5).map((e) => ({
      path: path(e),
      width: Math.round(e.getBoundingClientRect().width),
      right: Math.round(reach(e)),
      text: (e.innerText || "").replace(/\\s+/g, " ").slice(0, 60),
    })),
  };
}"""

# The header's visible parts (links, buttons, the menu's summary) share one row: their boxes
# overlap vertically with the first one's.
_HEADER_ROWS = """() => {
  const header = document.querySelector("body > header");
  if (!header) return {rows: 0, parts: []};
  const parts = [...header.querySelectorAll("a, button, summary, .who")]
    .filter((e) => e.checkVisibility() && e.getBoundingClientRect().height > 0);
  const tops = [];
  for (const e of parts) {
    const box = e.getBoundingClientRect();
    if (!tops.some((t) => box.top < t.bottom && box.bottom > t.top)) tops.push(box);
  }
  return {rows: tops.length, parts: parts.map((e) => e.innerText.trim()),
          height: Math.round(header.getBoundingClientRect().height)};
}"""


@contextmanager
def chromium() -> Iterator[Browser]:
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield browser
        finally:
            browser.close()


def assert_no_sideways_scroll(page: Page, what: str) -> None:
    found = page.evaluate(_SIDEWAYS)
    if found["scrollWidth"] > found["innerWidth"]:
        causes = "\n".join(
            f"  {c['path']} ({c['width']} px wide, reaching {c['right']} px): {c['text']!r}"
            for c in found["causes"]
        )
        pytest.fail(
            f"{what} scrolls sideways at {found['innerWidth']} px: the document is "
            f"{found['scrollWidth']} px wide; widest elements sticking out:\n{causes}"
        )


def assert_header_is_one_line(page: Page, what: str) -> None:
    found = page.evaluate(_HEADER_ROWS)
    if found["rows"] > 1:
        width = page.viewport_size["width"] if page.viewport_size else "?"
        pytest.fail(
            f"{what}: the header takes {found['rows']} lines ({found['height']} px) at "
            f"{width} px: {found['parts']}"
        )


def assert_accessible(page: Page, what: str) -> None:
    """axe-core's serious and critical violations, each with the elements it names."""
    results = AXE.run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in SERIOUS]
    if bad:
        lines = []
        for v in bad:
            lines.append(f"  {v['id']} ({v['impact']}): {v['help']}")
            lines += [f"    {' '.join(n['target'])}: {n['html'][:120]}" for n in v["nodes"][:5]]
        width = page.viewport_size["width"] if page.viewport_size else "?"
        pytest.fail(f"{what} at {width} px: axe-core finds\n" + "\n".join(lines))


def check_page(page: Page, what: str, sizes: tuple[dict[str, int], ...] = SIZES) -> None:
    """Every check, at each size in turn; the failure names every one that failed."""
    shots = os.environ.get("AWARDS_SHOTS")
    failures = []
    for size in sizes:
        page.set_viewport_size(size)
        if shots:
            name = re.sub(r"\W+", "-", re.sub(r" \(/.*\)$", "", what)).strip("-")
            page.screenshot(path=f"{shots}/{name}-{size['width']}.png", full_page=True)
        for check in (assert_no_sideways_scroll, assert_header_is_one_line, assert_accessible):
            try:
                check(page, what)
            except pytest.fail.Exception as failed:
                failures.append(str(failed))
    if failures:
        pytest.fail("\n".join(failures))


class Findings:
    """Checks page after page and fails once, at the end, with what every page failed: a visit
    of twenty pages reports all their defects, not only the first page's."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def check(self, page: Page, what: str, sizes: tuple[dict[str, int], ...] = SIZES) -> None:
        try:
            check_page(page, what, sizes)
        except pytest.fail.Exception as failed:
            self.failures.append(str(failed))

    def assert_none(self) -> None:
        if self.failures:
            pytest.fail("\n\n".join(self.failures))
