"""Builders for test data, written through the domain functions (so audit events are real)."""

import asyncio
import contextvars
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

from click.testing import CliRunner
from litestar.testing import TestClient
from sqlalchemy import create_engine, insert, text
from sqlalchemy.ext.asyncio import AsyncSession

from awards.accounts import staff_accounts
from awards.accounts.passwords import Passwords
from awards.catalogue import categories, dramas, seasons
from awards.database import Database
from awards.models import Category, Drama, Round, Season
from awards.models.staff import ADMIN
from awards.settings import Settings

T = TypeVar("T")


@dataclass(frozen=True)
class Ran:
    """How an `awards` command ended: its exit status and what it printed."""

    returncode: int
    stdout: Any  # str, or bytes for `text=False`
    stderr: Any


def run_cli(
    settings: Settings,
    var_dir: Path,
    *args: str,
    stdin: str | None = None,
    text: bool = True,
    lang: str | None = None,
) -> Ran:
    """`awards ARGS` on the test database, run in this process (a process of its own costs
    two seconds of imports) with what an operator's process would have: its own standard
    input and output, and an environment holding only these settings (every other AWARDS_
    variable is hidden for the length of the command) and `lang` as its LANG (the terminal's
    language: none by default, whatever the machine running the tests has). An exception
    fails the test."""
    from awards.cli import awards
    from awards.voting import sealed_files

    hidden = {name: None for name in os.environ if name.startswith("AWARDS_")}
    env = {
        **hidden,
        "LC_ALL": None,
        "LC_MESSAGES": None,
        "LANG": lang,
        # `awards serve` on loopback sets these two; the runner puts them back afterwards.
        "AWARDS_BASE_URL": None,
        "AWARDS_COOKIE_SECURE": None,
        "AWARDS_DATABASE_URL": settings.database_url,
        "AWARDS_VAR_DIR": str(var_dir),
        "AWARDS_RECORDS_DIR": str(settings.records_dir),  # the server's sealed files
        # The test's lowered argon2 costs, as the test app and test servers have them.
        "AWARDS_ARGON2_TIME_COST": str(settings.argon2.time_cost),
        "AWARDS_ARGON2_MEMORY_KIB": str(settings.argon2.memory_kib),
        "AWARDS_ARGON2_PARALLELISM": str(settings.argon2.parallelism),
    }
    # A process of its own would start without the sealed files that the app, or an earlier
    # command, has read (and cached) in this one: a file changed since must be read again.
    sealed_files._read.cache_clear()
    # And with every context variable at its default (the locale, for one), and whatever the
    # command sets there (`tally --lang en` sets the locale) would end with it.
    result = contextvars.Context().run(
        CliRunner(env=env).invoke, awards, args, input=stdin, catch_exceptions=False
    )
    if text:
        return Ran(result.exit_code, result.stdout, result.stderr)
    return Ran(result.exit_code, result.stdout_bytes, result.stderr_bytes)


@contextmanager
def scratch_schema(postgres_url: str) -> Iterator[str]:
    """A new, empty PostgreSQL schema for the length of a test or a benchmark, dropped after:
    yields a URL whose connections use it."""
    url = postgres_url.replace("+psycopg", "").replace("postgresql://", "postgresql+psycopg://", 1)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield url + separator + "options=" + quote(f"-csearch_path={schema}")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def run_db(
    settings: Settings, work: Callable[[AsyncSession], Awaitable[T]], write: bool = True
) -> T:
    """Run `work` in one transaction on its own engine, outside the app."""

    async def main() -> T:
        db = Database.from_settings(settings)
        try:
            async with db.transaction(write=write) as session:
                return await work(session)
        finally:
            await db.dispose()

    return asyncio.run(main())


def create_staff_user(settings: Settings, username: str, password: str, role: str = ADMIN) -> int:
    password_hash = Passwords(settings.argon2, 1).hash_sync(password)

    async def create(s: AsyncSession) -> int:
        user = await staff_accounts.create_staff(
            s, username, username.title(), password_hash, role=role, actor="test"
        )
        return user.id

    return run_db(settings, create)


