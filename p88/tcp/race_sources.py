"""Races as replayable CTP01 streams: what one ChronoTrack middleware instance would send.

A `PointFeed` is one timing point's middleware (one TCP connection to p88); it holds one
`Stream` per controller session, in the order the middleware would stream them. Each stream
carries its observations already numbered the way a CTP01 client numbers them, so replaying,
rewinding or resuming a stream always reproduces the same sequence numbers.

Sources:
- `load_21rotm` / `load_controller_files`: raw controller files (`.csv` + `.mrk` per session,
  one folder per point), such as the bundled real race 21ROTM.
- `synthetic_race`: a generated race of any size, deterministic for a seed.

Rules chosen here (the raw files do not say how the middleware derives them):
- lap = 1 + how many times the same tag was already read in that stream (a read occurrence
  count, as SimpleClient reports it; it is not a lap of the course).
- sequence = 1..N over the stream's reads in file order merged with its gun starts in time
  order: a gun goes before the first read (in file order) whose time is later than the gun.
- a `.mrk` gun stamp is used only if it lies within `GUN_PLAUSIBILITY` (one day) of the
  stream's earliest..latest read; controllers with an unset clock (FINISH2's `80…` stamps,
  decoded as the year 2080) would otherwise place gun starts decades away.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path

from p88.tcp.controller_files import (
    EPOCH,
    RawRead,
    first_marker_text,
    plausible_guns,
    read_marker_file,
    read_observation_file,
)
from p88.tcp.controller_files import RaceDataError as RaceDataError

GUNTIME_TAG = "guntime"
DEFAULT_EVENT = "UNKNOWN"

ReadKey = tuple[str, str, str, datetime, str, int]
"""(event, location, tag, time, reader id, gator): one distinct read."""


class Kind(StrEnum):
    READ = "read"
    GUNTIME = "guntime"


@dataclass(frozen=True, slots=True)
class Observation:
    """One CTP01 tag line before formatting: a tag read or a gun start."""

    sequence: int
    tag: str
    time: datetime  # event-local wall clock, naive, whole hundredths
    lap: int
    reader_id: str
    gator: int
    kind: Kind = Kind.READ

    @property
    def is_read(self) -> bool:
        return self.kind is Kind.READ


@dataclass(frozen=True, slots=True)
class Stream:
    """One controller session as middleware streams it: one event, one location."""

    event: str
    location: str
    observations: tuple[Observation, ...]
    source: str  # stable key, e.g. "START1/5071909"; part of the simulated connection id

    @property
    def day(self) -> date:
        """The session's day: `normal` times count hours from its midnight."""
        return self.observations[0].time.date() if self.observations else EPOCH.date()

    @property
    def read_count(self) -> int:
        return sum(1 for obs in self.observations if obs.is_read)

    @property
    def last_sequence(self) -> int:
        return self.observations[-1].sequence if self.observations else 0


@dataclass(frozen=True, slots=True)
class PointFeed:
    """One simulated middleware instance: one TCP connection, its sessions streamed in order."""

    name: str
    streams: tuple[Stream, ...]

    @property
    def read_count(self) -> int:
        return sum(stream.read_count for stream in self.streams)


# ------------------------------------------------------------------ building streams
def build_stream(
    event: str,
    location: str,
    source: str,
    reads: Sequence[RawRead],
    guns: Iterable[datetime],
    gun_reader_id: str,
) -> Stream:
    """Number reads (file order) and gun starts (time order) 1..N and count laps per tag."""
    pending_guns = sorted(guns)
    observations: list[Observation] = []
    laps: dict[str, int] = {}
    gun_index = 0

    def add_gun(when: datetime) -> None:
        observations.append(
            Observation(len(observations) + 1, GUNTIME_TAG, when, 0, gun_reader_id, 0, Kind.GUNTIME)
        )

    for read in reads:
        while gun_index < len(pending_guns) and pending_guns[gun_index] < read.time:
            add_gun(pending_guns[gun_index])
            gun_index += 1
        lap = laps.get(read.tag, 0) + 1
        laps[read.tag] = lap
        observations.append(
            Observation(len(observations) + 1, read.tag, read.time, lap, read.reader_id, read.gator)
        )
    for when in pending_guns[gun_index:]:
        add_gun(when)
    return Stream(event, location, tuple(observations), source)


def distinct_read_keys(feeds: Iterable[PointFeed]) -> set[ReadKey]:
    """Distinct reads over all feeds on (event, location, tag, time, reader id, gator).

    This is the CTP01 de-duplication key plus the event; a collector that absorbs every
    duplicate (copies, resumes, rewinds) stores exactly this many reads.
    """
    return {
        (stream.event, stream.location, obs.tag, obs.time, obs.reader_id, obs.gator)
        for feed in feeds
        for stream in feed.streams
        for obs in stream.observations
        if obs.is_read
    }


def total_reads(feeds: Iterable[PointFeed]) -> int:
    """Read observations (not gun starts) a full replay sends once."""
    return sum(feed.read_count for feed in feeds)


# ------------------------------------------------------------------ raw controller files
def load_session(csv_path: Path, source: str, default_location: str) -> Stream:
    """One controller session: `<name>.csv` plus its `<name>.mrk` marker log.

    The location is the `.mrk` Point, not the folder: a folder may hold a copy taken off
    another point's controller (START1/5071909 is FINISH1's session).
    """
    reads = read_observation_file(csv_path)
    markers = read_marker_file(csv_path.with_suffix(".mrk"))
    event = first_marker_text(markers, "Event") or DEFAULT_EVENT
    location = first_marker_text(markers, "Point") or default_location
    controller_id = markers[0].controller_id if markers else "0"
    guns = plausible_guns(markers, reads)
    return build_stream(event, location, source, reads, guns, controller_id)


