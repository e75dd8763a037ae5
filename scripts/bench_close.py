"""Benchmark: close a large round through the staff page of uvicorn on 127.0.0.1 while another
client keeps requesting a page; reports the close time and the longest stall of that client.

    .venv/bin/python scripts/bench_close.py [--jurors 200] [--categories 12] [--big 330]
                                            [--big-ranked schulze] [--runs 1] [--postgres URL]
                                            [--probe /rounds/]

The round (issue 8, item 8) is built through the domain functions, as tests/factories.py does:
a season, a catalogue of --big + 30 dramas, two panels splitting --jurors jurors, both on every
category, and an open nomination round over --categories categories covering the six methods.
Three are big, with --big nominees each: approval with max_choices 30, a ranked one (--big-ranked,
default Schulze, whose count grows with the cube of the nominees) and a mean score; the others
have 8 to 15. One juror in twenty declared a company, so the record carries recusals, and those
jurors sit out the ranked categories with a nominee of theirs (as opening decides).

Every juror then casts in-process through the casting unit (`awards.voting.casting.cast` run by
`Database.write`, on the sheet of `ballot_sheets.load_sheet`), not through HTTP: casting is not
what is measured. Ballots follow a popularity per nominee plus each juror's own taste: approvals
of up to max_choices, full or partial rankings (in a big category mostly a top 40 at most),
scores in range, and 3% abstentions.

Then uvicorn (one worker) starts on that database, a staff user logs in, and one client requests
--probe (default the public round list, which reads the database) every 5 ms, one request at a
time, so a stalled event loop shows as one long request. After a second of that, the staff user
POSTs /staff/rounds/{id}/close. Reported: the close time (POST to answer), the server's CPU
during it, the probe latencies of requests that overlapped the close (max, p50, p99, count)
against those of the second before, and the sizes of the record and results files. The close
must answer 303, the round page must show the round closed, and the record must hold every
ballot cast. With --runs N every run starts from a fresh database and a fresh server. Asserts
nothing about time.
"""

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awards import migrate
from awards.catalogue import categories, dramas, nominees
from awards.database import Database
from awards.jury import conflicts
from awards.jury import jurors as roster
from awards.models import Drama
from awards.models.base import utcnow
from awards.settings import Argon2Params, Settings
from awards.voting import casting, opening, round_categories, sealed_files
from awards.voting import rounds as round_domain
from awards.voting.ballot_sheets import BallotCategory, load_sheet
from ballots.content import ABSTAIN, RANKED
from ballots.record import parse_record
from scripts.bench_cast import cpu_seconds, percentile
from tests.factories import (
    create_staff_user,
    drama_form,
    make_category,
    make_season,
    run_db,
    scratch_schema,
)
from tests.server import Server

STAFF, STAFF_PASSWORD = "bench", "bench password long enough"
SEASON, ROUND = "2024", "nom"  # codes, which name the record file
PROBE_EVERY = 0.005  # seconds between the end of one probe request and the start of the next
BASELINE_SECONDS = 1.0  # probing before the close, for the latency of an idle server
AFTER_SECONDS = 0.3  # and after it, so the request in flight at the answer is seen whole
ABSTAIN_SHARE = 0.03
COMPANIES = 40  # drama i is made by 出品公司{i % 40}: each company has about ten dramas
SMALL_METHODS = (
    "irv",
    "schulze",
    "borda",
    "score_trimmed_mean",
    "approval",
    "score_mean",
)
DISCLOSURES = ("full", "counts", "ranking", "winners")


@dataclass(frozen=True)
class Plan:
    """One category of the round: its method, size and settings."""

    code: str
    method: str
    nominees: int
    subject: str
    settings: dict[str, Any]


def plan_categories(count: int, big: int, big_ranked: str, rng: random.Random) -> list[Plan]:
    plans = [
        Plan("nom-drama", "approval", big, "work", {"max_choices": 30, "winners": 30}),
        Plan("nom-ranked", big_ranked, big, "work", {"max_choices": None, "winners": 10}),
        Plan(
            "nom-score",
            "score_mean",
            big,
            "work",
            {"max_choices": None, "score_min": 1, "score_max": 10, "winners": 10},
        ),
    ]
    for i in range(count - len(plans)):
        method = SMALL_METHODS[i % len(SMALL_METHODS)]
        settings: dict[str, Any] = {"max_choices": None, "winners": 1 + i % 3}
        if method == "approval":
            settings["max_choices"] = 3
        elif method == "score_mean":
            settings.update(score_min=1, score_max=10)
        elif method == "score_trimmed_mean":
            settings.update(score_min=0, score_max=100, trim=1)
        subject = "person" if i % 2 else "work"  # best actor, best director, ...
        plans.append(Plan(f"cat-{i + 1:02d}", method, rng.randint(8, 15), subject, settings))
    return plans[:count]


