"""The incremental engine against the truth race's truth (p88.tcp.truth_race, worked out without
the engine), over many seeds and race days, whatever order and batches the reads, gun lines
and participant file arrive in [incremental]. tests/system/test_results_truth.py does the same
once through the whole server."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date

import pytest

from p88.results.clock import hundredths
from p88.results.corrections import CloseCourse
from p88.results.document import setup_from_document
from p88.results.engine import Engine
from p88.results.export import write_csv
from p88.results.model import Entrant, Read, read_at
from p88.results.setup import GunLine
from p88.tcp.truth_race import TruthRace, truth_race


def entrants(race: TruthRace) -> list[Entrant]:
    return [
        Entrant(
            e.bib,
            e.tag,
            e.name,
            e.gender or None,
            birth_date=e.birth_date,
            wave=e.wave,
            course=e.course,
        )
        for e in race.entries
    ]


def inputs(race: TruthRace) -> tuple[list[Read], list[GunLine]]:
    reads: list[Read] = []
    lines: list[GunLine] = []
    for feed in race.all_feeds():
        for stream in feed.streams:
            for o in stream.observations:
                if o.is_read:
                    reads.append(read_at(o.tag, stream.location, o.time))
                else:
                    lines.append(GunLine(len(lines) + 1, hundredths(o.time), stream.location))
    return reads, lines


def rows(engine: Engine) -> list[list[str]]:
    out = io.StringIO()
    write_csv(out, engine.rows(), engine.setup)
    return list(csv.reader(io.StringIO(out.getvalue())))[1:]


@pytest.mark.parametrize("seed", range(6))
def test_any_arrival_order_gives_the_truth(seed: int) -> None:
    day = date(2020, 2, 29) if seed == 0 else date(2023, 1 + seed, 10 + seed)
    race = truth_race(300, seed=seed, event="T", day=day)
    setup = setup_from_document(json.loads(race.setup_json()), day)
    reads, lines = inputs(race)
    rng = random.Random(seed)
    rng.shuffle(reads)
    cuts = sorted(rng.sample(range(1, len(reads)), 12))
    steps: list[tuple[str, object]] = [
        ("reads", reads[a:b]) for a, b in zip([0, *cuts], [*cuts, len(reads)], strict=True)
    ]
    steps += [("read", read) for read in reads[:100]]  # again, one at a time: no change
    steps += [("gun", line) for line in lines] + [("field", entrants(race))]
    rng.shuffle(steps)
    engine = Engine(setup)
    for kind, value in steps:
        if kind == "reads":
            engine.add_reads(value)  # type: ignore[arg-type]
        elif kind == "read":
            engine.add_read(value)  # type: ignore[arg-type]
        elif kind == "gun":
            engine.add_gun_line(value)  # type: ignore[arg-type]
        else:
            engine.set_entrants(value)  # type: ignore[arg-type]
    assert rows(engine) == race.expected_rows()
    built = Engine(setup, entrants(race), lines, (), reads)
    assert rows(built) == race.expected_rows()
    for engine_ in (engine, built):
        engine_.apply(CloseCourse(1, "5K"))
        engine_.apply(CloseCourse(2, "10K"))
        assert rows(engine_) == race.expected_rows(closed=True)