def load_point_folder(folder: Path) -> PointFeed:
    """All sessions of one point folder, oldest first (one connection streams them in turn)."""
    streams = [
        load_session(csv_path, f"{folder.name}/{csv_path.stem}", folder.name)
        for csv_path in sorted(folder.glob("*.csv"))
    ]
    streams = [stream for stream in streams if stream.observations]
    streams.sort(key=lambda stream: (stream.observations[0].time, stream.source))
    return PointFeed(folder.name, tuple(streams))


def load_controller_files(root: Path) -> list[PointFeed]:
    """Every sub-folder of `root` holding `.csv` files is one point feed, by folder name."""
    root = Path(root)
    if not root.is_dir():
        raise RaceDataError(f"no such race folder: {root}")
    folders = sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("*.csv")))
    if not folders:
        raise RaceDataError(f"no point folders with .csv files in {root}")
    feeds = [load_point_folder(folder) for folder in folders]
    return [feed for feed in feeds if feed.streams]


def load_21rotm(path: Path | None = None) -> list[PointFeed]:
    """The real 21ROTM race (bundled copy unless `path` is given): 10 feeds, 64,990 reads."""
    if path is None:
        from p88.sampledata import race_21rotm_path

        path = race_21rotm_path()
    return load_controller_files(path)


# ------------------------------------------------------------------ synthetic races
_KM_PATTERN = re.compile(r"(\d+(?:\.\d+)?)\s*k", re.IGNORECASE)
_DEFAULT_LEG_KM = 5.0
_WAVE_GAP = timedelta(minutes=10)
_FIRST_GUN = time(8, 0)
_ANTENNAS = (1, 2, 4, 8)


def point_distances(points: Sequence[str]) -> list[float]:
    """Course km per point: from the name (`5K`, `21.1k`); else 0 for the first point, else the
    previous point + 5 km (so START,5K,FINISH is 0, 5, 10)."""
    distances: list[float] = []
    for index, name in enumerate(points):
        match = _KM_PATTERN.fullmatch(name.strip())
        if match:
            distances.append(float(match.group(1)))
        elif index == 0:
            distances.append(0.0)
        else:
            distances.append(distances[-1] + _DEFAULT_LEG_KM)
    return distances


def _hundredths(moment: datetime) -> datetime:
    """Round to whole hundredths, as controllers report time."""
    midnight = datetime.combine(moment.date(), time())
    ticks = round((moment - midnight) / timedelta(milliseconds=10))
    return midnight + timedelta(milliseconds=10 * ticks)


@dataclass(frozen=True, slots=True)
class _Runner:
    bib: str
    gun: datetime
    start_offset: float  # seconds from gun to crossing the start line
    pace: float  # seconds per km


def _make_runners(rng: random.Random, runners: int, guns: Sequence[datetime]) -> list[_Runner]:
    made = []
    for index in range(runners):
        wave = index * len(guns) // runners  # contiguous bib blocks per wave
        pace = min(600.0, max(200.0, rng.gauss(330.0, 60.0)))
        made.append(_Runner(str(index + 1), guns[wave], rng.uniform(0.0, 90.0), pace))
    return made


def _passing_reads(
    rng: random.Random, runner: _Runner, km: float, readers: tuple[str, str]
) -> list[RawRead]:
    """2-6 reads of one runner crossing a mat: within ~2 s, various antennas, both readers."""
    drift = rng.uniform(0.97, 1.03)  # runners do not hold their pace exactly
    crossing = runner.gun + timedelta(seconds=runner.start_offset + runner.pace * km * drift)
    return [
        RawRead(
            runner.bib,
            _hundredths(crossing + timedelta(seconds=rng.uniform(0.0, 2.0))),
            rng.choice(readers),
            rng.choice(_ANTENNAS),
        )
        for _ in range(rng.randint(2, 6))
    ]


def synthetic_race(
    runners: int = 500,
    points: Sequence[str] = ("START", "5K", "FINISH"),
    waves: int = 3,
    seed: int = 1,
    event: str = "DEMO",
    day: date = date(2021, 5, 8),
) -> list[PointFeed]:
    """A generated race: bibs 1..runners, waves 10 min apart from 08:00 (gun starts on the
    first point), paces 200-600 s/km, 2-6 reads per runner and point. Same seed, same race."""
    if runners < 1 or waves < 1 or not points:
        raise ValueError("a synthetic race needs at least one runner, one wave and one point")
    if len(set(points)) != len(points):
        raise ValueError(f"point names must be distinct: {list(points)}")
    rng = random.Random(seed)  # noqa: S311 - a reproducible race, not a secret
    first_gun = datetime.combine(day, _FIRST_GUN)
    guns = [first_gun + wave * _WAVE_GAP for wave in range(waves)]
    field = _make_runners(rng, runners, guns)
    # Every parameter is in the stream key, hence in the simulated connection id: another
    # synthetic race must not be taken for a resume of this one.
    source = f"synthetic/{event}/{day.isoformat()}/{runners}x{waves}/seed{seed}"
    feeds = []
    for index, (name, km) in enumerate(zip(points, point_distances(points), strict=True)):
        readers = (
            f"{0x120000 + 0x100 * index + 0x0C:06X}",
            f"{0x120000 + 0x100 * index + 0x44:06X}",
        )
        reads = [read for runner in field for read in _passing_reads(rng, runner, km, readers)]
        reads.sort(key=lambda read: read.time)  # a controller logs reads as they happen
        point_guns = guns if index == 0 else []
        controller_id = f"S{0x10000 + index:05X}"
        stream = build_stream(event, name, f"{source}/{name}", reads, point_guns, controller_id)
        feeds.append(PointFeed(name, (stream,)))
    return feeds
