"""Waves and their guns: which gun starts which runner.

A wave's gun, strongest first: a gun moved by the timer (correction), the wave's manual gun,
the hardware `guntime` line chosen for it by hand, else the next line in order (waves in setup
order take the lines nobody chose, in time order). A race with no waves takes its one line;
with several lines and no waves, its gun is unknown until the timer says which is whose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from p88.results.clock import Hundredths
from p88.results.model import Entrant
from p88.results.setup import GunLine, Setup, Wave


def natural_key(name: str) -> tuple[int, int, str]:
    """'2' before '10', numbers before words."""
    return (0, int(name), "") if name.isdigit() else (1, 0, name)


def wave_list(setup: Setup, entrants: Iterable[Entrant]) -> tuple[Wave, ...]:
    """The setup's waves; without any, the waves the bib ranges and the participant file
    name, in natural order; without those either, one unnamed wave."""
    if setup.waves:
        return setup.waves
    names = {r.wave for r in setup.wave_ranges} | {e.wave for e in entrants}
    names.discard("")
    if not names:
        return (Wave(""),)
    return tuple(Wave(name) for name in sorted(names, key=natural_key))


def usable_lines(setup: Setup, lines: Iterable[GunLine]) -> list[GunLine]:
    """Gun lines that count, in time order: from the gun location when the setup names one;
    one line per hundredth (two boxes reporting the same gun are one gun)."""
    by_time: dict[Hundredths, GunLine] = {}
    for line in lines:
        if setup.gun_location is None or line.location == setup.gun_location:
            kept = by_time.get(line.time)
            if kept is None or line.id < kept.id:
                by_time[line.time] = line
    return sorted(by_time.values(), key=lambda line: (line.time, line.id))


@dataclass(frozen=True, slots=True)
class GunTable:
    """Each wave's gun (None: not known yet), and the usable lines no wave took."""

    guns: Mapping[str, Hundredths | None]
    unassigned: tuple[GunLine, ...]
    missing_lines: Mapping[str, int]  # wave -> the line id chosen for it that does not exist
    # No waves, and several usable lines to take the race's gun from: which one is unknown.
    several_guns: bool = False

    def gun_for(self, wave: str) -> tuple[str, Hundredths | None]:
        """The wave a runner is in (their own, or the only wave when they have none) and its
        gun; a runner with no wave among several has none."""
        if wave in self.guns:
            return wave, self.guns[wave]
        if wave == "" and len(self.guns) == 1:
            (only,) = self.guns
            return only, self.guns[only]
        return wave, None


def gun_table(
    waves: tuple[Wave, ...], lines: list[GunLine], moved: Mapping[str, Hundredths]
) -> GunTable:
    """`lines` as `usable_lines` gives them; `moved`: the guns the timer moved, per wave."""
    by_id = {line.id: line for line in lines}
    chosen = {wave.gun_line for wave in waves if wave.gun_line is not None}
    pool = [line for line in lines if line.id not in chosen]
    # Taking the first of several lines would time waves 2 and 3 from wave 1's gun: a race
    # with no waves and several guns has no known gun until the timer says which is whose.
    several = waves == (Wave(""),) and len(pool) > 1
    guns: dict[str, Hundredths | None] = {}
    missing: dict[str, int] = {}
    for wave in waves:
        if wave.gun is not None:
            guns[wave.name] = wave.gun
        elif wave.gun_line is not None:
            line = by_id.get(wave.gun_line)
            guns[wave.name] = None if line is None else line.time
            if line is None:
                missing[wave.name] = wave.gun_line
        elif several:
            guns[wave.name] = None
        else:
            guns[wave.name] = pool.pop(0).time if pool else None
    for wave_name, time in moved.items():
        if wave_name in guns:
            guns[wave_name] = time
    return GunTable(guns, tuple(pool), missing, several and guns[""] is None)


def ranged_wave(setup: Setup, bib: str) -> str | None:
    """The wave a numeric bib's range gives it, if any."""
    if not setup.wave_ranges or not bib.isdigit():
        return None
    number = int(bib)
    for bib_range in setup.wave_ranges:
        if bib_range.first <= number <= bib_range.last:
            return bib_range.wave
    return None
