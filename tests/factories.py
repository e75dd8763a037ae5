"""Builders for test data, written through the domain functions (so audit events are real)."""

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any, TypeVar

from litestar.testing import TestClient
from sqlalchemy.ext.asyncio import AsyncSession

from awards import categories, dramas, seasons, staff
from awards.database import Database
from awards.models import Category, Drama, Season
from awards.passwords import Passwords
from awards.settings import Settings

T = TypeVar("T")


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


def create_staff_user(settings: Settings, username: str, password: str) -> None:
    password_hash = Passwords(settings.argon2, 1).hash_sync(password)
    run_db(
        settings,
        lambda s: staff.create_staff(s, username, username.title(), password_hash, actor="test"),
    )


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


def field_error(html: str, field: str) -> str | None:
    """The message shown next to a form field, as a person would read it."""
    match = re.search(rf'<p class="error" id="e-{field}">([^<]*)</p>', html)
    return match[1] if match else None