async def make_season(session: AsyncSession, code: str = "2024") -> Season:
    form = seasons.SeasonForm(code=code, name=f"{code} 年度推优", year=int(code[:4]))
    return await seasons.create_season(session, form, "test")


def drama_form(
    title: str, kind: str = "tv", companies: str = "演示影视有限公司"
) -> dramas.DramaForm:
    return dramas.DramaForm(
        title=title,
        title_en=None,
        kind=kind,
        companies=companies,
        broadcaster="央视",
        episodes=30,
        first_aired_on=date(2024, 4, 25),
        synopsis="",
    )


async def make_drama(session: AsyncSession, season: Season, title: str, **kw: Any) -> Drama:
    return await dramas.create_drama(session, season.id, drama_form(title, **kw), "test")


def category_form(code: str = "best-drama", **overrides: Any) -> categories.CategoryForm:
    values: dict[str, Any] = {
        "code": code,
        "name": "年度优秀电视剧",
        "name_en": None,
        "subject": "work",
        "method": "approval",
        "winners": 3,
        "max_choices": 3,
        "score_min": None,
        "score_max": None,
        "trim": None,
        "quorum": 1,
        "disclosure": "counts",
        "shortlist_size": None,
    }
    values.update(overrides)
    return categories.CategoryForm(**values)


async def make_category(
    session: AsyncSession, season: Season, code: str = "best-drama", **kw: Any
) -> Category:
    return await categories.create_category(session, season, category_form(code, **kw), "test")


