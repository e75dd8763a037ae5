"""A season run by staff in a real Chromium, by clicks and typing as a staff member would: from
an empty database to the published results of the final, at one size per test (a phone in
Chinese, a desk in English). Every page on the way must not scroll sideways, keep the header on
one line and pass axe-core (tests/pages_in_chromium.py). The jurors vote over HTTP: their pages
in the browser are tested elsewhere.

The votes are chosen so that the shortlist has a tie across the cut in both categories: staff
take all the tied nominees in one and apply the lot in the other."""

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from awards.models import Category, Drama, Nominee
from awards.voting.rounds import nominee_key
from tests.conftest import STAFF_PASSWORD
from tests.pages_in_chromium import DESK, PHONE, Findings, chromium, needs_chromium
from tests.server import Server

pytestmark = [pytest.mark.browser, needs_chromium]

DRAMAS = ["山海情", "人世间", "繁花", "漫长的季节"]
DRAMA_CSV = "剧名,类型,出品公司,播出平台,集数,首播日期\n" + "".join(
    f"{title},电视剧,公司{i},央视,30,2025-0{i + 1}-01\n" for i, title in enumerate(DRAMAS)
)
DIRECTORS = {"山海情": "孔笙", "人世间": "李路", "繁花": "王家卫"}
NOMINEE_CSV = "奖项代码,剧名,姓名\n" + "".join(
    f"best-director,{title},{name}\n" for title, name in DIRECTORS.items()
)
JURORS = ["张伟", "王芳", "李娜", "刘洋"]  # the last never activates nor votes
ROSTER_CSV = "姓名,单位,邮箱,电话,评审组\n" + "".join(
    f"{name},协会,juror{i}@example.org,,main\n" for i, name in enumerate(JURORS)
)
JUROR_PASSWORD = "a juror's password"
BEIJING = ZoneInfo("Asia/Shanghai")


class Staff:
    """The staff member's browser tab, checking every page it lands on."""

    def __init__(self, page: Page, base: str, size: dict[str, int]) -> None:
        self.page, self.base, self.size = page, base, size
        self.findings = Findings()
        self.step = 0

    def look(self, what: str) -> None:
        """The page now shown passes every check, at this test's size."""
        self.page.wait_for_load_state()
        assert "/error" not in self.page.url
        self.step += 1
        self.findings.check(self.page, f"{self.step:02d} {what}", (self.size,))

    def click(self, selector: str, what: str) -> None:
        with self.page.expect_navigation():
            self.page.click(selector)
        self.look(what)

    def fill(self, values: dict[str, str]) -> None:
        for selector, value in values.items():
            self.page.fill(selector, value)

    def upload(self, name: str, text: str, tmp: Path, what: str) -> None:
        path = tmp / name
        path.write_text(text, encoding="utf-8-sig")  # as Excel saves a CSV
        self.page.set_input_files("#f-file", path)
        self.click("form[enctype] button[type=submit]", what)


def _local(delta: timedelta) -> str:
    return (datetime.now(BEIJING) + delta).strftime("%Y-%m-%dT%H:%M")


def _query(settings, statement) -> list:
    """Rows read from the server's database file (Playwright's loop rules out asyncio.run)."""
    engine = create_engine(settings.database_url.replace("+aiosqlite", ""))
    try:
        with engine.connect() as connection:
            return list(connection.execute(statement))
    finally:
        engine.dispose()


def _keys(settings, category_code: str) -> dict[str, str]:
    """Drama title -> nominee key of a category, to vote for chosen nominees."""
    rows = _query(
        settings,
        select(Drama.title, Nominee.id)
        .join(Nominee, Nominee.drama_id == Drama.id)
        .join(Category, Category.id == Nominee.category_id)
        .where(Category.code == category_code),
    )
    return {title: nominee_key(nominee_id) for title, nominee_id in rows}


def _category_id(settings, code: str) -> int:
    [(category_id,)] = _query(settings, select(Category.id).where(Category.code == code))
    return category_id


