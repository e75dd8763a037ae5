"""Benchmark: import 10,000 dramas from XLSX, then render the drama list page at that size.

    .venv/bin/python scripts/bench_import.py [--dramas 10000] [--database-url URL]

Uses a fresh SQLite file (or the given database), the real migrations, the real importer and the
real pages through Litestar's test client. Prints the figures; asserts nothing about time.
"""

import argparse
import asyncio
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import openpyxl
from litestar.testing import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awards import migrate
from awards.app import create_app
from awards.catalogue import files as catalogue_files
from awards.csv_files import csv_bytes
from awards.database import Database
from awards.models import Season
from awards.settings import Argon2Params, Settings
from awards.spreadsheets import Limits
from tests.factories import Browser, create_staff_user, make_season, run_db

KINDS = ["电视剧", "网络剧", "其他"]
COMPANIES = [
    "北京演示影视",
    "上海演示传媒",
    "浙江演示影业",
    "示例网络科技",
    "湖南演示广电",
    "正午演示影业",
]


HEADER = ["剧名", "英文名", "类型", "出品公司", "播出平台", "集数", "首播日期", "简介"]


def drama_rows(count: int) -> list[list[object]]:
    """`count` catalogue rows, the same at every run."""
    rng = random.Random(2024)
    start = date(2024, 1, 1)
    return [
        [
            f"演示剧目{i:05d}",
            f"Demo {i}",
            rng.choice(KINDS),
            "；".join(rng.sample(COMPANIES, 2)),
            "演示卫视",
            rng.randint(6, 60),
            start + timedelta(days=rng.randint(0, 365)),
            "一段简介。" * 10,
        ]
        for i in range(count)
    ]


def workbook(count: int) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("dramas")
    sheet.append(HEADER)
    for row in drama_rows(count):
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_file(count: int) -> bytes:
    return csv_bytes(HEADER, [[str(cell) for cell in row] for row in drama_rows(count)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dramas", type=int, default=10_000)
    parser.add_argument("--database-url")
    parser.add_argument("--repeat", type=int, default=20, help="page renders per measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}"
        settings = Settings(
            database_url=url,
            base_url="http://testserver.local",
            cookie_secure=False,
            argon2=Argon2Params(time_cost=1, memory_kib=1024, parallelism=1),
        )
        migrate.upgrade(settings)
        season = run_db(settings, make_season)
        data = workbook(args.dramas)
        print(f"XLSX with {args.dramas:,} dramas: {len(data) / 1e6:.1f} MB")

        async def run_import() -> float:
            db = Database.from_settings(settings)
            try:
                started = time.perf_counter()
                file = catalogue_files.read_dramas("bench.xlsx", data, Limits.of(settings))
                async with db.transaction() as session:
                    current = await session.get(Season, season.id)
                    await catalogue_files.import_dramas(session, current, file, "bench")
                return time.perf_counter() - started
            finally:
                await db.dispose()

        print(f"import (read, check every row, insert, commit): {asyncio.run(run_import()):.2f} s")
        create_staff_user(settings, "bench", "bench password long enough")
        with TestClient(create_app(settings), base_url="http://testserver.local") as client:
            browser = Browser(client)
            browser.login("bench", "bench password long enough")
            base = f"/staff/seasons/{season.id}/dramas"
            for label, path in [
                ("first page", base),
                ("page 100", f"{base}?page=100"),
                ("search by company", f"{base}?q=示例网络"),
                ("filter by type", f"{base}?kind=web&page=20"),
            ]:
                timings = []
                for _ in range(args.repeat):
                    started = time.perf_counter()
                    response = browser.get(path)
                    timings.append(time.perf_counter() - started)
                    if response.status_code != 200:
                        raise SystemExit(f"{path} answered {response.status_code}")
                timings.sort()
                print(
                    f"drama list, {label}: median {statistics.median(timings) * 1000:.1f} ms, "
                    f"p95 {timings[int(len(timings) * 0.95) - 1] * 1000:.1f} ms"
                )


if __name__ == "__main__":
    main()