async def build_round(
    s: AsyncSession, plans: list[Plan], jurors: int, rng: random.Random
) -> tuple[int, list[int]]:
    """The season, catalogue, panels, jurors and the open round; returns (round id, juror ids)."""
    season = await make_season(s, SEASON)
    # The catalogue arrives as a spreadsheet import would bring it: in bulk, one audit event,
    # from forms already checked (companies one a line, as the importer leaves them).
    forms = [
        drama_form(f"剧目{i:04d}", companies=f"出品公司{i % COMPANIES}\n联合出品{i % 7}")
        for i in range(max(p.nominees for p in plans) + 30)
    ]
    await dramas.add_dramas(s, season.id, forms, "bench", "bench.xlsx")
    drama_ids = list(
        await s.scalars(select(Drama.id).where(Drama.season_id == season.id).order_by(Drama.id))
    )
    panels = [
        await roster.create_panel(s, season, roster.PanelForm(code, name), "bench")
        for code, name in (("main", "评审委员会"), ("experts", "专家评审组"))
    ]
    category_ids = []
    for index, plan in enumerate(plans):
        category = await make_category(
            s,
            season,
            plan.code,
            name=f"{plan.code} 奖项",
            method=plan.method,
            subject=plan.subject,
            disclosure=DISCLOSURES[index % len(DISCLOSURES)],
            shortlist_size=5 if plan.nominees > 20 else None,
            **plan.settings,
        )
        await categories.set_panels(s, category, [p.code for p in panels], "bench")
        for n, drama_id in enumerate(sorted(rng.sample(drama_ids, plan.nominees))):
            person = f"演员{n:03d}" if plan.subject == "person" else ""
            form = nominees.NomineeForm(drama_id, person, "主演" if person else "")
            await nominees.add_nominee(s, category, form, "bench")
        category_ids.append(category.id)
    juror_ids = []
    for i in range(jurors):
        panel = panels[i % len(panels)]
        form = roster.JurorForm(f"评委{i:04d}", "协会", f"juror{i}@example.org", "", (panel.code,))
        juror = await roster.save_juror(s, season, form, "bench")
        if i % 20 == 7:  # a few conflicts of interest, so the record carries recusals
            company = f"出品公司{(i // 20) % COMPANIES}"
            await conflicts.declare(s, juror.id, company=company, role="监制")
        juror_ids.append(juror.id)
    round_ = await round_domain.create_round(
        s, season, round_domain.RoundForm(ROUND, "提名评选", "nomination"), "bench"
    )
    await round_categories.set_categories(s, round_, category_ids, "bench")
    await opening.open_round(s, round_, utcnow(), "bench")
    return round_.id, juror_ids


def ballot(
    item: BallotCategory, popularity: dict[str, float], rng: random.Random
) -> dict[str, Any]:
    """One juror's ballot in one category: nominees in the juror's order of preference (shared
    popularity plus personal taste), recused nominees left out as the sheet requires."""
    if rng.random() < ABSTAIN_SHARE:
        return dict(ABSTAIN)
    rules = item.rules
    keys = sorted(rules.nominees)  # not the sheet's order, which depends on the secret key
    for k in keys:
        popularity.setdefault(k, rng.gauss(0, 1))
    liking = {k: popularity[k] + rng.gauss(0, 1) for k in keys}
    ordered = sorted(keys, key=liking.__getitem__, reverse=True)
    if rules.method == "approval":
        most = min(rules.max_choices or len(keys), len(keys))
        return {"approve": sorted(ordered[: rng.randint(1, most)])}
    if rules.method in RANKED:
        full = rng.random() < (0.6 if len(keys) <= 20 else 0.1)
        # Nobody ranks 330 dramas by hand often: most rank their top few dozen at most.
        return {"ranking": ordered if full else ordered[: rng.randint(1, min(len(keys), 40))]}
    lo, hi = int(rules.score_min), int(rules.score_max)  # score methods always have a range
    scored = (
        keys
        if len(keys) <= 20 and rng.random() < 0.7
        else rng.sample(keys, rng.randint(1, len(keys)))
    )
    middle, spread = (lo + hi) / 2, (hi - lo) / 4
    return {"scores": {k: min(hi, max(lo, round(middle + spread * liking[k]))) for k in scored}}