class Browser:
    """The test client used as a person's browser: it sends the CSRF token a form would carry."""

    def __init__(self, client: TestClient) -> None:
        self.client = client

    def csrf(self) -> str:
        if "csrftoken" not in self.client.cookies:
            self.client.get("/login")
        return self.client.cookies["csrftoken"]

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, **kw)

    def post(self, url: str, data: dict[str, Any] | None = None, **kw: Any) -> Any:
        form = {"_csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=form, follow_redirects=False, **kw)

    def upload(self, url: str, filename: str, content: bytes) -> Any:
        return self.client.post(
            url,
            data={"_csrf_token": self.csrf()},
            files={"file": (filename, content)},
            follow_redirects=False,
        )

    def set_cookie(self, name: str, value: str) -> None:
        """What a planted or replayed cookie looks like to the server."""
        for cookie in list(self.client.cookies.jar):
            if cookie.name == name:
                self.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
        self.client.cookies.set(name, value, domain="testserver.local")

    def login(self, username: str, password: str) -> Any:
        return self.post("/login", {"username": username, "password": password, "next": "/staff"})


def notice(html: str) -> str | None:
    """The confirmation a page shows after an action (`awards.notices`), as a person reads it."""
    match = re.search(r'<p class="notice" role="status" id="done">([^<]*)</p>', html)
    return match[1] if match else None


def shown_once(browser: Browser, response: Any) -> str | None:
    """The confirmation on the page a redirect leads to; the page seen again shows none."""
    assert response.status_code == 303, response.text[-2000:]
    said = notice(browser.get(response.headers["location"]).text)
    assert notice(browser.get(response.headers["location"]).text) is None
    return said


def field_error(html: str, field: str) -> str | None:
    """The message shown next to a form field, as a person would read it."""
    match = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', html)
    return match[1] if match else None


JUROR_PASSWORD = "juror password for tests"


@dataclass
class Election:
    """An open round built through the domain functions: a season, one panel, jurors with
    passwords, and one category per method."""

    season_id: int
    round_id: int
    juror_ids: list[int]
    emails: list[str]
    categories: dict[str, int]  # method -> category id
    nominees: dict[str, list[str]]  # method -> nominee keys


METHOD_SETTINGS: dict[str, dict[str, Any]] = {
    "approval": {"max_choices": 2},
    "borda": {"max_choices": None},
    "irv": {"max_choices": None},
    "schulze": {"max_choices": None},
    "score_mean": {"max_choices": None, "score_min": 1, "score_max": 10},
    "score_trimmed_mean": {"max_choices": None, "score_min": 0, "score_max": 100, "trim": 1},
}


def build_election(
    settings: Settings,
    jurors: int = 3,
    methods: tuple[str, ...] = ("approval", "irv", "score_mean"),
    open_round: bool = True,
    nominees_per_category: int = 3,
    kind: str = "final",
    season_code: str = "2024",
) -> Election:
    from awards.catalogue import nominees
    from awards.jury import jurors as roster
    from awards.models.base import utcnow
    from awards.voting import opening, round_categories, rounds
    from awards.voting.rounds import nominee_key

    password_hash = Passwords(settings.argon2, 1).hash_sync(JUROR_PASSWORD)
    suffix = "" if season_code == "2024" else f"-{season_code}"  # jurors are people: e-mail unique

    async def build(s: AsyncSession) -> Election:
        season = await make_season(s, season_code)
        panel = await roster.create_panel(s, season, roster.PanelForm("main", "评审委员会"), "test")
        dramas_made = [
            await make_drama(s, season, f"剧目{i}", companies=f"公司{i}")
            for i in range(nominees_per_category)
        ]
        category_ids, keys = {}, {}
        for method in methods:
            category = await make_category(
                s, season, method.replace("_", "-"), method=method, **METHOD_SETTINGS[method]
            )
            await categories.set_panels(s, category, [panel.code], "test")
            made = [
                await nominees.add_nominee(s, category, nominees.NomineeForm(d.id, "", ""), "test")
                for d in dramas_made
            ]
            category_ids[method] = category.id
            keys[method] = [nominee_key(n.id) for n in made]
        members = []
        for i in range(jurors):
            juror = await roster.save_juror(
                s,
                season,
                roster.JurorForm(
                    f"评委{i:03d}", "协会", f"juror{i}{suffix}@example.org", "", (panel.code,)
                ),
                "test",
            )
            juror.password_hash = password_hash
            members.append(juror)
        round_ = await rounds.create_round(
            s, season, rounds.RoundForm(kind, "终评" if kind == "final" else "提名", kind), "test"
        )
        await round_categories.set_categories(s, round_, list(category_ids.values()), "test")
        if open_round:
            await opening.open_round(s, round_, utcnow(), "test")
        return Election(
            season.id,
            round_.id,
            [j.id for j in members],
            [j.email for j in members],
            category_ids,
            keys,
        )

    return run_db(settings, build)


def issue_code(settings: Settings, juror_id: int) -> str:
    """A fresh one-time activation code for a juror, as staff would issue it."""
    from awards.accounts import activation
    from awards.models import Juror
    from awards.models.base import utcnow

    async def issue(session: AsyncSession) -> str:
        juror = await session.get(Juror, juror_id)
        [issued] = await activation.issue_codes(session, [juror], utcnow(), 30, "test")
        return issued.code

    return run_db(settings, issue)


def juror_login(browser: "Browser", email: str, password: str = JUROR_PASSWORD) -> Any:
    return browser.post("/juror/login", {"username": email, "password": password, "next": "/juror"})


def plant_ballot(
    settings: Settings,
    election: "Election",
    content: str,
    tracker: str = "ab" * 16,
    *,
    voter: bool = True,
) -> None:
    """A ballot (and, with `voter`, the first juror's participation) stored behind the cast
    check's back, as a bug or an edit of the database would store them."""
    from awards.models import Ballot, Participation

    async def plant(s: AsyncSession) -> None:
        if voter:
            await s.execute(
                insert(Participation).values(
                    round_id=election.round_id, juror_id=election.juror_ids[0]
                )
            )
        await s.execute(
            insert(Ballot).values(
                tracker=tracker,
                round_id=election.round_id,
                category_id=election.categories["approval"],
                content=content,
            )
        )

    run_db(settings, plant)


def wait_for_the_scrub(client: Any, settings: Settings, round_id: int, seconds: float = 60) -> None:
    """The close scrubs at once, unless a transaction older than the close is still open in
    the database (another test's in this worker's database, autovacuum's): then the schedule
    tries again on its next pass, here on every request, until it is done. A transaction that
    never ends (one the app leaked) fails the test."""
    deadline = time.monotonic() + seconds
    while run_db(settings, lambda s: s.get(Round, round_id), write=False).scrubbed_at is None:
        assert time.monotonic() < deadline, "the storage was never scrubbed after the close"
        time.sleep(0.2)
        client.get("/login")