class Juror:
    """A juror's HTTP client: activates with the letter's code, logs in, casts."""

    def __init__(self, base: str, email: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)
        self.email = email

    def _post(self, url: str, data: dict) -> httpx.Response:
        if "csrftoken" not in self.http.cookies:
            self.http.get("/juror/login")
        return self.http.post(url, data={"_csrf_token": self.http.cookies["csrftoken"], **data})

    def activate(self, code: str) -> None:
        form = {"code": code, "password": JUROR_PASSWORD, "password_repeat": JUROR_PASSWORD}
        response = self._post("/juror/activate", form)
        assert response.status_code == 303, re.findall(
            r"class=\"error\"[^>]*>([^<]*)", response.text
        )
        form = {"username": self.email, "password": JUROR_PASSWORD, "next": "/juror"}
        assert self._post("/juror/login", form).status_code == 303

    def cast(self, round_id: int, form: dict) -> None:
        response = self._post(f"/juror/rounds/{round_id}/cast", form)
        assert response.status_code == 200, response.text[-500:]
        assert "tracker" in response.text


def _catalogue(staff: Staff, tmp: Path) -> None:
    """A season, its panel, two categories, the dramas, and their nominees."""
    page = staff.page
    # Staff land on the seasons, none yet.
    staff.click("a.button[href$='/seasons/new']", "new season")
    staff.fill({"#f-code": "2026", "#f-name": "2026 年度电视剧推优", "#f-year": "2026"})
    staff.click("main form button[type=submit]", "season created")
    staff.click("a[href$='/jury']", "jury, empty")
    staff.fill({"#p-code": "main", "#p-name": "评审委员会"})
    staff.click("form.search button[type=submit]", "panel added")
    staff.click(".crumbs a[href$='/categories']", "categories, none yet")
    for code, name, subject in (
        ("best-drama", "年度优秀电视剧", "work"),
        ("best-director", "年度优秀导演", "person"),
    ):
        staff.click("a.button[href$='/categories/new']", f"new category {code}")
        staff.fill(
            {
                "#f-code": code,
                "#f-name": name,
                "#f-winners": "1",
                "#f-max_choices": "2",
                "#f-quorum": "3",
                "#f-shortlist_size": "2",
            }
        )
        page.select_option("#f-subject", subject)
        page.select_option("#f-method", "approval")
        page.select_option("#f-disclosure", "full")
        page.check("input[name=panels][value=main]")
        staff.click("main form button[type=submit]:not(.danger)", f"category {code} created")
    expect(page.locator("tbody tr")).to_have_count(2)

    staff.click("main a[href$='/dramas']", "dramas, none yet")
    staff.click("a[href$='/dramas/import']", "drama import")
    staff.upload("dramas.csv", DRAMA_CSV, tmp, "dramas imported")
    expect(page.locator("tbody tr")).to_have_count(len(DRAMAS))

    # Best drama: search the catalogue and add each drama.
    staff.click(".crumbs a[href$='/categories']", "categories")
    row = page.locator("tbody tr", has_text="best-drama")
    with page.expect_navigation():
        row.locator("a[href*='/nominees']").click()
    staff.look("nominees, none yet")
    page.fill("#q", "公司")
    staff.click("form.search button[type=submit]", "nominee search")
    for title in DRAMAS:
        with page.expect_navigation():
            page.locator("tr", has_text=title).locator("form.add-nominee button").click()
    staff.look("nominees added")
    expect(page.locator("td.nominee")).to_have_count(len(DRAMAS))
    # The search results say which dramas are nominees already, rather than offer to add
    # them again (and refuse).
    expect(page.locator("form.add-nominee")).to_have_count(0)
    expect(page.locator("td.nominated")).to_have_count(len(DRAMAS))

    # Best director: the import page.
    staff.click("a[href$='/nominees/import']", "nominee import")
    staff.upload("nominees.csv", NOMINEE_CSV, tmp, "nominees imported")


def _jury(staff: Staff, tmp: Path, base: str) -> list[Juror]:
    """The roster imported, letters printed (again for one juror: replacing asks first), and the
    jurors but the last activated with their letters' codes."""
    page = staff.page
    staff.click("main a[href$='/jury']", "jury with its panel")
    staff.upload("roster.csv", ROSTER_CSV, tmp, "roster imported")
    expect(page.locator("input[name=juror_ids]")).to_have_count(len(JURORS))
    roster = page.url
    for box in page.locator("input[name=juror_ids]").all():
        box.check()
    staff.click("button[value=letters]", "letters")
    codes = {
        re.search(r"juror\d@example\.org", letter.inner_text())[0]: letter.locator(
            ".code"
        ).inner_text()
        for letter in page.locator(".letter").all()
    }
    assert len(codes) == len(JURORS)
    staff.click(".noprint .crumbs a", "the roster after printing")  # the way back
    assert page.url == roster
    page.check(f"input[name=juror_ids][aria-label={JURORS[-1]}]")
    staff.click("button[value=letters]", "letters again: confirmation")
    expect(page.locator("form.confirm")).to_be_visible()
    staff.click("form.confirm button[type=submit]", "the replaced code's letter")
    expect(page.locator(".letter")).to_have_count(1)
    jurors = []
    for i in range(len(JURORS) - 1):
        juror = Juror(base, f"juror{i}@example.org")
        juror.activate(codes[juror.email])
        jurors.append(juror)
    page.goto(roster)
    return jurors