async def cast_all(
    settings: Settings, round_id: int, juror_ids: list[int], rng: random.Random
) -> tuple[int, int]:
    """Every juror casts once, through the casting unit; returns (ballots, abstentions)."""
    db = Database.from_settings(settings)
    popularity: dict[str, float] = {}
    stored = abstained = 0
    try:
        for juror_id in juror_ids:
            sheet = await load_sheet(db, round_id, juror_id, settings.secret_key, utcnow())
            contents = {}
            for item in sheet.categories:
                contents[item.category.id] = ballot(item, popularity, rng)
            await db.write(casting.cast, sheet, juror_id, contents, utcnow())
            stored += len(contents)
            abstained += sum(1 for c in contents.values() if c == ABSTAIN)
    finally:
        await db.dispose()
    return stored, abstained


async def staff_client(base_url: str) -> tuple[httpx.AsyncClient, str]:
    """A logged-in staff browser: its client and the CSRF token its forms carry."""
    client = httpx.AsyncClient(base_url=base_url, timeout=600)
    await client.get("/login")
    token = client.cookies["csrftoken"]
    response = await client.post(
        "/login",
        data={
            "username": STAFF,
            "password": STAFF_PASSWORD,
            "next": "/staff",
            "_csrf_token": token,
        },
    )
    if response.status_code != 303:
        raise RuntimeError(f"staff login answered {response.status_code}")
    return client, token


async def close_while_probed(
    base_url: str, round_id: int, probe_path: str, server_pid: int
) -> dict[str, Any]:
    staff, token = await staff_client(base_url)
    probe = httpx.AsyncClient(base_url=base_url, timeout=600)
    samples: list[tuple[float, float, int]] = []  # (start, end, status) of each probe request
    stop = asyncio.Event()

    async def probing() -> None:
        while not stop.is_set():
            begun = time.perf_counter()
            response = await probe.get(probe_path)
            samples.append((begun, time.perf_counter(), response.status_code))
            await asyncio.sleep(PROBE_EVERY)

    prober = asyncio.create_task(probing())
    try:
        await asyncio.sleep(BASELINE_SECONDS)
        cpu_before = cpu_seconds(server_pid)
        started = time.perf_counter()
        answer = await staff.post(
            f"/staff/rounds/{round_id}/close", data={"_csrf_token": token, "confirm": "yes"}
        )
        ended = time.perf_counter()
        server_cpu = cpu_seconds(server_pid) - cpu_before
        await asyncio.sleep(AFTER_SECONDS)
        stop.set()
        await prober
        page = await staff.get(f"/staff/rounds/{round_id}")
    finally:
        stop.set()
        prober.cancel()
        await staff.aclose()
        await probe.aclose()
    # A request that overlapped the close, even in part, was exposed to its stall.
    during = [(b, e) for b, e, _s in samples if e > started and b < ended]
    before = [e - b for b, e, _s in samples if e <= started]
    return {
        "close_status": answer.status_code,
        "location": answer.headers.get("location", ""),
        # The results link is on the round page only once the round is closed.
        "shown_closed": page.status_code == 200 and f"/rounds/{round_id}/results" in page.text,
        "close_s": ended - started,
        "server_cpu_s": server_cpu,
        "during_ms": [(e - b) * 1000 for b, e in during],
        "before_ms": [x * 1000 for x in before],
        "probe_errors": sum(1 for *_t, status in samples if status != 200),
    }


