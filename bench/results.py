"""Results engine benchmark: a synthetic 30,000-runner, 6-point race, in this process.

    python bench/results.py                      # 30,000 runners, 5 reads per crossing
    python bench/results.py --runners 56000      # a big-city marathon's field

Figures:
- full recompute: `compute()` from scratch (reads as `Read`s with times in hundredths), and
  building an `Engine` from the same stored inputs (what a restart does); best of --repeat;
- converting the reads' datetimes to hundredths (what loading them from the database adds);
- per-crossing incremental update: the engine holds the race except --crossings finish
  crossings of runners spread over the whole field; each crossing's reads then go in as one
  `add_reads` (one ingest batch), in time order; median, p90, p99, max. Also one read at a
  time (`add_read`);
- updates that touch many runners: wave 2's gun moved, the participant list imported again;
- the CSV of every participant, and the problem list, once.

The garbage collector is tuned as `p88 serve` tunes it (p88/app.py); `--default-gc` keeps
CPython's thresholds, under which a full collection walking ~2 million live objects lands in
the middle of a rebuild.

The race: two waves 10 minutes apart, a start mat, 5K/10K/15K/20K splits and a finish, each
crossing read --reads-per-crossing times within about a second; 5 % never start, 3 % stop
on course, 1 % miss the start mat, 40 tags nobody wears.
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from p88.results.clock import SECOND, hundredths
from p88.results.compute import compute
from p88.results.corrections import MoveGun
from p88.results.engine import Engine
from p88.results.export import write_csv
from p88.results.model import Entrant, Read
from p88.results.setup import Course, GunLine, Setup, Split, Wave

GUN = hundredths(datetime(2024, 4, 21, 8, 0, 0))
WAVE_GAP = 600 * SECOND
SPLITS = (("5K", 5000.0), ("10K", 10000.0), ("15K", 15000.0), ("20K", 20000.0))
DISTANCE = 21097.5


def race_setup() -> Setup:
    course = Course(
        "HALF",
        finish="FINISH",
        start="START",
        splits=tuple(Split(point, metres) for point, metres in SPLITS),
        distance_m=DISTANCE,
        min_time=40 * 60 * SECOND,
    )
    return Setup(courses=(course,), waves=(Wave("1"), Wave("2")), gun_location="START")


def crossing(tag: str, point: str, at: int, reads: int, rnd: random.Random) -> list[Read]:
    """A runner over a mat: `reads` reads within about a second."""
    return [Read(tag, point, at + rnd.randrange(0, 100)) for _ in range(reads)]


def runner_reads(
    tag: str, gun: int, rnd: random.Random, per_crossing: int
) -> tuple[list[list[Read]], bool]:
    """One runner's crossings in course order (the last may be the finish)."""
    fate = rnd.random()
    if fate < 0.05:
        return [], False  # never started
    start = gun + rnd.randrange(0, 8 * 60 * SECOND)
    pace = rnd.uniform(3.0, 8.0) * 60 * SECOND / 1000  # hundredths per metre
    crossings = []
    if fate >= 0.06:
        crossings.append(crossing(tag, "START", start, per_crossing, rnd))
    stop = rnd.choice(SPLITS)[1] if fate > 0.97 else None
    for point, metres in SPLITS:
        if stop is not None and metres > stop:
            return crossings, False
        crossings.append(crossing(tag, point, start + int(metres * pace), per_crossing, rnd))
    crossings.append(crossing(tag, "FINISH", start + int(DISTANCE * pace), per_crossing, rnd))
    return crossings, True


def make_race(runners: int, per_crossing: int, seed: int) -> dict[str, Any]:
    rnd = random.Random(seed)
    entrants, reads, finishes = [], [], []
    for i in range(1, runners + 1):
        wave = "1" if i <= runners // 2 else "2"
        entrants.append(
            Entrant(
                str(i),
                f"{i:06d}",
                name=f"Runner {i}",
                gender=rnd.choice("FM"),
                age=rnd.randrange(16, 85),
                wave=wave,
            )
        )
        gun = GUN + (WAVE_GAP if wave == "2" else 0)
        crossings, finished = runner_reads(f"{i:06d}", gun, rnd, per_crossing)
        if finished:
            finishes.append(crossings.pop())
        for reads_of_crossing in crossings:
            reads.extend(reads_of_crossing)
    for ghost in range(40):
        reads.extend(crossing(f"X{ghost}", "FINISH", GUN + rnd.randrange(0, 10**6), 3, rnd))
    lines = [GunLine(1, GUN, "START"), GunLine(2, GUN + WAVE_GAP, "START")]
    return {"entrants": entrants, "reads": reads, "finishes": finishes, "lines": lines}


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


