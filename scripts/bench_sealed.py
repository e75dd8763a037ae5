"""Benchmark: a sealed round from its casts to the auditor's verdict, step by step, against the
targets of the sealed-round issue; prints one table of figures and targets.

    .venv/bin/python scripts/bench_sealed.py [--jurors 200] [--categories 12] [--nominees 330]
                                             [--demo-jurors 8] [--demo-categories 6]
                                             [--demo-nominees 6]

The round is built through the domain functions on a fresh SQLite database, as
scripts/bench_close.py builds its own: a season, a catalogue of --nominees dramas, one panel of
--jurors jurors on every category, and --categories categories of --nominees nominees each,
cycling through approval (up to 30 approved), a ranked method (Borda, IRV, Schulze in turn; each
ballot ranks 10) and score_mean (range 0 to 10, every nominee scored). Five trustees run a 3-of-5
key ceremony in-process (`ballots.sealed.trustee`), their documents received by the server as
uploads are (`awards.trustees.ceremony.receive`); the round then opens.

Measured, with time.perf_counter:

1. casting: every juror's sheet and cast through the casting unit (`ballot_sheets.load_sheet`,
   then `casting.cast` run by `Database.write`), in a plain round and in the sealed one, each on
   a database of its own, with the same ballots, juror by juror in turn (so that another load on
   the machine weighs on both alike): casts per second of each, and their ratio;
2. the close (`closing.close`: the board, its check and the server's mix 1, in the closing
   transaction), and a trustee's extra mix 2 (`annex.mix_document`);
3. a trustee's checks of the box file (the ceremony, the board, every mix), as `python -m
   ballots trustee decrypt` makes them, and each of three trustees' partial decryption;
4. the server's count (`closing.count`: open_box, then the record, its results and the annex),
   and the auditor's `python -m ballots verify --record R --results S --annex A`, in a process
   of its own.

Then a demo-sized round (--demo-jurors x --demo-categories x --demo-nominees, a 2-of-3 ceremony)
runs the whole close-to-results: the close, two trustees' checks and decryptions and their
uploads, and the count. Asserts nothing about time; a step that fails stops the script.
"""

import argparse
import asyncio
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from awards import migrate
from awards.catalogue import categories, dramas
from awards.catalogue import nominees as catalogue
from awards.database import Database
from awards.jury import jurors as roster
from awards.models import Drama, Round
from awards.models.base import utcnow
from awards.settings import Argon2Params, Settings
from awards.trustees import ceremony as ceremonies
from awards.trustees import counting
from awards.voting import casting, closing, opening, round_categories, sealed_files
from awards.voting import rounds as round_domain
from awards.voting.ballot_sheets import BallotCategory, load_sheet
from ballots.content import RANKED
from ballots.sealed import trustee
from ballots.sealed.ceremony import check_ceremony
from ballots.sealed.chain import board_box, document_sha256, mix_document, mixed_box
from ballots.sealed.decryption import decrypt_partially
from tests.factories import drama_form, make_category, make_season

SEASON = "2024"
RANKED_METHODS = ("borda", "irv", "schulze")
APPROVED_AT_MOST = 30
RANKED_PLACES = 10
SCORE_MIN, SCORE_MAX = 0, 10


@dataclass
class Figures:
    """Seconds per step (and a few counts), in the order they were measured."""

    seconds: dict[str, float] = field(default_factory=dict)

    def timed(self, name: str, started: float) -> None:
        self.seconds[name] = time.perf_counter() - started