def one_run(args: argparse.Namespace, run: int) -> dict[str, Any]:
    rng = random.Random(2024 + run)
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as stack:
        var = Path(tmp)
        url = (
            stack.enter_context(scratch_schema(args.postgres))
            if args.postgres
            else f"sqlite+aiosqlite:///{var / 'bench.db'}"
        )
        # Logins are not measured: cheap argon2, for the staff user and the server alike.
        settings = Settings(database_url=url, cookie_secure=False, argon2=Argon2Params(1, 1024, 1))
        migrate.upgrade(settings)
        began = time.perf_counter()
        plans = plan_categories(args.categories, args.big, args.big_ranked, rng)
        round_id, juror_ids = run_db(settings, lambda s: build_round(s, plans, args.jurors, rng))
        built = time.perf_counter()
        stored, abstained = asyncio.run(cast_all(settings, round_id, juror_ids, rng))
        cast = time.perf_counter()
        print(
            f"run {run}: built {len(plans)} categories, {sum(p.nominees for p in plans)} "
            f"nominees, {len(juror_ids)} jurors in {built - began:.1f} s; cast {stored} ballots "
            f"({abstained} abstentions) in {cast - built:.1f} s"
        )
        create_staff_user(settings, STAFF, STAFF_PASSWORD)
        server = Server(settings, var)
        # Where the server writes the record, whatever this shell's AWARDS_RECORDS_DIR says.
        server.env["AWARDS_RECORDS_DIR"] = str(var / "records")
        with server:
            figures = asyncio.run(
                close_while_probed(server.url, round_id, args.probe, server.process.pid)
            )
        closed = run_db(settings, lambda s: round_domain.get_round(s, round_id), write=False)
        record_file, results_file, _public = sealed_files.paths(var / "records", closed.record_file)
        if figures["close_status"] != 303 or not figures["shown_closed"]:
            raise SystemExit(
                f"the close failed: {figures['close_status']} {figures['location']}; "
                + (var / "uvicorn.log").read_text()[-2000:]
            )
        record = parse_record(record_file.read_bytes())
        in_record = sum(len(c.ballots) for c in record.categories)
        if in_record != stored:
            raise SystemExit(f"the record holds {in_record} ballots, {stored} were cast")
        figures.update(
            record_bytes=record_file.stat().st_size, results_bytes=results_file.stat().st_size
        )
        return figures


def report(run: int, f: dict[str, Any]) -> None:
    during, before = f["during_ms"], f["before_ms"]
    print(
        f"run {run}: close {f['close_s'] * 1000:.0f} ms (answer {f['close_status']}, server CPU "
        f"{f['server_cpu_s'] * 1000:.0f} ms); {len(during)} probe requests during the close: "
        f"longest {max(during):.0f} ms, p50 {percentile(during, 0.5):.1f} ms, p99 "
        f"{percentile(during, 0.99):.0f} ms (before the close: {len(before)} requests, p50 "
        f"{percentile(before, 0.5):.1f} ms, max {max(before):.1f} ms); record "
        f"{f['record_bytes'] / 1e6:.2f} MB, results {f['results_bytes'] / 1e6:.2f} MB; "
        f"probe errors {f['probe_errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jurors", type=int, default=200)
    parser.add_argument("--categories", type=int, default=12, help="the first three are big")
    parser.add_argument("--big", type=int, default=330, help="nominees in each big category")
    parser.add_argument(
        "--big-ranked", choices=sorted(RANKED), default="schulze", help="the big ranked method"
    )
    parser.add_argument("--runs", type=int, default=1, help="each on a fresh database")
    parser.add_argument(
        "--postgres", metavar="URL", help="run on PostgreSQL, in a scratch schema dropped after"
    )
    parser.add_argument("--probe", default="/rounds/", help="the page the other client requests")
    args = parser.parse_args()
    started = time.perf_counter()
    runs = []
    for run in range(1, args.runs + 1):
        runs.append(one_run(args, run))
        report(run, runs[-1])
    if len(runs) > 1:
        for label, values in [
            ("close (ms)", [f["close_s"] * 1000 for f in runs]),
            ("longest stall (ms)", [max(f["during_ms"]) for f in runs]),
            ("probe p50 during (ms)", [percentile(f["during_ms"], 0.5) for f in runs]),
            ("probe p99 during (ms)", [percentile(f["during_ms"], 0.99) for f in runs]),
            ("probe requests during", [len(f["during_ms"]) for f in runs]),
        ]:
            print(
                f"{label}: min {min(values):.1f}, median {statistics.median(values):.1f}, "
                f"max {max(values):.1f}"
            )
    print(f"whole script: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