def _round_id(page: Page) -> int:
    return int(re.search(r"/staff/rounds/(\d+)", page.url)[1])


def _nomination(staff: Staff, settings, jurors: list[Juror]) -> int:
    """Created, its categories picked, scheduled, opened after its checks, extended, voted in
    and closed early with one juror not voted."""
    page = staff.page
    staff.click(".crumbs a[href$='/categories']", "categories before the round")
    staff.click("main a[href$='/rounds']", "rounds, none yet")
    staff.fill({"#f-code": "nomination", "#f-name": "提名投票"})
    page.select_option("#f-kind", "nomination")
    staff.click("main form button[type=submit]", "round created")
    if "/staff/rounds/" not in page.url:
        staff.click("tbody a[href*='/staff/rounds/']", "the new round")
    round_id = _round_id(page)
    # Opening a round with no categories: the confirmation lists the problem, and offers no
    # way to open, only back.
    staff.click("a.button[href$='/open']", "open too early: the problems")
    expect(page.locator(".problems li").first).to_be_visible()
    expect(page.locator("form.confirm")).to_have_count(0)
    staff.click(".crumbs a", "back to the round")
    for box in page.locator("input[name=categories]").all():
        box.check()
    staff.click("form[action$='/categories'] button[type=submit]", "round's categories saved")
    staff.fill(
        {"#f-opens_at": _local(timedelta(days=1)), "#f-closes_at": _local(timedelta(days=7))}
    )
    staff.click("form[action$='/schedule'] button[type=submit]", "schedule: the checks")
    staff.click("form.confirm button[type=submit]", "round scheduled")
    staff.click("a.button[href$='/open']", "open: the checks")
    warnings = page.locator(".warnings li").all_inner_texts()
    assert any(JURORS[-1] in w for w in warnings), warnings  # never activated
    staff.click("form.confirm button[type=submit]", "round open")
    closes = page.locator("#f-closes_at")
    closes.fill(_local(timedelta(days=10)))
    staff.click("form[action$='/extend'] button[type=submit]", "closing time extended")
    expect(page.locator("p.notice[role=status]").first).to_be_visible()

    drama, director = _keys(settings, "best-drama"), _keys(settings, "best-director")
    c_drama = f"c{_category_id(settings, 'best-drama')}"
    c_director = f"c{_category_id(settings, 'best-director')}"
    # Best drama: 山海情 3, 人世间 1, 繁花 1: a tie of two across the cut of two.
    # Best director: 2 votes each: three tied for two places.
    votes = [
        (["山海情", "人世间"], ["山海情", "人世间"]),
        (["山海情", "繁花"], ["人世间", "繁花"]),
        (["山海情"], ["繁花", "山海情"]),
    ]
    for juror, (dramas, directors) in zip(jurors, votes, strict=True):
        juror.cast(
            round_id,
            {c_drama: [drama[t] for t in dramas], c_director: [director[t] for t in directors]},
        )
    page.reload()
    staff.look("round open, voted")
    staff.click("a[href$='/turnout']", "turnout")
    page.go_back()
    staff.click("a.button.danger[href$='/close']", "close: the confirmation")
    said = page.locator("ul.consequences li").all_inner_texts()
    # One juror has not voted; the round closes 9 days early (10 days after opening).
    assert re.match(r"1 \D+ 9 \D", said[0]), said
    staff.click("form.confirm button[type=submit]", "round closed")
    return round_id