def best_of(repeat: int, work: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - began)
    return best, result


def timings_ms(samples: list[float]) -> str:
    ordered = sorted(samples)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return (
        f"median {statistics.median(ordered) * 1000:.3f} ms, p90 {pick(0.9):.3f}, "
        f"p99 {pick(0.99):.3f}, max {ordered[-1] * 1000:.3f}"
    )


def incremental(setup: Setup, race: dict[str, Any], crossings: int, rnd: random.Random) -> None:
    finishes = race["finishes"]
    held = set(rnd.sample(range(len(finishes)), min(crossings, len(finishes))))
    stored = [r for i, c in enumerate(finishes) if i not in held for r in c]
    live = sorted((finishes[i] for i in held), key=lambda c: min(r.time for r in c))
    for one_read in (False, True):
        engine = Engine(setup, race["entrants"], race["lines"], (), race["reads"] + stored)
        samples, rows, shifts = [], 0, 0
        for batch in live:
            began = time.perf_counter()
            if one_read:
                found = [engine.add_read(read) for read in batch]
            else:
                found = [engine.add_reads(batch)]
            samples.append(time.perf_counter() - began)
            rows += len(set().union(*(changes.rows for changes in found)))
            shifts += sum(len(changes.shifts) for changes in found)
        what = "add_read per read of a crossing" if one_read else "add_reads per crossing"
        print(f"incremental ({what}, {len(live)} finishes mid-field): {timings_ms(samples)}")
        per = len(live)
        print(f"  change sets: {rows / per:.2f} rows, {shifts / per:.2f} shifts a crossing")


def whole_updates(engine: Engine, race: dict[str, Any]) -> None:
    """Updates that touch many runners: a moved gun, an import."""
    began = time.perf_counter()
    changes = engine.apply(MoveGun(1, "2", GUN + WAVE_GAP + 2 * SECOND))
    print(
        f"move the gun of wave 2 ({len(changes.rows):,} rows changed): "
        f"{time.perf_counter() - began:.2f} s"
    )
    entrants = list(race["entrants"])
    entrants[7] = replace(entrants[7], name="Renamed Runner")
    began = time.perf_counter()
    changes = engine.set_entrants(entrants)
    print(
        f"import the participants again, one changed ({len(changes.rows)} row): "
        f"{time.perf_counter() - began:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runners", type=int, default=30_000)
    parser.add_argument("--reads-per-crossing", type=int, default=5)
    parser.add_argument("--crossings", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=88)
    parser.add_argument(
        "--default-gc", action="store_true", help="CPython's collector thresholds, not serve's"
    )
    args = parser.parse_args()
    setup = race_setup()
    race = make_race(args.runners, args.reads_per_crossing, args.seed)
    reads = race["reads"] + [r for c in race["finishes"] for r in c]
    if not args.default_gc:
        gc.freeze()  # as p88 serve tunes it after start-up (p88/app.py)
        gc.set_threshold(100_000, 50, 100)
    print(
        f"race: {args.runners:,} runners, 6 points, {len(reads):,} reads, "
        f"{len(race['finishes']):,} finishers"
    )
    inputs = (setup, race["entrants"], race["lines"], (), reads)
    before = rss_mb()
    kept = Engine(*inputs)
    print(f"memory: an Engine holding this race adds about {rss_mb() - before:.0f} MB of RSS")
    del kept
    seconds, snapshot = best_of(args.repeat, lambda: compute(*inputs))
    print(f"full recompute, compute() from scratch: {seconds:.2f} s (best of {args.repeat})")
    seconds, engine = best_of(args.repeat, lambda: Engine(*inputs))
    print(f"full recompute, Engine built from stored inputs (a restart): {seconds:.2f} s")
    assert snapshot.rows == {row.entrant.bib: row for row in engine.rows()}
    moments = [datetime(2024, 4, 21) + timedelta(microseconds=r.time * 10) for r in reads]
    seconds, _ = best_of(args.repeat, lambda: [hundredths(m) for m in moments])
    print(f"  + datetimes to hundredths for {len(moments):,} reads: {seconds:.2f} s")
    incremental(setup, race, args.crossings, random.Random(args.seed))
    whole_updates(engine, race)
    seconds, count = best_of(1, lambda: write_csv(io.StringIO(), engine.rows(), setup))
    print(f"CSV of {count:,} participants: {seconds:.2f} s")
    seconds, problems = best_of(1, engine.problems)
    print(f"problems ({len(problems)}): {seconds:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
