"""The truth race as a whole: its field, what happened, the reads as CTP01 streams, and its
files. Same seed, same race, byte for byte."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from p88.tcp.controller_files import RawRead
from p88.tcp.race_sources import PointFeed, Stream, build_stream
from p88.tcp.truth_race import files
from p88.tcp.truth_race.expected import expected_rows
from p88.tcp.truth_race.field import (
    BACKUP,
    FINISH,
    LOCATIONS,
    START,
    Entry,
    make_entries,
    make_guns,
)
from p88.tcp.truth_race.plan import Runner, plan_runners
from p88.tcp.truth_race.reads import (
    Sighting,
    mat_check_reads,
    runner_reads,
    unregistered_reads,
)

MAX_RUNNERS = 50_000
_ANTENNAS = (1, 2, 4, 8)
# Two readers on each mat but the backup line, which has one; the gun is wired to the start
# box, and the finish box reports the same shots (the same hundredth: one gun).
_READERS = {START: ("13000C", "130044"), "2.5K": ("13010C",), "5K": ("13020C", "130244"),
            FINISH: ("12000C", "120044"), BACKUP: ("14000C",)}  # fmt: skip
_GUN_BOXES = (START, FINISH)


@dataclass(frozen=True, slots=True)
class TruthRace:
    event: str
    day: date
    guns: dict[str, int]  # wave -> gun, hundredths since midnight
    entries: tuple[Entry, ...]
    runners: tuple[Runner, ...]
    reads: dict[str, tuple[Sighting, ...]]  # tag -> what the mats read of it
    mat_check: tuple[PointFeed, ...]  # the morning's test tags, one feed per location
    feeds: tuple[PointFeed, ...]  # the race, one feed per location

    def all_feeds(self) -> list[PointFeed]:
        """Mat check then race, each location's two sessions on one middleware instance."""
        return [
            PointFeed(race.name, (*check.streams, *race.streams))
            for check, race in zip(self.mat_check, self.feeds, strict=True)
        ]

    def expected_rows(self, closed: bool = False) -> list[list[str]]:
        """The results export's rows, header aside; `closed`: after every course is closed."""
        return expected_rows(self.runners, self.reads, self.day, closed)

    def participants_csv(self) -> str:
        return files.participants_csv(self.entries)

    def setup_json(self) -> str:
        return files.setup_json(self.day)

    def write_files(self, folder: Path) -> list[Path]:
        return files.write_files(
            folder,
            {
                files.PARTICIPANTS: self.participants_csv(),
                files.SETUP: self.setup_json(),
                files.TRUTH: files.truth_csv(self.expected_rows()),
                files.TRUTH_CLOSED: files.truth_csv(self.expected_rows(closed=True)),
            },
        )


def _moment(day: date, hundredths: int) -> datetime:
    return datetime.combine(day, time()) + timedelta(milliseconds=10 * hundredths)


@dataclass(frozen=True, slots=True)
class _Streams:
    """What every stream of one replay shares: event, day, and the key of its sources."""

    event: str
    day: date
    source: str

    def feeds(
        self, rng: random.Random, sightings: Sequence[Sighting], guns: Sequence[int]
    ) -> tuple[PointFeed, ...]:
        """One feed per location; the gun boxes report `guns` too."""
        by_location: defaultdict[str, list[Sighting]] = defaultdict(list)
        for sighting in sightings:
            by_location[sighting.location].append(sighting)
        feeds = []
        for location in LOCATIONS:
            shots = guns if location in _GUN_BOXES else ()
            stream = self._stream(rng, location, by_location[location], shots)
            feeds.append(PointFeed(location, (stream,)))
        return tuple(feeds)

    def _stream(
        self,
        rng: random.Random,
        location: str,
        sightings: Sequence[Sighting],
        guns: Sequence[int],
    ) -> Stream:
        readers = _READERS[location]
        raw = [
            RawRead(s.tag, _moment(self.day, s.time), rng.choice(readers), rng.choice(_ANTENNAS))
            for s in sorted(sightings, key=lambda s: (s.time, s.tag))
        ]
        box = f"S{0x10000 + LOCATIONS.index(location):05X}"
        moments = [_moment(self.day, gun) for gun in guns]
        source = f"{self.source}/{location}"
        return build_stream(self.event, location, source, raw, moments, box)


def truth_race(
    runners: int = 2000, seed: int = 1, event: str = "TRUTH", day: date = date(2021, 5, 8)
) -> TruthRace:
    """A generated 5K and 10K in three waves that knows every runner's exact results row."""
    if not 1 <= runners <= MAX_RUNNERS:
        raise ValueError(f"the truth race takes 1 to {MAX_RUNNERS:,} runners, not {runners:,}")
    rng = random.Random(seed)  # noqa: S311 - a reproducible race, not a secret
    entries = make_entries(rng, runners, day)
    guns = make_guns(rng)
    planned = plan_runners(rng, entries, guns)
    by_tag: defaultdict[str, list[Sighting]] = defaultdict(list)
    for runner in planned:
        by_tag[runner.entry.tag] = runner_reads(rng, runner)
    first_gun = min(guns.values())
    strays = unregistered_reads(rng, first_gun)
    for sighting in strays:
        by_tag[sighting.tag].append(sighting)
    # The race's parameters are in every stream's source, hence in the simulated connection
    # ids: another race must not be taken for a resume of this one.
    source = f"truth/{event}/{day.isoformat()}/{runners}/seed{seed}"
    all_reads = [s for reads in by_tag.values() for s in reads]
    race_feeds = _Streams(event, day, source).feeds(rng, all_reads, sorted(guns.values()))
    check_reads = mat_check_reads(LOCATIONS, first_gun)
    check = _Streams(event, day, f"{source}/check").feeds(rng, check_reads, ())
    return TruthRace(
        event,
        day,
        guns,
        tuple(entries),
        tuple(planned),
        {tag: tuple(reads) for tag, reads in by_tag.items()},
        check,
        race_feeds,
    )