def _final(staff: Staff, settings, jurors: list[Juror]) -> tuple[int, str]:
    """The shortlist reviewed (all the tied in one category, the lot in the other), the final
    created, best drama counted by Borda, opened, voted in, closed and published."""
    page = staff.page
    staff.click("a.button[href$='/shortlist']", "shortlist")
    drama_id = _category_id(settings, "best-drama")
    director_id = _category_id(settings, "best-director")
    expect(page.locator("fieldset.tie")).to_have_count(2)
    page.check(f"input[name=tie-{drama_id}][value=all]")
    page.check(f"input[name=tie-{director_id}][value=lot]")
    staff.fill({"#f-code": "final", "#f-name": "终评投票"})
    staff.click("main form button[type=submit]", "final round created")
    final_id = _round_id(page)
    assert page.locator("input[name=categories]:checked").count() == 2
    staff.click(f"a[href$='/categories/{drama_id}']", "final's best drama")
    expect(page.locator("ul.round-nominees li").first).to_be_visible()
    assert page.locator("ul.round-nominees").first.locator("li").count() == 3  # all the tied
    page.select_option("#f-method", "borda")
    page.fill("#f-max_choices", "")
    staff.click("form[action$='/settings'] button[type=submit]", "final's best drama by Borda")
    staff.click(".crumbs a", "final round")
    staff.click("a.button[href$='/open']", "open the final: the checks")
    staff.click("form.confirm button[type=submit]", "final open")

    drama, director = _keys(settings, "best-drama"), _keys(settings, "best-director")
    ballot = jurors[0].http.get(f"/juror/rounds/{final_id}/ballot").text
    offered = set(re.findall(r'name="c\d+\.(n\d+)"', ballot))
    assert offered == {drama[t] for t in ("山海情", "人世间", "繁花")}
    on_ballot = [t for t in DIRECTORS if f'value="{director[t]}"' in ballot]
    assert len(on_ballot) == 2  # the lot's first two
    orders = [
        ["山海情", "人世间", "繁花"],
        ["山海情", "繁花", "人世间"],
        ["人世间", "山海情", "繁花"],
    ]
    for juror, order in zip(jurors, orders, strict=True):
        form = {f"c{drama_id}.{drama[t]}": str(rank) for rank, t in enumerate(order, start=1)}
        juror.cast(final_id, form | {f"c{director_id}": director[on_ballot[0]]})
    page.reload()
    staff.look("final open, voted")
    staff.click("a.button.danger[href$='/close']", "close the final: the confirmation")
    staff.click("form.confirm button[type=submit]", "final closed")
    staff.click("a.button[href$='/publish']", "publish: the confirmation")
    staff.click("form.confirm button[type=submit]", "final published")
    return final_id, on_ballot[0]


@pytest.mark.database("sqlite")  # the pages are the same on every database
@pytest.mark.parametrize(
    ("size", "locale"), [(PHONE, "zh-CN"), (DESK, "en")], ids=["phone", "desk"]
)
def test_staff_run_a_season_by_clicks(settings, tmp_path, staff_user, size, locale):
    with Server(settings, tmp_path) as server, chromium() as browser:
        page = browser.new_context(locale=locale, viewport=size).new_page()
        page.set_default_timeout(15_000)
        staff = Staff(page, server.url, size)
        page.goto(server.url + ("/lang/en?next=/login" if locale == "en" else "/login"))
        staff.look("staff login")
        page.fill("#f-username", staff_user)
        page.fill("#f-password", STAFF_PASSWORD)
        with page.expect_navigation():
            page.press("#f-password", "Enter")
        staff.look("staff home")
        _catalogue(staff, tmp_path)
        jurors = _jury(staff, tmp_path, server.url)
        try:
            _nomination(staff, settings, jurors)
            final_id, director = _final(staff, settings, jurors)
        finally:
            for juror in jurors:
                juror.http.close()

        public = browser.new_context(locale=locale, viewport=size).new_page()
        public.goto(server.url + ("/lang/en?next=/rounds" if locale == "en" else "/rounds"))
        watcher = Staff(public, server.url, size)
        watcher.step = staff.step
        watcher.look("public rounds")
        # Which season each round is of, and where the published results are, at a glance.
        listed = public.locator("main li", has_text="终评投票")
        expect(listed).to_contain_text("2026 年度电视剧推优")
        expect(listed.locator(f"a[href$='/rounds/{final_id}/results']")).to_have_count(1)
        watcher.click(f"a[href$='/rounds/{final_id}']", "public final")
        watcher.click(f"a[href$='/rounds/{final_id}/results']", "public results")
        cards = public.locator("main section, main .card").all_inner_texts()
        assert "山海情" in next(c for c in cards if "年度优秀电视剧" in c)  # by Borda: 5, 4, 3
        assert DIRECTORS[director] in next(c for c in cards if "年度优秀导演" in c)
        staff.findings.failures += watcher.findings.failures
        staff.findings.assert_none()