def category_plan(index: int, nominees: int) -> tuple[str, dict[str, Any]]:
    """The method and settings of the round's category `index`: approval, ranked, score."""
    winners = min(10, nominees)
    if index % 3 == 0:
        return "approval", {"max_choices": min(APPROVED_AT_MOST, nominees), "winners": winners}
    if index % 3 == 1:
        method = RANKED_METHODS[(index // 3) % len(RANKED_METHODS)]
        return method, {"max_choices": None, "winners": winners}
    return "score_mean", {
        "max_choices": None,
        "score_min": SCORE_MIN,
        "score_max": SCORE_MAX,
        "winners": winners,
    }


async def build_round(
    s: AsyncSession, code: str, jurors: int, count: int, nominees: int
) -> tuple[int, list[int]]:
    """The season, catalogue, panel, jurors and the draft round; (round id, juror ids)."""
    season = await make_season(s, SEASON)
    forms = [drama_form(f"剧目{i:04d}", companies=f"出品公司{i % 40}") for i in range(nominees)]
    await dramas.add_dramas(s, season.id, forms, "bench", "bench.xlsx")
    drama_ids = list(
        await s.scalars(select(Drama.id).where(Drama.season_id == season.id).order_by(Drama.id))
    )
    panel = await roster.create_panel(s, season, roster.PanelForm("main", "评审委员会"), "bench")
    category_ids = []
    for index in range(count):
        method, settings = category_plan(index, nominees)
        category = await make_category(s, season, f"cat-{index + 1:02d}", method=method, **settings)
        await categories.set_panels(s, category, [panel.code], "bench")
        for drama_id in drama_ids:
            form = catalogue.NomineeForm(drama_id, "", "")
            await catalogue.add_nominee(s, category, form, "bench")
        category_ids.append(category.id)
    juror_ids = []
    for i in range(jurors):
        form = roster.JurorForm(f"评委{i:04d}", "协会", f"juror{i}@example.org", "", (panel.code,))
        juror_ids.append((await roster.save_juror(s, season, form, "bench")).id)
    round_ = await round_domain.create_round(
        s, season, round_domain.RoundForm(code, "提名评选", "nomination"), "bench"
    )
    await round_categories.set_categories(s, round_, category_ids, "bench")
    return round_.id, juror_ids


def key_ceremony(
    context: dict[str, str], trustees: int, threshold: int
) -> tuple[list[list[dict[str, Any]]], list[int]]:
    """The three phases' documents of an honest ceremony, and each trustee's share."""
    names = [f"受托人{j}" for j in range(1, trustees + 1)]
    begun = [
        trustee.begin(context, trustee=j, trustees=trustees, threshold=threshold, name=name)
        for j, name in enumerate(names, start=1)
    ]
    commitments = [commitment for commitment, _secrets in begun]
    shares = [
        trustee.deal(context, j, secrets, commitments)
        for j, (_commitment, secrets) in enumerate(begun, start=1)
    ]
    accepted = [
        trustee.accept(context, j, secrets, commitments, shares)
        for j, (_commitment, secrets) in enumerate(begun, start=1)
    ]
    confirmations = [confirmation for confirmation, _kept in accepted]
    return [commitments, shares, confirmations], [int(kept["share"], 16) for _c, kept in accepted]


def ballot(item: BallotCategory, rng: random.Random) -> dict[str, Any]:
    keys = sorted(item.rules.nominees)  # not the sheet's order, which depends on the secret key
    method = item.rules.method
    if method == "approval":
        most = min(item.rules.max_choices or len(keys), len(keys))
        return {"approve": sorted(rng.sample(keys, rng.randint(1, most)))}
    if method in RANKED:
        return {"ranking": rng.sample(keys, min(RANKED_PLACES, len(keys)))}
    return {"scores": {k: rng.randint(SCORE_MIN, SCORE_MAX) for k in keys}}


async def cast_all(rounds: list[tuple["Bench", int, list[int]]], seed: int) -> list[float]:
    """Every juror casts once through the casting unit, in each of `rounds` (bench, round id,
    juror ids) in turn, juror by juror, so that a load on the machine weighs on all alike; the
    seconds of each round's sheets and casts. The ballots follow `seed` alone, so rounds of the
    same categories get the same ones."""
    rngs = [random.Random(seed) for _ in rounds]
    spent = [0.0 for _ in rounds]
    for bench, round_id, juror_ids in rounds:  # the configuration, read once by each process
        sheet = await load_sheet(
            bench.db, round_id, juror_ids[0], bench.settings.secret_key, utcnow()
        )
        if sheet.box is not None:
            await _pads_made(sheet.box.pads)
    for turn in zip(*(juror_ids for _b, _r, juror_ids in rounds), strict=True):
        for index, ((bench, round_id, _ids), juror_id) in enumerate(zip(rounds, turn, strict=True)):
            started = time.perf_counter()
            sheet = await load_sheet(
                bench.db, round_id, juror_id, bench.settings.secret_key, utcnow()
            )
            spent[index] += time.perf_counter() - started
            contents = {item.category.id: ballot(item, rngs[index]) for item in sheet.categories}
            started = time.perf_counter()
            await bench.db.write(casting.cast, sheet, juror_id, contents, utcnow())
            spent[index] += time.perf_counter() - started
    return spent


async def _pads_made(pads: Any) -> None:
    """Wait for a sealed round's pads (`awards.trustees.box.PadPool`), as the server makes them
    once its ballot pages are first read: the casts then take them, as jurors who come some
    seconds after the opening do. (Casts beyond the pool make theirs on the spot: the rate of
    a pool used up is that of sealing without pads.)"""
    started = time.perf_counter()
    await asyncio.to_thread(pads.wait_full, 300)
    print(f"{pads.capacity} pads made ahead in {time.perf_counter() - started:.1f} s")


class Bench:
    """One round on a database of its own, in a temporary folder."""

    def __init__(self, var: Path, name: str) -> None:
        url = f"sqlite+aiosqlite:///{var / f'{name}.db'}"
        self.var = var / name
        self.var.mkdir()
        self.settings = Settings(
            database_url=url,
            records_dir=self.var / "records",
            cookie_secure=False,
            argon2=Argon2Params(1, 1024, 1),
        )
        migrate.upgrade(self.settings)
        self.db = Database.from_settings(self.settings)

    async def session(self, work: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
        async with self.db.transaction() as s:
            return await work(s)

    async def round(self, round_id: int) -> Round:
        return await self.session(lambda s: round_domain.get_round(s, round_id))


async def prepare(
    bench: Bench, code: str, sizes: tuple[int, int, int], ceremony: tuple[int, int] | None
) -> tuple[int, list[int], list[int]]:
    """Build and open a round, sealed with a `ceremony` of (trustees, threshold) if given;
    (round id, juror ids, the trustees' shares)."""
    jurors, count, nominees = sizes
    round_id, juror_ids = await bench.session(
        lambda s: build_round(s, code, jurors, count, nominees)
    )
    shares = await seal_and_open(bench, round_id, code, ceremony)
    return round_id, juror_ids, shares


async def seal_and_open(
    bench: Bench, round_id: int, code: str, ceremony: tuple[int, int] | None, booth: bool = False
) -> list[int]:
    """Seal the draft round with a `ceremony` of (trustees, threshold) run in-process, if
    given (`booth`: its ballots encrypted in the jurors' browsers), and open it; the trustees'
    shares."""
    shares: list[int] = []
    if ceremony is not None:
        trustees, threshold = ceremony
        names = [f"受托人{j}" for j in range(1, trustees + 1)]
        named = ceremonies.Named(names, threshold)

        async def name_them(s: AsyncSession) -> None:
            round_ = await round_domain.get_round(s, round_id)
            await ceremonies.set_trustees(s, round_, named, "b", booth=booth)

        await bench.session(name_them)
        phases, shares = key_ceremony({"season": SEASON, "round": code}, trustees, threshold)
        for documents in phases:
            for document in documents:

                async def upload(s: AsyncSession, document: dict[str, Any] = document) -> None:
                    round_ = await round_domain.get_round(s, round_id)
                    await ceremonies.receive(s, round_, document, "bench")

                await bench.session(upload)

    async def open_it(s: AsyncSession) -> None:
        await opening.open_round(s, await round_domain.get_round(s, round_id), utcnow(), "bench")

    await bench.session(open_it)
    return shares


def checked_box(box: dict[str, Any], figures: Figures | None) -> tuple[Any, Any]:
    """A trustee's checks of the box file, as `python -m ballots trustee` makes them:
    (ceremony, the box after the last mix); each check timed into `figures` if given."""
    context, bundle = box["context"], box["ceremony"]
    started = time.perf_counter()
    ceremony = check_ceremony(
        context, bundle["commitments"], bundle["shares"], bundle["confirmations"]
    )
    if figures:
        figures.timed("trustee: check the ceremony", started)
    started = time.perf_counter()
    board = box["board"]
    if document_sha256(board) != box["board_sha256"]:
        raise SystemExit("the board is not the one sealed at close")
    current = board_box(context, box["config"], ceremony, board, box["config_sha256"])
    if figures:
        figures.timed("trustee: check the board", started)
    previous: Any = board
    for position, mix in enumerate(box["mixes"], start=1):
        started = time.perf_counter()
        current = mixed_box(context, ceremony.election_key, position, previous, current, mix)
        previous = mix
        if figures:
            figures.timed(f"trustee: check mix {position}", started)
    return ceremony, current


async def box_file(bench: Bench, round_id: int) -> dict[str, Any]:
    """The box file as a trustee downloads it (through JSON, so nothing is shared)."""

    async def work(s: AsyncSession) -> dict[str, Any]:
        return await counting.box_file(s, await round_domain.get_round(s, round_id))

    return json.loads(json.dumps(await bench.session(work)))


async def receive(bench: Bench, round_id: int, document: dict[str, Any]) -> None:
    async def work(s: AsyncSession) -> None:
        await counting.receive(s, await round_domain.get_round(s, round_id), document, "bench")

    await bench.session(work)


async def close_to_results(
    bench: Bench, round_id: int, shares: list[int], decrypting: tuple[int, ...], extra_mix: bool
) -> tuple[Figures, Round]:
    """The close, an optional trustee's mix, the decryptions of `decrypting`, and the count."""
    figures = Figures()
    started = time.perf_counter()
    await closing.close(bench.db, round_id, utcnow(), "bench", bench.settings)
    figures.timed("close: board, its check, server's mix 1", started)
    if extra_mix:
        box = await box_file(bench, round_id)
        ceremony, current = checked_box(box, None)
        started = time.perf_counter()
        mix = mix_document(
            box["context"], ceremony.election_key, 2, "trustee 4", box["mixes"][-1], current
        )
        figures.timed("trustee 4: mix 2", started)
        started = time.perf_counter()
        await receive(bench, round_id, mix)
        figures.timed("server: receive mix 2 (checks it against the box)", started)
    box = await box_file(bench, round_id)
    ceremony, current = checked_box(box, figures)
    last = document_sha256(box["mixes"][-1])
    for j in decrypting:
        started = time.perf_counter()
        partial = decrypt_partially(box["context"], j, shares[j - 1], current, ceremony.seed, last)
        figures.timed(f"trustee {j}: partial decryption", started)
        started = time.perf_counter()
        await receive(bench, round_id, json.loads(json.dumps(partial.to_json())))
        figures.timed(f"server: receive trustee {j}'s (checks it against the box)", started)
    started = time.perf_counter()
    await closing.count(bench.db, round_id, utcnow(), "bench", bench.settings)
    figures.timed("count: open_box, record, results, annex", started)
    return figures, await bench.round(round_id)


def verify(settings: Settings, counted: Round) -> float:
    """The auditor's verifier in a process of its own; its seconds."""
    record, results, _public = sealed_files.paths(settings.records_dir, counted.record_file)
    annex = sealed_files.annex_path(settings.records_dir, counted.record_file)
    command = [sys.executable, "-m", "ballots", "verify", "--record", str(record)]
    command += ["--results", str(results), "--annex", str(annex)]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the verifier refused the round: {done.stdout[-1500:]}{done.stderr}")
    return seconds


def row(what: str, figure: str, target: str, met: bool | None) -> tuple[str, str, str, str]:
    return what, figure, target, {True: "yes", False: "NO", None: ""}[met]


def casting_rows(casts: int, plain: float, sealed: float) -> list[tuple[str, ...]]:
    """`plain` and `sealed`: the seconds that `casts` casts took in each round."""
    plain_rate, sealed_rate = casts / plain, casts / sealed
    ratio = sealed_rate / plain_rate
    return [
        row("cast, plain round", f"{plain_rate:.1f} casts/s", "", None),
        row("cast, sealed round", f"{sealed_rate:.1f} casts/s", "", None),
        row("  sealed / plain", f"{ratio:.0%}", ">= 70%", ratio >= 0.7),
    ]


def seconds_rows(figures: Figures, targets: dict[str, float]) -> list[tuple[str, ...]]:
    return [
        row(
            name,
            f"{seconds:.2f} s",
            f"< {targets[name]:g} s" if name in targets else "",
            seconds < targets[name] if name in targets else None,
        )
        for name, seconds in figures.seconds.items()
    ]


def full_round(args: argparse.Namespace, var: Path) -> list[tuple[str, ...]]:
    sizes = (args.jurors, args.categories, args.nominees)
    plain = Bench(var, "plain")
    plain_round, plain_jurors, _ = asyncio.run(prepare(plain, "nom-plain", sizes, None))
    sealed = Bench(var, "sealed")
    round_id, juror_ids, shares = asyncio.run(prepare(sealed, "nom", sizes, (5, 3)))
    rounds = [(plain, plain_round, plain_jurors), (sealed, round_id, juror_ids)]
    plain_seconds, sealed_seconds = asyncio.run(cast_all(rounds, args.seed))
    print(f"{len(juror_ids)} casts: {plain_seconds:.1f} s plain, {sealed_seconds:.1f} s sealed")
    figures, counted = asyncio.run(
        close_to_results(sealed, round_id, shares, (1, 3, 5), extra_mix=True)
    )
    figures.seconds["auditor: ballots verify (2 mixes, 3 partials)"] = verify(
        sealed.settings, counted
    )
    seconds = figures.seconds
    checks = sum(v for k, v in seconds.items() if k.startswith("trustee: check"))
    decrypting = max(v for k, v in seconds.items() if k.endswith("partial decryption"))
    seconds["trustee: checks + slowest partial decryption"] = checks + decrypting
    targets = {
        "close: board, its check, server's mix 1": 20,
        "trustee 4: mix 2": 20,
        "trustee: checks + slowest partial decryption": 30,
        "auditor: ballots verify (2 mixes, 3 partials)": 150,
    }
    cast_rows = casting_rows(len(juror_ids), plain_seconds, sealed_seconds)
    return cast_rows + seconds_rows(figures, targets)


def demo_round(args: argparse.Namespace, var: Path) -> list[tuple[str, ...]]:
    sizes = (args.demo_jurors, args.demo_categories, args.demo_nominees)
    demo = Bench(var, "demo")
    round_id, juror_ids, shares = asyncio.run(prepare(demo, "demo", sizes, (3, 2)))
    asyncio.run(cast_all([(demo, round_id, juror_ids)], args.seed))
    figures, _counted = asyncio.run(
        close_to_results(demo, round_id, shares, (1, 2), extra_mix=False)
    )
    whole = sum(figures.seconds.values())
    return [
        *seconds_rows(figures, {}),
        row("demo: close to results, in all", f"{whole:.2f} s", "< 10 s", whole < 10),
    ]


def print_table(title: str, rows: list[tuple[str, ...]]) -> None:
    header = ("step", "figure", "target", "met")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for line in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jurors", type=int, default=200)
    parser.add_argument("--categories", type=int, default=12)
    parser.add_argument("--nominees", type=int, default=330, help="in every category")
    parser.add_argument("--demo-jurors", type=int, default=8)
    parser.add_argument("--demo-categories", type=int, default=6)
    parser.add_argument("--demo-nominees", type=int, default=6)
    parser.add_argument("--seed", type=int, default=2024, help="of the ballots")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        full = full_round(args, Path(tmp))
        demo = demo_round(args, Path(tmp))
    sizes = f"{args.jurors} jurors x {args.categories} categories x {args.nominees} nominees"
    print_table(f"sealed round, {sizes}, 3 of 5 trustees", full)
    demo_sizes = f"{args.demo_jurors} x {args.demo_categories} x {args.demo_nominees}"
    print_table(f"demo round, {demo_sizes}, 2 of 3 trustees", demo)
    print(f"\nwhole script: {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
